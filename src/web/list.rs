//! Lists: search, sorting, paging (the same for every list page and its API twin), and the CSV
//! export that opens cleanly in a French spreadsheet.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::error::{AppError, FieldErrors};

/// The query string of every list: `?q=&sort=&dir=&page=&per_page=`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Words to look for (accents and case do not matter).
    pub q: Option<String>,
    /// Sort key (see each list).
    pub sort: Option<String>,
    /// `asc` or `desc`.
    pub dir: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<i64>,
    /// Rows per page (10 to 200, default 25).
    #[param(minimum = 10, maximum = 200)]
    pub per_page: Option<i64>,
}

/// The last page a list reaches, and the bounds of its rows per page.
pub const MAX_PAGE: i64 = 1_000_000;
pub const PER_PAGE: std::ops::RangeInclusive<i64> = 10..=200;

/// The sortable columns of a list: key → SQL expression. The key is what the URL carries; only
/// these expressions ever reach the SQL.
pub struct SortSpec {
    pub columns: &'static [(&'static str, &'static str, &'static str)],
    pub default: &'static str,
}

/// A list request, checked against its [`SortSpec`].
#[derive(Clone, Debug)]
pub struct Listing {
    pub q: String,
    pub sort: &'static str,
    pub sort_sql: &'static str,
    pub desc: bool,
    pub page: i64,
    pub per_page: i64,
}

impl Listing {
    pub fn new(p: &ListParams, spec: &SortSpec) -> Listing {
        let (sort, sort_sql) = spec
            .columns
            .iter()
            .find(|(k, _, _)| Some(*k) == p.sort.as_deref())
            .or_else(|| spec.columns.iter().find(|(k, _, _)| *k == spec.default))
            .map(|(k, sql, _)| (*k, *sql))
            .unwrap_or(("", "id"));
        Listing {
            q: p.q.clone().unwrap_or_default().trim().chars().take(200).collect(),
            sort,
            sort_sql,
            desc: p.dir.as_deref() == Some("desc"),
            page: p.page.unwrap_or(1).clamp(1, MAX_PAGE),
            per_page: p.per_page.unwrap_or(25).clamp(*PER_PAGE.start(), *PER_PAGE.end()),
        }
    }

    /// The same for the API, whose document declares the bounds: a page or a number of rows per
    /// page outside them is refused (422) rather than clamped, as a page's link would be.
    pub fn checked(p: &ListParams, spec: &SortSpec) -> Result<Listing, AppError> {
        let mut e = FieldErrors::new();
        if p.page.is_some_and(|v| !(1..=MAX_PAGE).contains(&v)) {
            e.add("page", format!("Les pages vont de 1 à {MAX_PAGE}."));
        }
        if p.per_page.is_some_and(|v| !PER_PAGE.contains(&v)) {
            e.add("per_page", format!("Le nombre de lignes par page va de {} à {}.", PER_PAGE.start(), PER_PAGE.end()));
        }
        e.into_result(Listing::new(p, spec))
    }

    /// `ORDER BY` clause, with the id as a tie-breaker so that pages never overlap.
    pub fn order_by(&self) -> String {
        let dir = if self.desc { "DESC" } else { "ASC" };
        format!("ORDER BY {} {dir}, id {dir}", self.sort_sql)
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

/// One column header of a list page: its label, the link that sorts by it, and its state.
pub struct SortLink {
    pub label: &'static str,
    pub href: String,
    /// `ascending`, `descending` or `none` (for aria-sort)
    pub aria_sort: &'static str,
}

/// Paging and sorting links for a list page.
pub struct Pager {
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub headers: Vec<SortLink>,
    pub q: String,
    pub csv: String,
}

impl Pager {
    pub fn new(base: &str, l: &Listing, spec: &SortSpec, total: i64) -> Pager {
        let pages = ((total + l.per_page - 1) / l.per_page).max(1);
        let link = |page: i64, sort: &str, desc: bool| {
            let mut ser = form_urlencoded::Serializer::new(String::new());
            if !l.q.is_empty() {
                ser.append_pair("q", &l.q);
            }
            ser.append_pair("sort", sort);
            if desc {
                ser.append_pair("dir", "desc");
            }
            if page > 1 {
                ser.append_pair("page", &page.to_string());
            }
            if l.per_page != 25 {
                ser.append_pair("per_page", &l.per_page.to_string());
            }
            format!("{base}?{}", ser.finish())
        };
        let headers = spec
            .columns
            .iter()
            .map(|(key, _, label)| {
                let current = *key == l.sort;
                SortLink {
                    label,
                    href: link(1, key, current && !l.desc),
                    aria_sort: match (current, l.desc) {
                        (true, false) => "ascending",
                        (true, true) => "descending",
                        _ => "none",
                    },
                }
            })
            .collect();
        let mut csv = form_urlencoded::Serializer::new(String::new());
        if !l.q.is_empty() {
            csv.append_pair("q", &l.q);
        }
        csv.append_pair("sort", l.sort);
        if l.desc {
            csv.append_pair("dir", "desc");
        }
        Pager {
            total,
            page: l.page,
            pages,
            prev: (l.page > 1).then(|| link(l.page - 1, l.sort, l.desc)),
            next: (l.page < pages).then(|| link(l.page + 1, l.sort, l.desc)),
            headers,
            q: l.q.clone(),
            csv: format!("{base}.csv?{}", csv.finish()),
        }
    }

    pub fn header(&self, label: &str) -> Option<&SortLink> {
        self.headers.iter().find(|h| h.label == label)
    }
}

/// A page of results with its total, as the API returns it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A cell as a spreadsheet should read it: text that starts like a formula (`=`, `+`, `-`, `@`, a
/// tab, a carriage return) is prefixed with an apostrophe so that opening the file never runs
/// anything (CSV injection). A plain signed number (`-12,50`) stays a number.
pub fn csv_cell(s: &str) -> String {
    let risky = match s.chars().next() {
        Some('=') | Some('@') | Some('\t') | Some('\r') => true,
        Some('+') | Some('-') => !is_plain_number(&s[1..]),
        _ => false,
    };
    if risky { format!("'{s}") } else { s.to_string() }
}

/// Digits, spaces and at most one decimal separator (`12 345,50`), nothing else.
fn is_plain_number(s: &str) -> bool {
    let digits = s.chars().filter(|c| c.is_ascii_digit()).count();
    let seps = s.chars().filter(|c| matches!(c, ',' | '.')).count();
    digits > 0
        && seps <= 1
        && s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | ' ' | '\u{a0}' | '\u{202f}'))
}

/// A CSV file for a French spreadsheet: UTF-8 with a byte-order mark, `;` between cells, CRLF.
pub fn csv_bytes(headers: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::WriterBuilder::new().delimiter(b';').terminator(csv::Terminator::CRLF).from_writer(&mut out);
        let _ = w.write_record(headers);
        for row in rows {
            let _ = w.write_record(row.iter().map(|c| csv_cell(c)));
        }
        let _ = w.flush();
    }
    out
}

pub fn csv_response(filename: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: SortSpec =
        SortSpec { columns: &[("name", "search", "Nom"), ("city", "city", "Commune")], default: "name" };

    #[test]
    fn an_unknown_sort_key_falls_back_to_the_default() {
        let l = Listing::new(&ListParams { sort: Some("1; DROP TABLE".into()), ..Default::default() }, &SPEC);
        assert_eq!(l.sort, "name");
        assert_eq!(l.order_by(), "ORDER BY search ASC, id ASC");
    }

    #[test]
    fn pages_are_clamped() {
        let l = Listing::new(&ListParams { page: Some(-3), per_page: Some(100000), ..Default::default() }, &SPEC);
        assert_eq!((l.page, l.per_page, l.offset()), (1, 200, 0));
    }

    #[test]
    fn the_api_refuses_paging_out_of_its_bounds() {
        let p = |page, per_page| ListParams { page, per_page, ..Default::default() };
        assert!(Listing::checked(&p(Some(1), Some(10)), &SPEC).is_ok());
        assert!(Listing::checked(&p(None, Some(200)), &SPEC).is_ok());
        for (page, per_page) in [(Some(0), None), (None, Some(9)), (None, Some(201)), (Some(MAX_PAGE + 1), None)] {
            assert!(
                matches!(Listing::checked(&p(page, per_page), &SPEC), Err(AppError::Invalid(_))),
                "{page:?} {per_page:?}"
            );
        }
    }

    #[test]
    fn the_pager_links_keep_the_search_and_sort() {
        let l = Listing::new(
            &ListParams {
                q: Some("angoulême".into()), sort: Some("city".into()), page: Some(2), ..Default::default()
            },
            &SPEC,
        );
        let p = Pager::new("/clients", &l, &SPEC, 60);
        assert_eq!(p.pages, 3);
        assert_eq!(p.prev.as_deref(), Some("/clients?q=angoul%C3%AAme&sort=city"));
        assert_eq!(p.next.as_deref(), Some("/clients?q=angoul%C3%AAme&sort=city&page=3"));
        assert_eq!(p.header("Commune").unwrap().aria_sort, "ascending");
        assert!(p.header("Commune").unwrap().href.contains("dir=desc"));
    }

    #[test]
    fn csv_files_have_a_bom_semicolons_and_no_formulas() {
        let bytes = csv_bytes(
            &["Nom", "Téléphone"],
            vec![vec!["=HYPERLINK(\"x\")".into(), "+33 5 45".into()], vec!["Dupont; fils".into(), "-x".into()]],
        );
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert!(text.contains("Nom;Téléphone\r\n"));
        assert!(text.contains("'=HYPERLINK"));
        assert!(text.contains(";+33 5 45\r\n"));
        assert!(text.contains("\"Dupont; fils\";'-x"));
    }

    #[test]
    fn every_formula_start_is_neutralised_but_plain_numbers_stay() {
        for risky in ["=1+1", "@SUM(A1)", "\tx", "\rx", "+1+cmd|' /C calc'!A0", "-2+3", "+", "-"] {
            assert!(csv_cell(risky).starts_with('\''), "{risky:?}");
        }
        for plain in ["-12,50", "+33 5 45 00 00 00", "-1 234.5", "Dupont", ""] {
            assert_eq!(csv_cell(plain), plain);
        }
    }
}
