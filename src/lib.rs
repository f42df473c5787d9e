//! # Acunum
//!
//! The tool with which a network of digital mediators sells, plans, runs and follows the *Cycle
//! d'Accompagnement aux Cultures et Usages Numériques* (cycle ACUNUM). A guided tour, from the
//! bottom of the house up: the foundations name no concept, the concepts import the foundations
//! and the concepts before them, and what sits above gathers them (`python3 bench/imports.py`
//! counts the imports between files and their circles).
//!
//! **Foundations** (no concept):
//! - [`config`] — every option, documented once; [`clock`] — the time that dates records.
//! - [`db`] — one pool for SQLite (embedded, default) and PostgreSQL (scale-out); migrations in
//!   `migrations/{sqlite,postgres}`; [`cache`] — short-lived caches and the shelf beside the pool.
//! - [`error`] — one error type, turned into a French page or a JSON body in one place;
//!   [`extract`] — axum extractors that answer in French.
//! - [`money`] — amounts and the one rounding rule; [`fr`] — French formatting; [`text`] —
//!   search keys and plain text; [`chart`] — charts as inline SVG; [`markdown`] — safe Markdown; [`images`] — logos and signatures
//!   checked and re-encoded; [`ids`] — SIRET, e-mail, postal and INSEE codes, each made by its
//!   `parse()`; [`sector`] — sectors and kinds of structures; [`secret`] — random
//!   tokens and their hashes; [`memory`] — freed memory given back after large work.
//! - [`state`] — `AppState`, what every handler can reach; [`links`] — personal links, hashed.
//! - [`jobs`] — the job queue in the database and the `JobKind` trait; [`mail`] — e-mails sent
//!   through it; [`audit`] — the audit trail.
//! - [`auth`] — accounts, roles, sessions in the database, CSRF, API tokens, login throttle, and
//!   the permission of every route.
//! - [`web`] — what pages share (layout context, static assets, lists, CSV); [`documents`] — PDF
//!   documents (Typst, in the `acunum-pdf` crate).
//!
//! **Concepts** (each keeps its pure rules in `mod.rs`, its SQL in `store.rs`, what pages and API
//! both do in `service.rs` where there is some, and thin handlers in `web.rs` and `api.rs`):
//! - [`org`] — training organisations and their legal identity (SIRET, déclaration d'activité).
//! - [`catalogue`] — the modules of the cycle, versioned, with their public programme sheets.
//! - [`client`], [`intervenant`] — client structures and the people who give the trainings.
//! - [`quote`] — quotes priced from the catalogue, their versions, the client's decision,
//!   conventions; [`invoice`] — invoices, payments, credit notes, Factur-X and the FEC.
//! - [`cycle`] — cycles: phases, the groupe mixte, sessions and their conflicts, rooms,
//!   conferences, convocations and calendars.
//! - [`attendance`] — émargement per half-day, attendance sheets, certificates.
//! - [`assessment`] — positioning before a training and assessment of its objectives after it.
//! - [`survey`] — satisfaction surveys and complaints; [`quality`] — Qualiopi indicators and the
//!   BPF.
//! - [`committee`] — the steering committee: votes, commitments, the action plan, AMO.
//! - [`network`] — the TICA network: territories, retours d'expérience, mises en lien.
//! - [`proposal`] — vendors' proposals read with the glossary; [`mutual`] — the école mutuelle.
//! - [`notepad`] — the collaborative notepad (Yjs over a websocket); [`veille`] — the shared
//!   veille (feeds, digests, OPML).
//! - [`places`] — the directory of mediation places (national schema, map, nearest places).
//! - [`privacy`] — a person's data exported and erased, retention periods.
//!
//! **Above the concepts**:
//! - [`portal`] — the participant's page, gathering what each concept offers them; [`dashboard`] —
//!   each role's home page: what to do now.
//! - [`demo`] — the demo data; [`worker`] — the list of job kinds and the loop that runs them.
//! - [`api`] — the OpenAPI document; [`app`] — the router: every route of the pages and of the API
//!   in one list; [`cli`] — the `acunum` command (`serve`, `migrate`, `demo`, `user add`,
//!   `token create`, `config`, `places`).
//! - `benches` — the benchmarks' commands and data, built only with `--features bench`.

pub mod api;
pub mod app;
pub mod assessment;
pub mod attendance;
pub mod audit;
pub mod auth;
#[cfg(feature = "bench")]
pub mod benches;
pub mod cache;
pub mod catalogue;
pub mod chart;
pub mod cli;
pub mod client;
pub mod clock;
pub mod committee;
pub mod config;
pub mod cycle;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod documents;
pub mod error;
pub mod extract;
pub mod fr;
pub mod ids;
pub mod images;
pub mod intervenant;
pub mod invoice;
pub mod jobs;
pub mod links;
pub mod mail;
pub mod markdown;
pub mod memory;
pub mod money;
pub mod mutual;
pub mod network;
pub mod notepad;
pub mod org;
pub mod places;
pub mod portal;
pub mod privacy;
pub mod proposal;
pub mod quality;
pub mod quote;
pub mod secret;
pub mod sector;
pub mod state;
pub mod survey;
pub mod text;
pub mod veille;
pub mod web;
pub mod worker;

#[cfg(test)]
mod tour {
    /// The tour above names every module, and every file of `src/` is a module of it.
    #[test]
    fn the_tour_names_every_module() {
        let lib = include_str!("lib.rs");
        let declared: Vec<&str> =
            lib.lines().filter_map(|l| l.strip_prefix("pub mod ").and_then(|r| r.strip_suffix(';'))).collect();
        let tour: String = lib.lines().filter(|l| l.starts_with("//!")).collect::<Vec<_>>().join("\n");
        for m in &declared {
            let named = if *m == "benches" { format!("`{m}`") } else { format!("[`{m}`]") };
            assert!(tour.contains(&named), "the tour of src/lib.rs does not name the module `{m}`");
        }
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        for entry in std::fs::read_dir(src).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().to_string();
            let module = name.strip_suffix(".rs").unwrap_or(&name).to_string();
            if matches!(module.as_str(), "lib" | "main") {
                continue;
            }
            assert!(declared.contains(&module.as_str()), "src/{name} is not declared in src/lib.rs");
        }
    }
}
