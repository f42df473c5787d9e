//! How the TICA network finds committees that met the same problems: shared tags (overlap of the
//! two sets) and the similarity of their texts (TF-IDF vectors over titles and descriptions,
//! compared by cosine), half and half; and the distance between two structures.

use std::collections::{HashMap, HashSet};

use crate::text::search_key;

/// Words too common to tell two problems apart.
const STOPWORDS: &[&str] = &[
    "les", "des", "une", "que", "qui", "pour", "par", "sur", "dans", "avec", "sans", "est", "sont", "aux", "ces",
    "ses", "leur", "leurs", "nous", "vous", "ils", "elles", "elle", "pas", "plus", "moins", "tout", "tous", "toutes",
    "toute", "mais", "ou", "donc", "car", "cette", "cet", "son", "sa", "notre", "nos", "votre", "vos", "avoir", "etre",
    "fait", "faire", "ete", "comme", "entre", "chaque", "tres", "bien", "aussi", "ont", "peu", "dont", "meme", "apres",
    "avant", "lors", "afin", "mes", "mon", "ton", "tes", "the", "and", "for",
];

/// A crude French stem: plural marks and a few endings off, so that "logiciels" meets "logiciel"
/// and "formations" meets "formation".
fn stem(w: &str) -> String {
    let mut w = w.to_string();
    for end in ["ements", "ement", "ations", "ation", "euses", "euse", "eurs", "eur", "ites", "ite", "er"] {
        if w.len() > end.len() + 3 && w.ends_with(end) {
            w.truncate(w.len() - end.len());
            return w;
        }
    }
    if w.len() > 4 && (w.ends_with('s') || w.ends_with('x')) {
        w.pop();
    }
    w
}

/// The words of a text that carry meaning, stemmed.
pub fn tokens(text: &str) -> Vec<String> {
    search_key(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3 && !STOPWORDS.contains(w) && !w.chars().all(|c| c.is_ascii_digit()))
        .map(stem)
        .collect()
}

/// Tags as typed ("Messagerie, #RGPD ; prise de rendez-vous"): in lower case with their accents,
/// deduplicated (two spellings of one word are one tag, [`same_tag`]), in order.
pub fn tags(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in s.split([',', ';', '\n']) {
        let t = t.trim().trim_start_matches('#').split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        if !search_key(&t).is_empty()
            && t.chars().count() <= 40
            && !out.iter().any(|o| same_tag(o, &t))
            && out.len() < 20
        {
            out.push(t);
        }
    }
    out
}

/// Whether two tags are the same, accents and case aside ("agenda partagé" and "Agenda partage").
pub fn same_tag(a: &str, b: &str) -> bool {
    search_key(a) == search_key(b)
}

/// What is known of one side: its tags and its texts run together.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub tags: Vec<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Between 0 and 1.
    pub total: f64,
    pub text: f64,
    pub tags: f64,
    pub shared_tags: Vec<String>,
}

fn vector(tokens: &[String], idf: &HashMap<&str, f64>) -> HashMap<String, f64> {
    let mut v: HashMap<String, f64> = HashMap::new();
    for t in tokens {
        *v.entry(t.clone()).or_default() += 1.0;
    }
    for (t, w) in v.iter_mut() {
        *w *= idf.get(t.as_str()).copied().unwrap_or(0.0);
    }
    v
}

fn cosine(a: &HashMap<String, f64>, b: &HashMap<String, f64>) -> f64 {
    let dot: f64 = a.iter().filter_map(|(k, x)| b.get(k).map(|y| x * y)).sum();
    let na = a.values().map(|x| x * x).sum::<f64>().sqrt();
    let nb = b.values().map(|x| x * x).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 { 0.0 } else { (dot / (na * nb)).clamp(0.0, 1.0) }
}

/// Scores each candidate against `query`; the inverse document frequencies come from all of them.
pub fn scores(query: &Profile, candidates: &[Profile]) -> Vec<Score> {
    let docs: Vec<Vec<String>> = std::iter::once(query).chain(candidates.iter()).map(|p| tokens(&p.text)).collect();
    let n = docs.len() as f64;
    let mut df: HashMap<&str, f64> = HashMap::new();
    for d in &docs {
        let seen: HashSet<&str> = d.iter().map(String::as_str).collect();
        for t in seen {
            *df.entry(t).or_default() += 1.0;
        }
    }
    let idf: HashMap<&str, f64> = df.iter().map(|(t, d)| (*t, ((n + 1.0) / (d + 1.0)).ln() + 1.0)).collect();
    let q = vector(&docs[0], &idf);
    let qtags: HashSet<String> = query.tags.iter().map(|t| search_key(t)).collect();
    candidates
        .iter()
        .zip(docs.iter().skip(1))
        .map(|(c, d)| {
            let text = cosine(&q, &vector(d, &idf));
            let shared: Vec<String> = c.tags.iter().filter(|t| qtags.contains(&search_key(t))).cloned().collect();
            let smaller = qtags.len().min(c.tags.len());
            let tags = if smaller == 0 { 0.0 } else { shared.len() as f64 / smaller as f64 };
            Score { total: (text + tags) / 2.0, text, tags, shared_tags: shared }
        })
        .collect()
}

/// Great-circle distance in kilometres.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(tags: &str, text: &str) -> Profile {
        Profile { tags: super::tags(tags), text: text.into() }
    }

    #[test]
    fn tags_are_folded_and_deduplicated() {
        assert_eq!(tags("Messagerie, #RGPD ; messagerie,, Prise de RDV"), vec!["messagerie", "rgpd", "prise de rdv"]);
    }

    #[test]
    fn tokens_drop_common_words_and_meet_plurals() {
        assert_eq!(tokens("Les logiciels de la structure"), vec!["logiciel", "structure"]);
        assert_eq!(tokens("formations"), tokens("formation"));
    }

    #[test]
    fn the_same_problem_ranks_first() {
        let query = p(
            "messagerie, agenda partagé",
            "Les salariés n'arrivent pas à partager leurs agendas ; la messagerie déborde.",
        );
        let candidates = vec![
            p("comptabilité", "Choix d'un logiciel de comptabilité pour l'association."),
            p("agenda partagé", "Mettre en place un agenda partagé entre les salariés et les bénévoles."),
            p("", "La messagerie de la structure déborde : tri et filtres des courriels."),
        ];
        let s = scores(&query, &candidates);
        assert!(s[1].total > s[2].total && s[2].total > s[0].total, "{s:?}");
        assert_eq!(s[1].shared_tags, vec!["agenda partagé"], "shown with its accent");
        assert_eq!(tags("Agenda partagé, agenda partage ; #RGPD"), vec!["agenda partagé", "rgpd"]);
        assert_eq!(s[1].tags, 1.0);
        assert!(s[0].total < 0.05, "nothing in common: {s:?}");
        assert!(s[2].text > 0.0 && s[2].tags == 0.0);
    }

    #[test]
    fn identical_profiles_score_one() {
        let a = p("rgpd", "Registre des traitements RGPD");
        let s = scores(&a, std::slice::from_ref(&a));
        assert!((s[0].total - 1.0).abs() < 1e-9, "{s:?}");
    }

    #[test]
    fn distances() {
        let paris = (48.8566, 2.3522);
        let lyon = (45.764, 4.8357);
        let d = distance_km(paris, lyon);
        assert!((d - 392.0).abs() < 5.0, "{d}");
        assert_eq!(distance_km(paris, paris), 0.0);
    }
}
