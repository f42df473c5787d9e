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
    notepad_bundle(&out);
    let target = Path::new(&out).join("htmx.min.js");
    match std::fs::read(htmx) {
        Ok(bytes) => std::fs::write(&target, bytes).expect("write htmx"),
        Err(_) => std::fs::write(&target, b"/* htmx missing at build time */").expect("write placeholder"),
    }
}

/// The notepad's editor (web/notepad.js with yjs, y-websocket, quill), bundled by esbuild, and
/// Quill's style sheet. Without them the notepad shows its text read-only.
fn notepad_bundle(out: &str) {
    println!("cargo:rerun-if-changed=web/notepad.js");
    let js = Path::new(out).join("notepad.js");
    let esbuild = Path::new("node_modules/.bin/esbuild");
    let built = esbuild.exists()
        && Command::new(esbuild)
            .args(["web/notepad.js", "--bundle", "--minify", "--format=iife", "--target=es2020", "--log-level=error"])
            .arg(format!("--outfile={}", js.display()))
            .status()
            .is_ok_and(|s| s.success());
    if !built {
        println!("cargo:warning=esbuild missing or failed: the notepad will be read-only");
        std::fs::write(&js, b"/* notepad bundle missing at build time */").expect("write placeholder");
    }
    let css = Path::new(out).join("quill.snow.css");
    match std::fs::read("node_modules/quill/dist/quill.snow.css") {
        Ok(bytes) => std::fs::write(&css, bytes).expect("write quill css"),
        Err(_) => std::fs::write(&css, b"/* quill css missing */").expect("write placeholder"),
    }
}
