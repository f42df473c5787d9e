//! Places: for now, the embedded table of French communes (postal codes, names, coordinates) that
//! locates clients and intervenants who gave a postal code or a commune but no coordinates.

pub mod communes;
