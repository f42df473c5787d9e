//! One integration-test binary. Each test runs on SQLite and, when `ACUNUM_TEST_POSTGRES` is set,
//! on PostgreSQL (see `helpers::both_databases!`).

mod helpers;

mod assessment;
mod attendance;
mod auth;
mod bad_input;
mod browser;
mod catalogue;
mod clients;
mod committee;
mod contract;
mod cycles;
mod documents;
mod fuzz;
mod hardening;
mod home;
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
