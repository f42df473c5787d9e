//! Places: the directory of mediation places (the national open-data schema: import with a
//! row-by-row report, export, search by text, typology, services and distance, a map of France),
//! the embedded table of French communes, and finding the intervenants nearest to a client.

pub mod api;
#[cfg(feature = "bench")]
pub mod bench;
pub mod communes;
pub mod import;
pub mod index;
pub mod map;
pub mod matching;
pub mod read;
pub mod schema;
pub mod store;
pub mod values;
pub mod vocabulary;
pub mod web;
