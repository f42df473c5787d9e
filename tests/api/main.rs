//! One integration-test binary. Each test runs on SQLite and, when `ACUNUM_TEST_POSTGRES` is set,
//! on PostgreSQL (see `helpers::both_databases!`).

mod helpers;

mod attendance;
mod auth;
mod bad_input;
mod browser;
mod catalogue;
mod clients;
mod committee;
mod cycles;
mod fuzz;
mod hardening;
mod intervenants;
mod invoices;
mod isolation;
mod network;
mod notepad;
mod openapi;
mod permissions;
mod places;
mod quality;
mod quotes;
mod records;
mod store;
mod veille;
