//! The collaborative notepad of a cycle: a Yjs document (rich text in the `contenu` text, as
//! Quill's binding writes it) served over the y-websocket protocol by `yrs`.
//!
//! Every update a client sends is stored in `notepad_updates` before it is applied and relayed to
//! the others, so an edit another client has seen survives a crash; the updates are folded into a
//! snapshot every [`COMPACT_EVERY`] updates and when the last client leaves (the room is then
//! unloaded). A room is one in-memory document per open notepad.

#[cfg(feature = "bench")]
pub mod bench;
pub mod history;
pub mod room;
pub mod store;
pub mod text;
pub mod web;

/// Updates between two snapshots.
pub const COMPACT_EVERY: i64 = 500;
/// The largest websocket message a client may send.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;
/// The largest document, encoded.
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;
/// Messages a connection may send per second before it is closed as a flood.
pub const MAX_MESSAGES_PER_SECOND: u32 = 400;
/// Seconds between two revisions kept while people write (one is also kept when the last leaves).
pub const REVISION_EVERY_SECONDS: i64 = 600;
/// The name of the document's text.
pub const TEXT: &str = "contenu";
