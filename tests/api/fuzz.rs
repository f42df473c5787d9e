//! Mutation fuzzing of every reader of outside data: places files (CSV and JSON), feeds and web
//! pages, OPML, Markdown, proposals (PDF and text), the notepad's Yjs messages, images, and through
//! the server, multipart uploads and JSON bodies. Each reader starts from valid samples, which are
//! mutated (bits flipped, bytes inserted, removed, repeated, tokens of the format spliced in, cut
//! short) by a seeded generator, so that a failure can be replayed. A reader may refuse; it may
//! never panic, and the server may never answer 5xx.
//!
//! Cases per reader: `ACUNUM_FUZZ_CASES` (a few hundred in the tests; `bench/fuzz.sh` runs many
//! more in a release build). A failing input is written to `target/fuzz-failures/`.

use std::panic::AssertUnwindSafe;

use crate::both_databases;
use crate::helpers::{Backend, TestApp, seed_org};

both_databases!(uploads_and_bodies_mutated_never_get_a_server_error);

fn cases(default: usize) -> usize {
    std::env::var("ACUNUM_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A small, seeded generator (xorshift64*): the same seed gives the same inputs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

const INTERESTING: &[u8] =
    &[0, 0xFF, 0x7F, 0x80, 0xC3, 0xE2, b'"', b',', b';', b'\n', b'\r', b'<', b'>', b'\\', b'{', b'[', b'&', b'%'];

/// One mutation of `seed`: between 1 and 8 edits, the dictionary's tokens among them.
pub fn mutate(rng: &mut Rng, seed: &[u8], dict: &[&[u8]]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(8) {
        let len = v.len();
        let at = rng.below(len + 1);
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                v[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 if len > 0 => {
                let end = (at + 1 + rng.below(64)).min(len);
                v.drain(at.min(end)..end);
            }
            3 => {
                let n = 1 + rng.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                v.splice(at..at, bytes);
            }
            4 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(256)).min(len);
                let chunk = v[start..end].to_vec();
                for _ in 0..1 + rng.below(8) {
                    v.splice(at..at, chunk.iter().copied());
                }
            }
            5 | 6 if !dict.is_empty() => {
                let token = dict[rng.below(dict.len())];
                v.splice(at..at, token.iter().copied());
            }
            7 => v.truncate(at),
            _ => {}
        }
    }
    v.truncate(256 * 1024);
    v
}

/// Runs `read` on `n` mutations of the seeds; returns the number of cases, panics on a panic
/// (after writing the input down).
fn fuzz(name: &str, seed: u64, n: usize, seeds: &[Vec<u8>], dict: &[&[u8]], read: impl Fn(&[u8])) -> usize {
    let mut rng = Rng::new(seed);
    for s in seeds {
        read(s);
    }
    for i in 0..n {
        let pick = rng.below(seeds.len());
        let input = mutate(&mut rng, &seeds[pick], dict);
        if std::panic::catch_unwind(AssertUnwindSafe(|| read(&input))).is_err() {
            let dir = format!("{}/target/fuzz-failures", env!("CARGO_MANIFEST_DIR"));
            let _ = std::fs::create_dir_all(&dir);
            let path = format!("{dir}/{name}-{i}.bin");
            let _ = std::fs::write(&path, &input);
            panic!("{name}: case {i} panicked; input kept in {path}");
        }
    }
    eprintln!("fuzz {name}: {} cases, 0 panics", n + seeds.len());
    n + seeds.len()
}

fn places_seeds() -> Vec<Vec<u8>> {
    let csv = std::fs::read(format!(
        "{}/data/lieux/schema-lieux-mediation-numerique.exemple-valide.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("example CSV");
    let json = std::fs::read(format!(
        "{}/data/lieux/reels/20240320-nouvelle-caledonie.lieux-mediation-numerique.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("real JSON");
    // The first places of the real file, to keep each case small.
    let list: Vec<serde_json::Value> = serde_json::from_slice(&json).expect("json");
    let small = serde_json::to_vec(&list.into_iter().take(3).collect::<Vec<_>>()).unwrap();
    vec![csv, small]
}

#[test]
fn places_files_mutated_are_read_or_refused() {
    let dict: &[&[u8]] = &[
        b"\"",
        b",\"\"",
        b"\n",
        b"{}",
        b"[]",
        b"null",
        b"1e400",
        b"\"latitude\":",
        b"|",
        b"\xEF\xBB\xBF",
        b"98809",
        b"2A004",
        b";",
    ];
    let n = fuzz("places", 11, cases(300), &places_seeds(), dict, |b| {
        let name = if b.first() == Some(&b'[') { "f.json" } else { "f.csv" };
        let _ = acunum::places::import::read_checked(b, name, |_, _| Ok(()));
    });
    assert!(n > 0);
}

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Veille</title><link>https://exemple.fr/</link><item><title>Inclusion &amp; numérique</title><link>/article</link><description>&lt;p&gt;Texte &lt;script&gt;x&lt;/script&gt;&lt;/p&gt;</description><pubDate>Tue, 01 Dec 2026 10:00:00 GMT</pubDate><guid>a1</guid></item></channel></rss>"#;
const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title><link href="https://exemple.fr/"/><id>urn:x</id><updated>2026-11-01T10:00:00Z</updated><entry><title type="html">Médiation</title><id>urn:e1</id><link rel="alternate" href="https://exemple.fr/e1"/><updated>2026-11-01T10:00:00Z</updated><content type="html">&lt;b&gt;gras&lt;/b&gt;</content></entry></feed>"#;
const JSON_FEED: &str = r#"{"version":"https://jsonfeed.org/version/1.1","title":"JSON","home_page_url":"https://exemple.fr/","items":[{"id":"1","url":"https://exemple.fr/1","title":"Un","content_html":"<p>x</p>","date_published":"2026-11-01T10:00:00Z"}]}"#;
const PAGE: &str = r#"<!doctype html><html lang="fr"><head><title>Site</title><meta name="description" content="Une page"><link rel="alternate" type="application/rss+xml" href="/flux.xml"></head><body><p>Bonjour</p></body></html>"#;

#[test]
fn feeds_and_pages_mutated_are_read_or_refused() {
    let base = url::Url::parse("https://exemple.fr/").unwrap();
    let seeds = vec![RSS.as_bytes().to_vec(), ATOM.as_bytes().to_vec(), JSON_FEED.as_bytes().to_vec()];
    let dict: &[&[u8]] = &[
        b"<item>",
        b"</item>",
        b"<![CDATA[",
        b"]]>",
        b"&#0;",
        b"&amp;",
        b"<entry>",
        b"\"items\":[",
        b"<!ENTITY x \"y\">",
        b"&x;",
    ];
    fuzz("feeds", 12, cases(300), &seeds, dict, |b| {
        if let Ok(feed) = acunum::veille::parse_feed(b, &base) {
            for e in &feed.entries {
                let _ = acunum::veille::clean_html(&e.summary);
            }
        }
    });
    fuzz("pages", 13, cases(300), &[PAGE.as_bytes().to_vec()], &[b"<link ", b"href=", b"<meta ", b"\""], |b| {
        let html = acunum::veille::body_text(b);
        let _ = acunum::veille::discover(&html, &base);
        let _ = acunum::veille::page_meta(&html);
    });
}

const OPML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>Abonnements</title></head><body><outline text="Dossier"><outline text="Flux" type="rss" xmlUrl="https://exemple.fr/flux.xml" htmlUrl="https://exemple.fr/"/></outline></body></opml>"#;

#[test]
fn opml_and_markdown_mutated_are_read_or_refused() {
    fuzz(
        "opml",
        14,
        cases(300),
        &[OPML.as_bytes().to_vec()],
        &[b"<outline ", b"xmlUrl=\"", b"/>", b"</outline>"],
        |b| {
            let _ = acunum::veille::service::opml_feeds(&String::from_utf8_lossy(b));
        },
    );
    let md = "# Titre\n\n*liste* [lien](javascript:alert(1)) <script>x</script>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```\n> citation\n";
    fuzz(
        "markdown",
        15,
        cases(300),
        &[md.as_bytes().to_vec()],
        &[b"[", b"](", b"<img src=x onerror=", b"```", b"|", b"*"],
        |b| {
            let html = acunum::markdown::to_safe_html(&String::from_utf8_lossy(b));
            assert!(!html.contains("<script"), "{html}");
        },
    );
}

#[test]
fn images_mutated_are_refused_or_made_small() {
    let encode = |f: image::ImageFormat| {
        let img = image::RgbImage::from_fn(24, 16, |x, y| image::Rgb([x as u8 * 10, y as u8 * 10, 128]));
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img).write_to(&mut out, f).unwrap();
        out.into_inner()
    };
    let seeds = vec![encode(image::ImageFormat::Png), encode(image::ImageFormat::Jpeg)];
    fuzz("images", 16, cases(300), &seeds, &[b"IHDR", b"IDAT", b"\xFF\xC0", b"\xFF\xD9"], |b| {
        if let Ok(png) = acunum::images::normalize(b, &acunum::images::LOGO) {
            let (w, h) = acunum::images::check_size(&png, &acunum::images::LOGO).unwrap();
            assert!(w <= 800 && h <= 800);
        }
    });
}

#[test]
fn notepad_messages_mutated_are_applied_or_refused() {
    use yrs::updates::decoder::Decode;
    use yrs::updates::encoder::Encode;
    use yrs::{GetString, ReadTxn, Text, Transact};
    let doc = yrs::Doc::new();
    let text = doc.get_or_insert_text("quill");
    {
        let mut t = doc.transact_mut();
        text.insert(&mut t, 0, "Compte rendu du comité de pilotage");
        text.insert(&mut t, 7, " — ");
    }
    let update = doc.transact().encode_state_as_update_v1(&yrs::StateVector::default());
    let sync = yrs::sync::Message::Sync(yrs::sync::SyncMessage::Update(update.clone())).encode_v1();
    let step1 = yrs::sync::Message::Sync(yrs::sync::SyncMessage::SyncStep1(yrs::StateVector::default())).encode_v1();
    let seeds = vec![update.clone(), sync, step1];
    fuzz("yjs", 17, cases(300), &seeds, &[&[0, 1], &[0, 2], &[1], &[0xFF, 0xFF, 0xFF, 0xFF, 0x0F]], |b| {
        // What the server does with a message: read it, apply an update to the document.
        let _ = acunum::notepad::text::doc_of(&[b]);
        let _ = acunum::notepad::text::doc_of(&[&update, b]);
        let message = std::panic::catch_unwind(|| yrs::sync::Message::decode_v1(b)).ok().and_then(Result::ok);
        if let Some(yrs::sync::Message::Sync(yrs::sync::SyncMessage::Update(u) | yrs::sync::SyncMessage::SyncStep2(u))) =
            message
            && let Ok(d) = acunum::notepad::text::doc_of(&[&u])
        {
            let _ = d.get_or_insert_text("quill").get_string(&d.transact());
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proposals_mutated_are_read_or_refused() {
    let pdf = acunum::documents::render_now(
        "#set page(width: 12cm, height: 6cm)\n= Proposition\nUn outil de visioconférence libre, hébergé en France.",
        &serde_json::json!({}),
        vec![],
    )
    .expect("pdf");
    let text = "Proposition : un espace de stockage partagé.\nTarif : 4 € par mois.".as_bytes().to_vec();
    let seeds = [pdf, text];
    let mut rng = Rng::new(18);
    let n = cases(300) / 6;
    for i in 0..n {
        let pick = rng.below(2);
        let input = mutate(&mut rng, &seeds[pick], &[b"%PDF-", b"obj", b"endobj", b"stream", b"/Length 999999"]);
        // A broken PDF must neither bring the server down nor hold a thread for long.
        let r =
            tokio::time::timeout(std::time::Duration::from_secs(30), acunum::proposal::extract(input.clone())).await;
        if r.is_err() {
            let dir = format!("{}/target/fuzz-failures", env!("CARGO_MANIFEST_DIR"));
            let _ = std::fs::create_dir_all(&dir);
            std::fs::write(format!("{dir}/proposal-{i}.bin"), &input).unwrap();
            panic!("proposal case {i} took more than 30 s");
        }
    }
    eprintln!("fuzz proposals: {n} cases, 0 panics");
}

/// Through the server: multipart uploads (logo, places, proposals) and JSON bodies, mutated.
async fn uploads_and_bodies_mutated_never_get_a_server_error(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let c = app.logged_in(&f.coordinator).await;
    let csrf = app.csrf(&c).await;
    let token = app.token_for(&f.coordinator).await;
    let boundary = "----acunumfuzz";
    let part = |name: &str, file: &str, body: &[u8]| {
        let mut v = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        v.extend_from_slice(body);
        v.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        v
    };
    let seeds = [part("logo", "logo.png", b"\x89PNG\r\n\x1a\n"), part("fichier", "lieux.csv", b"id,nom\n1,x\n")];
    let dict: &[&[u8]] = &[
        b"\r\n",
        b"--",
        b"----acunumfuzz",
        b"Content-Disposition: form-data; name=\"",
        b"\"; filename=\"",
        b"\r\n\r\n",
    ];
    let mut rng = Rng::new(19);
    let n = (cases(300) / 5).max(10);
    let mut statuses = std::collections::BTreeMap::new();
    for i in 0..n {
        let body = mutate(&mut rng, &seeds[i % 2], dict);
        let path =
            if i % 2 == 0 { format!("/organisation/logo?_csrf={csrf}") } else { format!("/lieux/import?_csrf={csrf}") };
        let r = c
            .post(app.url(&path))
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert!(r.status().as_u16() < 500, "{path}: {}: {:?}", r.status(), String::from_utf8_lossy(&body));
        *statuses.entry(r.status().as_u16()).or_insert(0) += 1;
    }
    let json_seed = serde_json::json!({"name": "Structure", "sector": "sante", "kind": "association", "siret": "", "postal_code": "75011"})
        .to_string()
        .into_bytes();
    for _ in 0..n {
        let body = mutate(&mut rng, &json_seed, &[b"\\u0000", b"\"", b"{", b"}", b"[", b"1e999", b"-0", b"null"]);
        let r = app
            .api()
            .post(app.url("/api/v1/clients"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert!(r.status().as_u16() < 500, "{}: {}", r.status(), String::from_utf8_lossy(&body));
        *statuses.entry(r.status().as_u16()).or_insert(0) += 1;
    }
    eprintln!("fuzz uploads and bodies: {} requests, answers {statuses:?}", 2 * n);
}
