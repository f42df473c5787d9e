//! Benchmark of the veille (not a test): writes a corpus of feeds shaped like real ones (RSS 2.0,
//! Atom, RSS 1.0, JSON Feed; French text, HTML descriptions, 10 to 40 items), parses it with the
//! application's parser, then serves it from a local server and fetches every feed through the
//! guarded fetcher with bounded concurrency. `bench/feeds.sh` runs Python's feedparser on the same
//! corpus and prints the ratio.

use crate::text::escape as esc;
use std::path::Path;
use std::time::Instant;

use crate::veille::fetch::{self, Fetcher};

const WORDS: &[&str] = &[
    "médiation",
    "numérique",
    "atelier",
    "usagers",
    "démarches",
    "en",
    "ligne",
    "messagerie",
    "bibliothèque",
    "tiers-lieu",
    "formation",
    "inclusion",
    "accompagnement",
    "collectivité",
    "association",
    "réseau",
    "outil",
    "données",
    "sécurité",
    "partage",
    "agenda",
    "visioconférence",
    "fablab",
    "jeunes",
    "seniors",
    "emploi",
    "santé",
    "école",
    "famille",
    "territoire",
];

fn words(seed: usize, n: usize) -> String {
    (0..n).map(|i| WORDS[(seed * 31 + i * 7 + i * i) % WORDS.len()]).collect::<Vec<_>>().join(" ")
}

/// One feed of the corpus, by number.
pub fn feed(i: usize) -> (String, String) {
    let items = 10 + (i * 7) % 31;
    let title = format!("Le fil {i} : {}", words(i, 4));
    match i % 4 {
        0 => {
            let mut x = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>{}</title><link>https://site{i}.exemple.fr/</link><description>{}</description><language>fr</language>\n",
                esc(&title),
                esc(&words(i + 1, 12))
            );
            for k in 0..items {
                let html = format!(
                    "<p>{}</p><p><a href=\"https://site{i}.exemple.fr/{k}\">Lire la suite</a> <img src=\"https://site{i}.exemple.fr/{k}.jpg\" alt=\"\"></p>",
                    words(i + k, 60)
                );
                x.push_str(&format!("<item><title>{}</title><link>https://site{i}.exemple.fr/articles/{k}</link><guid isPermaLink=\"false\">site{i}-{k}</guid><dc:creator>Rédaction</dc:creator><category>{}</category><pubDate>Mon, {:02} Nov 2026 09:{:02}:00 +0100</pubDate><description>{}</description><content:encoded><![CDATA[{html}{html}]]></content:encoded></item>\n", esc(&words(i * k + 3, 8)), esc(WORDS[k % WORDS.len()]), 1 + k % 28, k % 60, esc(&html)));
            }
            x.push_str("</channel></rss>\n");
            (format!("{i}.xml"), x)
        }
        1 => {
            let mut x = format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"fr\"><title>{}</title><id>urn:site{i}</id><link href=\"https://site{i}.exemple.fr/\"/><updated>2026-11-30T10:00:00Z</updated><author><name>Collectif {i}</name></author>\n",
                esc(&title)
            );
            for k in 0..items {
                x.push_str(&format!("<entry><title>{}</title><id>urn:site{i}:{k}</id><link rel=\"alternate\" href=\"https://site{i}.exemple.fr/{k}\"/><updated>2026-11-{:02}T10:00:00Z</updated><published>2026-11-{:02}T09:00:00Z</published><summary>{}</summary><content type=\"html\">{}</content><category term=\"{}\"/></entry>\n", esc(&words(i + k, 7)), 1 + k % 28, 1 + k % 28, esc(&words(k, 30)), esc(&format!("<p>{}</p>", words(i * 3 + k, 90))), WORDS[k % WORDS.len()]));
            }
            x.push_str("</feed>\n");
            (format!("{i}.atom"), x)
        }
        2 => {
            let mut x = format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel rdf:about=\"https://site{i}.exemple.fr/\"><title>{}</title><link>https://site{i}.exemple.fr/</link><description>{}</description></channel>\n",
                esc(&title),
                esc(&words(i, 10))
            );
            for k in 0..items {
                x.push_str(&format!("<item rdf:about=\"https://site{i}.exemple.fr/{k}\"><title>{}</title><link>https://site{i}.exemple.fr/{k}</link><description>{}</description><dc:date>2026-11-{:02}T08:00:00+01:00</dc:date></item>\n", esc(&words(i + 2 * k, 6)), esc(&words(k + i, 50)), 1 + k % 28));
            }
            x.push_str("</rdf:RDF>\n");
            (format!("{i}.rdf"), x)
        }
        _ => {
            let items: Vec<serde_json::Value> = (0..items)
                .map(|k| serde_json::json!({"id": format!("site{i}-{k}"), "url": format!("https://site{i}.exemple.fr/{k}"), "title": words(i + k, 6),
                    "content_html": format!("<p>{}</p>", words(i * k, 70)), "date_published": format!("2026-11-{:02}T10:00:00+01:00", 1 + k % 28), "tags": [WORDS[k % WORDS.len()]]}))
                .collect();
            let v = serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": title, "home_page_url": format!("https://site{i}.exemple.fr/"), "language": "fr", "items": items});
            (format!("{i}.json"), serde_json::to_string_pretty(&v).unwrap_or_default())
        }
    }
}

/// Writes the corpus, parses it `rounds` times, then fetches it from a local server.
pub async fn run(dir: &Path, count: usize, rounds: usize, concurrency: usize) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut files = Vec::new();
    let mut bytes = 0usize;
    for i in 0..count {
        let (name, body) = feed(i);
        bytes += body.len();
        std::fs::write(dir.join(&name), &body)?;
        files.push((name, body.into_bytes()));
    }
    println!(
        "corpus : {count} flux (RSS 2.0, Atom, RSS 1.0, JSON Feed), {:.1} Mo, dans {}",
        bytes as f64 / 1_048_576.0,
        dir.display()
    );
    let base = url::Url::parse("https://exemple.fr/")?;
    let mut best = f64::MAX;
    let mut entries = 0;
    for _ in 0..rounds.max(1) {
        let start = Instant::now();
        entries = 0;
        for (_, body) in &files {
            entries += crate::veille::parse_feed(body, &base).map_err(|e| anyhow::anyhow!(e))?.entries.len();
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "analyse (Acunum, tout le corpus) : {count} flux, {entries} articles en {:.3} s (meilleur de {rounds}), {:.0} flux/s",
        best,
        count as f64 / best
    );
    // The XML feeds alone, the part Python's feedparser reads (it does not read JSON Feed).
    let xml: Vec<&Vec<u8>> = files.iter().filter(|(n, _)| !n.ends_with(".json")).map(|(_, b)| b).collect();
    let mut best_xml = f64::MAX;
    let mut xml_entries = 0;
    for _ in 0..rounds.max(1) {
        let start = Instant::now();
        xml_entries = 0;
        for body in &xml {
            xml_entries += crate::veille::parse_feed(body, &base).map_err(|e| anyhow::anyhow!(e))?.entries.len();
        }
        best_xml = best_xml.min(start.elapsed().as_secs_f64());
    }
    println!(
        "analyse XML (Acunum) : {} flux, {xml_entries} articles en {:.3} s, {:.0} flux/s",
        xml.len(),
        best_xml,
        xml.len() as f64 / best_xml
    );

    // Fetch: a local server, the guarded fetcher (local addresses allowed for the bench), bounded concurrency.
    let served: std::sync::Arc<std::collections::HashMap<String, Vec<u8>>> =
        std::sync::Arc::new(files.into_iter().collect());
    let app = axum::Router::new().route(
        "/{name}",
        axum::routing::get(move |axum::extract::Path(name): axum::extract::Path<String>| {
            let served = served.clone();
            async move {
                match served.get(&name) {
                    Some(b) => (axum::http::StatusCode::OK, b.clone()),
                    None => (axum::http::StatusCode::NOT_FOUND, Vec::new()),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let fetcher =
        Fetcher { allow_private: true, max_bytes: 5 * 1024 * 1024, timeout: std::time::Duration::from_secs(15) };
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..count {
        let (name, _) = feed(i);
        let u = url::Url::parse(&format!("http://{addr}/{name}"))?;
        let (f, sem) = (fetcher.clone(), sem.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire_owned().await.ok()?;
            let got = fetch::fetch(&f, &u, None, None).await.ok()?;
            crate::veille::parse_feed(&got.body, &got.url).ok().map(|p| p.entries.len())
        }));
    }
    let mut ok = 0;
    for t in tasks {
        if let Ok(Some(_)) = t.await {
            ok += 1;
        }
    }
    let took = start.elapsed().as_secs_f64();
    println!(
        "lecture par le réseau local : {ok}/{count} flux lus et analysés en {took:.2} s ({} à la fois ; un même site : 2 au plus), {:.0} flux/s",
        concurrency,
        ok as f64 / took
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_kind_of_the_corpus_parses() {
        let base = url::Url::parse("https://exemple.fr/").unwrap();
        for i in 0..8 {
            let (name, body) = super::feed(i);
            let parsed = crate::veille::parse_feed(body.as_bytes(), &base).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(parsed.entries.len() >= 10, "{name}");
        }
    }
}
