//! Copies the front-end packages that come from npm (see package.json) next to the build, so that
//! the binary embeds them. Nothing built is committed: when node_modules is missing the build runs
//! `npm ci` once; without npm the pages still work, without htmx's enhancements.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=package-lock.json");
    println!("cargo:rerun-if-changed=node_modules/htmx.org/dist/htmx.min.js");
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    let htmx = Path::new("node_modules/htmx.org/dist/htmx.min.js");
    if !htmx.exists() && Path::new("package-lock.json").exists() {
        let status = Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"]).status();
        if !matches!(status, Ok(s) if s.success()) {
            println!("cargo:warning=npm ci failed: the pages will work without htmx");
        }
    }
    let target = Path::new(&out).join("htmx.min.js");
    match std::fs::read(htmx) {
        Ok(bytes) => std::fs::write(&target, bytes).expect("write htmx"),
        Err(_) => std::fs::write(&target, b"/* htmx missing at build time */").expect("write placeholder"),
    }
}
