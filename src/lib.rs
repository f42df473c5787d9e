//! # Acunum
//!
//! The tool with which a network of digital mediators sells, plans, runs and follows the *Cycle
//! d'Accompagnement aux Cultures et Usages Numériques* (cycle ACUNUM). A guided tour:
//!
//! - [`cli`] — the `acunum` command (`serve`, `migrate`, `demo`, `user add`, `token create`, `config`).
//! - [`config`] — every option, documented once.
//! - [`db`] — one pool for SQLite (embedded, default) and PostgreSQL (scale-out); migrations in
//!   `migrations/{sqlite,postgres}`.
//! - [`app`] — the state and the router: every route of the pages and of the API in one list.
//! - [`error`] — one error type, turned into a French page or a JSON body in one place.
//! - [`auth`] — accounts, roles, sessions in the database, CSRF, API tokens, login throttle.
//! - [`org`] — training organisations and their legal identity (SIRET, déclaration d'activité).
//! - [`catalogue`] — the modules of the cycle, versioned, with their public programme sheets.
//! - [`client`], [`intervenant`] — client structures and the people who give the trainings.
//! - [`quote`] — quotes priced from the catalogue, their versions, the client's acceptance, conventions.
//! - [`cycle`] — cycles: phases, the groupe mixte, sessions and their conflicts, rooms, conferences,
//!   convocations and calendars.
//! - [`attendance`] — émargement per half-day, attendance sheets, certificates.
//! - [`jobs`], [`mail`] — the job queue in the database, and e-mails sent through it.
//! - [`documents`] — PDF documents (Typst, in the `acunum-pdf` crate) with French formatting.
//! - [`web`] — what pages share (layout context, static assets, lists, CSV); [`api`] — OpenAPI.
//!
//! Each concept keeps its pure rules in `mod.rs` (unit-tested), its SQL in `store.rs`, and thin
//! handlers in `web.rs` (askama pages) and `api.rs` (JSON).

pub mod api;
pub mod app;
pub mod attendance;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod catalogue;
pub mod cli;
pub mod client;
pub mod clock;
pub mod committee;
pub mod config;
pub mod cycle;
pub mod db;
pub mod demo;
pub mod documents;
pub mod error;
pub mod extract;
pub mod fr;
pub mod images;
pub mod intervenant;
pub mod invoice;
pub mod jobs;
pub mod links;
pub mod mail;
pub mod markdown;
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
