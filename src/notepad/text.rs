//! The notepad's rich text as Quill's binding keeps it in a Yjs text: inline attributes (`bold`,
//! `italic`, `link`) on characters and block attributes (`header`, `list`) on each line's "\n".
//! The template of a new notepad, and the exports to Markdown and HTML, and its links.

use std::collections::HashMap;
use std::sync::Arc;

use yrs::types::text::{Diff, YChange};
use yrs::updates::decoder::Decode;
use yrs::{Any, Doc, GetString, Out, Text, Transact, Update};

use crate::error::AppError;

use super::TEXT;

fn attrs(pairs: &[(&str, Any)]) -> HashMap<Arc<str>, Any> {
    pairs.iter().map(|(k, v)| (Arc::from(*k), v.clone())).collect()
}

/// Attributes that end every format: text inserted after formatted text would otherwise continue it.
pub fn plain_attrs() -> HashMap<Arc<str>, Any> {
    attrs(&[
        ("header", Any::Null),
        ("list", Any::Null),
        ("bold", Any::Null),
        ("italic", Any::Null),
        ("link", Any::Null),
    ])
}

/// Merges `extra` over the attributes that end every format.
pub fn with_plain(extra: HashMap<Arc<str>, Any>) -> HashMap<Arc<str>, Any> {
    let mut a = plain_attrs();
    a.extend(extra);
    a
}

/// A line of the template: its text and its block.
pub enum Block {
    Heading(u8, String),
    Paragraph(String),
    Bullet(String),
}

/// The template's update: a document holding these lines.
pub fn template(blocks: &[Block]) -> Vec<u8> {
    let doc = Doc::new();
    let text = doc.get_or_insert_text(TEXT);
    {
        let mut txn = doc.transact_mut();
        for b in blocks {
            let (line, block) = match b {
                Block::Heading(level, t) => {
                    (t, attrs(&[("header", Any::Number(yrs::any::Number::Int(i64::from(*level))))]))
                }
                Block::Paragraph(t) => (t, HashMap::new()),
                Block::Bullet(t) => (t, attrs(&[("list", Any::String("bullet".into()))])),
            };
            let at = text.len(&txn);
            if !line.is_empty() {
                text.insert_with_attributes(&mut txn, at, line, plain_attrs());
            }
            let at = text.len(&txn);
            text.insert_with_attributes(&mut txn, at, "\n", with_plain(block));
        }
    }
    let txn = doc.transact();
    use yrs::ReadTxn;
    txn.encode_state_as_update_v1(&yrs::StateVector::default())
}

/// A run of text with its inline attributes.
struct Run {
    text: String,
    bold: bool,
    italic: bool,
    link: Option<String>,
}

/// A line: its runs and its block attributes.
struct Line {
    runs: Vec<Run>,
    header: Option<u8>,
    list: Option<String>,
}

fn any_str(a: &Any) -> Option<String> {
    match a {
        Any::String(s) => Some(s.to_string()),
        _ => None,
    }
}

fn lines(doc: &Doc) -> Vec<Line> {
    let text = doc.get_or_insert_text(TEXT);
    let txn = doc.transact();
    let diff: Vec<Diff<YChange>> = text.diff(&txn, YChange::identity);
    let mut out = Vec::new();
    let mut current: Vec<Run> = Vec::new();
    for d in diff {
        let Out::Any(Any::String(s)) = &d.insert else { continue };
        let a = d.attributes.as_deref();
        let get = |k: &str| a.and_then(|m| m.get(k)).filter(|v| !matches!(v, Any::Null));
        let bold = matches!(get("bold"), Some(Any::Bool(true)));
        let italic = matches!(get("italic"), Some(Any::Bool(true)));
        let link = get("link").and_then(any_str);
        let header = get("header").and_then(|h| match h {
            Any::Number(yrs::any::Number::Int(n)) => Some(*n as u8),
            Any::Number(yrs::any::Number::Float(n)) => Some(*n as u8),
            _ => None,
        });
        let list = get("list").and_then(any_str);
        let mut parts = s.split('\n').peekable();
        while let Some(part) = parts.next() {
            if !part.is_empty() {
                current.push(Run { text: part.to_string(), bold, italic, link: link.clone() });
            }
            if parts.peek().is_some() {
                out.push(Line { runs: std::mem::take(&mut current), header, list: list.clone() });
            }
        }
    }
    if !current.is_empty() {
        out.push(Line { runs: current, header: None, list: None });
    }
    out
}

/// The lines for the PDF template: `{"kind": "h1".."h6" | "li" | "ol" | "p", "runs": [{"text",
/// "bold", "italic", "link"}]}` (only http, https and mailto links).
pub fn pdf_lines(doc: &Doc) -> Vec<serde_json::Value> {
    lines(doc)
        .into_iter()
        .map(|l| {
            let kind = match (l.header, l.list.as_deref()) {
                (Some(h), _) => format!("h{}", h.clamp(1, 6)),
                (_, Some("ordered")) => "ol".into(),
                (_, Some(_)) => "li".into(),
                _ => "p".into(),
            };
            let runs: Vec<serde_json::Value> =
                l.runs
                    .iter()
                    .map(|r| {
                        let link = r.link.as_deref().map(str::trim).filter(|h| {
                            h.starts_with("https://") || h.starts_with("http://") || h.starts_with("mailto:")
                        });
                        serde_json::json!({"text": r.text, "bold": r.bold, "italic": r.italic, "link": link})
                    })
                    .collect();
            serde_json::json!({"kind": kind, "runs": runs})
        })
        .collect()
}

/// The plain text.
pub fn plain(doc: &Doc) -> String {
    let text = doc.get_or_insert_text(TEXT);
    let txn = doc.transact();
    text.get_string(&txn)
}

fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '*' | '_' | '[' | ']' | '`' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The notepad in Markdown.
pub fn markdown(doc: &Doc) -> String {
    let mut out = String::new();
    let mut number = 0;
    for line in lines(doc) {
        let mut body = String::new();
        for r in &line.runs {
            let mut t = md_escape(&r.text);
            if r.bold {
                t = format!("**{t}**");
            }
            if r.italic {
                t = format!("*{t}*");
            }
            if let Some(href) = &r.link {
                t = format!("[{t}]({href})");
            }
            body.push_str(&t);
        }
        match (line.header, line.list.as_deref()) {
            (Some(h), _) => {
                number = 0;
                out.push_str(&format!("\n{} {body}\n\n", "#".repeat(h.clamp(1, 6) as usize)));
            }
            (_, Some("ordered")) => {
                number += 1;
                out.push_str(&format!("{number}. {body}\n"));
            }
            (_, Some(_)) => {
                number = 0;
                out.push_str(&format!("- {body}\n"));
            }
            _ => {
                number = 0;
                out.push_str(&format!("{body}\n\n"));
            }
        }
    }
    let trimmed = out.trim().to_string();
    // No more than one blank line in a row.
    let mut clean = String::with_capacity(trimmed.len() + 1);
    for l in trimmed.split('\n') {
        if l.is_empty() && clean.ends_with("\n\n") {
            continue;
        }
        clean.push_str(l);
        clean.push('\n');
    }
    clean
}

use crate::text::escape as esc;

fn safe_href(h: &str) -> Option<String> {
    let h = h.trim();
    (h.starts_with("https://") || h.starts_with("http://") || h.starts_with("mailto:")).then(|| esc(h))
}

/// The notepad in HTML (escaped; only http, https and mailto links).
pub fn html(doc: &Doc) -> String {
    let mut out = String::new();
    let mut open_list: Option<&'static str> = None;
    for line in lines(doc) {
        let mut body = String::new();
        for r in &line.runs {
            let mut t = esc(&r.text);
            if r.bold {
                t = format!("<strong>{t}</strong>");
            }
            if r.italic {
                t = format!("<em>{t}</em>");
            }
            if let Some(href) = r.link.as_deref().and_then(safe_href) {
                t = format!("<a href=\"{href}\">{t}</a>");
            }
            body.push_str(&t);
        }
        let list = match line.list.as_deref() {
            Some("ordered") => Some("ol"),
            Some(_) => Some("ul"),
            None => None,
        };
        if open_list != list {
            if let Some(l) = open_list {
                out.push_str(&format!("</{l}>\n"));
            }
            if let Some(l) = list {
                out.push_str(&format!("<{l}>\n"));
            }
            open_list = list;
        }
        match (line.header, list) {
            (Some(h), _) => {
                let h = h.clamp(1, 6);
                out.push_str(&format!("<h{h}>{body}</h{h}>\n"))
            }
            (_, Some(_)) => out.push_str(&format!("<li>{body}</li>\n")),
            _ if body.is_empty() => {}
            _ => out.push_str(&format!("<p>{body}</p>\n")),
        }
    }
    if let Some(l) = open_list {
        out.push_str(&format!("</{l}>\n"));
    }
    out
}

/// The links of the notepad: the text's link attributes and the addresses typed in it, each once,
/// with the text around them.
pub fn links(doc: &Doc) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    let mut push = |url: String, label: String| {
        if !found.iter().any(|(u, _)| *u == url) {
            found.push((url, label));
        }
    };
    for line in lines(doc) {
        for r in &line.runs {
            if let Some(h) = &r.link
                && (h.starts_with("http://") || h.starts_with("https://"))
            {
                push(h.clone(), r.text.trim().to_string());
            }
            for word in r.text.split_whitespace() {
                let w = word.trim_end_matches(['.', ',', ';', ')', '»']);
                if (w.starts_with("http://") || w.starts_with("https://")) && url::Url::parse(w).is_ok() {
                    push(w.to_string(), w.to_string());
                }
            }
        }
    }
    found
}

/// The Markdown of an import as template-like blocks (headings, bullets, paragraphs).
pub fn blocks_from_markdown(md: &str) -> Vec<Block> {
    let mut out = Vec::new();
    for line in md.lines() {
        let l = line.trim_end();
        if l.trim().is_empty() {
            continue;
        }
        let hashes = l.chars().take_while(|c| *c == '#').count();
        if (1..=6).contains(&hashes) && l[hashes..].starts_with(' ') {
            out.push(Block::Heading(hashes.min(3) as u8, l[hashes + 1..].trim().to_string()));
        } else if let Some(rest) = l.trim_start().strip_prefix("- ").or_else(|| l.trim_start().strip_prefix("* ")) {
            out.push(Block::Bullet(rest.to_string()));
        } else {
            out.push(Block::Paragraph(l.to_string()));
        }
    }
    out
}

/// Reads an update sent by a client or kept in the database. yrs asserts on some malformed input
/// (a client id beyond 53 bits) instead of returning an error: such an update is refused like
/// any unreadable one, never a panic of the connection.
pub fn decode_update(data: &[u8]) -> Result<Update, String> {
    std::panic::catch_unwind(|| Update::decode_v1(data))
        .map_err(|_| "mise à jour illisible".to_string())?
        .map_err(|_| "mise à jour illisible".to_string())
}

/// A document made of encoded updates (a snapshot, a revision…).
pub fn doc_of(data: &[&[u8]]) -> Result<Doc, AppError> {
    let doc = Doc::new();
    {
        let mut txn = doc.transact_mut();
        for data in data {
            let u = decode_update(data).map_err(|e| AppError::Internal(anyhow::anyhow!("notepad update: {e}")))?;
            txn.apply_update(u).map_err(|e| AppError::Internal(anyhow::anyhow!("notepad update: {e}")))?;
        }
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::updates::decoder::Decode;

    fn doc_of(update: &[u8]) -> Doc {
        let doc = Doc::new();
        doc.transact_mut().apply_update(yrs::Update::decode_v1(update).unwrap()).unwrap();
        doc
    }

    #[test]
    fn the_template_exports_to_markdown_and_html() {
        let u = template(&[
            Block::Heading(1, "Formation culture numérique".into()),
            Block::Paragraph("Bloc-notes <du> groupe".into()),
            Block::Heading(2, "Liens".into()),
            Block::Bullet("https://example.org/guide".into()),
            Block::Bullet("deuxième".into()),
        ]);
        let doc = doc_of(&u);
        let md = markdown(&doc);
        assert!(md.starts_with("# Formation culture numérique\n"), "{md}");
        assert!(md.contains("## Liens\n") && md.contains("- https://example.org/guide\n- deuxième\n"), "{md}");
        let html = html(&doc);
        assert!(html.contains("<h1>Formation culture numérique</h1>"), "{html}");
        assert!(html.contains("<p>Bloc-notes &lt;du&gt; groupe</p>"));
        assert!(html.contains("<ul>\n<li>https://example.org/guide</li>\n<li>deuxième</li>\n</ul>"), "{html}");
        assert_eq!(
            links(&doc),
            vec![("https://example.org/guide".to_string(), "https://example.org/guide".to_string())]
        );
    }

    #[test]
    fn inline_formats_and_links() {
        let doc = Doc::new();
        let text = doc.get_or_insert_text(TEXT);
        {
            let mut txn = doc.transact_mut();
            text.insert(&mut txn, 0, "Voir ");
            text.insert_with_attributes(
                &mut txn,
                5,
                "le guide",
                attrs(&[("link", Any::String("https://a.fr/g".into())), ("bold", Any::Bool(true))]),
            );
            text.insert_with_attributes(&mut txn, 13, " et javascript\n", plain_attrs());
            text.insert_with_attributes(
                &mut txn,
                28,
                "x",
                attrs(&[("link", Any::String("javascript:alert(1)".into()))]),
            );
            text.insert_with_attributes(&mut txn, 29, "\n", plain_attrs());
        }
        let md = markdown(&doc);
        assert!(md.contains("Voir [**le guide**](https://a.fr/g) et javascript"), "{md}");
        let html = html(&doc);
        assert!(html.contains("<a href=\"https://a.fr/g\"><strong>le guide</strong></a>"), "{html}");
        assert!(!html.contains("javascript:alert"), "{html}");
        assert_eq!(links(&doc).len(), 1);
        let blocks = blocks_from_markdown("# Titre\n\n- un\n- deux\ntexte\n");
        assert!(matches!(&blocks[0], Block::Heading(1, t) if t == "Titre"));
        assert_eq!(blocks.len(), 4);
    }
}
