//! The national schema of mediation places ("standard-mediation-num" v1.0.2, LaMednum / ANCT) and
//! the rules that turn one row of a real export — official, older vocabulary, France Services list —
//! into a record that validates against it: what was corrected and how, or why it was rejected.

use serde::Serialize;

use super::communes;
use super::values::*;
use super::vocabulary::*;

/// The 32 fields of the schema, in its order (the CSV export's header).
pub const FIELDS: [&str; 32] = [
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "itinerance",
    "structure_parente",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
];

pub fn field_index(name: &str) -> Option<usize> {
    FIELDS.iter().position(|f| *f == name)
}

macro_rules! f {
    ($name:literal) => {{
        const I: usize = {
            let mut i = 0;
            loop {
                if konst_eq(FIELDS[i], $name) {
                    break i;
                }
                i += 1;
            }
        };
        I
    }};
}

const fn konst_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// One row as read from a file: (column name, value), in the file's order.
pub type RawRow = Vec<(String, String)>;

/// A record of the schema: its 32 values, in `FIELDS` order ("" when empty).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record(pub Vec<String>);

impl Record {
    pub fn get(&self, field: &str) -> &str {
        field_index(field).and_then(|i| self.0.get(i)).map(String::as_str).unwrap_or("")
    }

    pub fn to_json(&self) -> serde_json::Map<String, serde_json::Value> {
        FIELDS.iter().zip(&self.0).map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone()))).collect()
    }

    /// The record as a JSON object, written directly (the import's hot path).
    pub fn json_string(&self) -> String {
        let mut out = String::with_capacity(self.0.iter().map(|v| v.len() + 24).sum::<usize>() + 2);
        out.push('{');
        for (i, (k, v)) in FIELDS.iter().zip(&self.0).enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('"');
            out.push_str(k);
            out.push_str("\":");
            out.push_str(&serde_json::Value::String(v.clone()).to_string());
        }
        out.push('}');
        out
    }

    pub fn from_json(s: &str) -> Record {
        let v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(s).unwrap_or_default();
        Record(FIELDS.iter().map(|f| v.get(*f).and_then(|x| x.as_str()).unwrap_or("").to_string()).collect())
    }
}

/// What the rules made of a row.
#[derive(Debug)]
pub struct Normalized {
    pub record: Record,
    /// Columns outside the schema, kept as they came.
    pub extra: serde_json::Map<String, serde_json::Value>,
    pub point: Option<(f64, f64)>,
    /// "fichier", "commune" or "".
    pub coords_from: &'static str,
    /// How the row was corrected (empty: accepted as it came).
    pub corrections: Vec<String>,
    /// What disagrees and was not settled for sure (commune, codes, point): "à vérifier".
    pub to_check: Vec<String>,
}

/// Why a row was rejected.
pub type Rejection = Vec<String>;

/// Column names of older exports and of the France Services list, and where they go.
fn alias(column: &str) -> Option<&'static str> {
    Some(match column {
        "courriel" | "mail" | "email" | "e_mail" | "emails" => "courriels",
        "accessibilite" => "fiche_acces_libre",
        "labels_autres" => "autres_formations_labels",
        "conditions_acces" | "conditions_access" => "frais_a_charge",
        "labels_nationaux" => "dispositif_programmes_nationaux",
        "lib_fs" | "name" => "nom",
        "lib_com" | "ville" => "commune",
        "insee_com" => "code_insee",
        "id_fs" => "id",
        "lat" => "latitude",
        "lon" | "lng" => "longitude",
        "cp" => "code_postal",
        "site" | "url" => "site_web",
        "tel" | "phone" => "telephone",
        _ => return None,
    })
}

const DAYS: [(&str, &str); 7] = [
    ("h_lundi", "Mo"),
    ("h_mardi", "Tu"),
    ("h_mercredi", "We"),
    ("h_jeudi", "Th"),
    ("h_vendredi", "Fr"),
    ("h_samedi", "Sa"),
    ("h_dimanche", "Su"),
];

/// Per-file facts that rows share.
#[derive(Debug, Default)]
pub struct FileContext {
    /// `source` for rows that name none.
    pub default_source: String,
    /// The file is the France Services list.
    pub france_services: bool,
    /// Today, for rows without an update date (YYYY-MM-DD).
    pub today: String,
}

/// Turn one row into a record of the schema, or say why it cannot be one.
pub fn normalize(raw: &RawRow, ctx: &FileContext) -> Result<Normalized, Rejection> {
    let v = vocabularies();
    let mut rec = vec![String::new(); FIELDS.len()];
    let mut extra = serde_json::Map::new();
    let mut corrections: Vec<String> = Vec::new();
    let mut hours: Vec<(&str, String)> = Vec::new();
    let mut publics_accueillis = String::new();

    for (column, value) in raw {
        let value = value.trim();
        let col = if column.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            std::borrow::Cow::Borrowed(column.as_str())
        } else {
            std::borrow::Cow::Owned(column.trim().trim_start_matches('\u{feff}').to_lowercase())
        };
        let col: &str = &col;
        if let Some((_, day)) = DAYS.iter().find(|(c, _)| *c == col) {
            // "-" or "fermé": closed that day.
            if !value.is_empty() && value != "-" && key(value) != "ferme" {
                hours.push((day, value.to_string()));
            }
            continue;
        }
        if col == "publics_accueillis" {
            publics_accueillis = value.to_string();
            continue;
        }
        let target = field_index(col).or_else(|| alias(col).and_then(field_index));
        match target {
            Some(i) => {
                if value.is_empty() {
                    continue;
                }
                if rec[i].is_empty() {
                    rec[i] = value.to_string();
                } else if rec[i] != value {
                    rec[i] = format!("{}|{value}", rec[i]);
                }
            }
            None => {
                if !value.is_empty() {
                    extra.insert(column.trim().to_string(), serde_json::Value::String(value.to_string()));
                }
            }
        }
    }

    let mut rejection: Vec<String> = Vec::new();
    // Required text.
    if rec[f!("nom")].is_empty() {
        rejection.push("le nom est absent".into());
    }
    if rec[f!("adresse")].is_empty() {
        rejection.push("l'adresse est absente".into());
    }
    for i in [f!("nom"), f!("adresse"), f!("complement_adresse"), f!("structure_parente"), f!("source")] {
        let clean = rec[i].split_whitespace().collect::<Vec<_>>().join(" ");
        if clean.chars().count() > 500 {
            rejection.push(format!("le champ {} dépasse 500 caractères", FIELDS[i]));
        }
        rec[i] = clean;
    }
    if rec[f!("source")].is_empty() && !ctx.default_source.is_empty() {
        rec[f!("source")] = ctx.default_source.clone();
    }

    // Coordinates: read, checked to lie in France or its overseas (they help find the commune).
    let lat = parse_number(&rec[f!("latitude")]);
    let lon = parse_number(&rec[f!("longitude")]);
    let had_coords = !rec[f!("latitude")].is_empty() || !rec[f!("longitude")].is_empty();
    let mut point = None;
    let mut coords_from = "";
    match (lat, lon) {
        (Some(la), Some(lo)) if in_france(la, lo) => {
            point = Some((la, lo));
            coords_from = "fichier";
        }
        (Some(la), Some(lo)) if in_france(lo, la) => {
            point = Some((lo, la));
            coords_from = "fichier";
            corrections.push("latitude et longitude inversées, remises dans l'ordre".into());
        }
        (Some(la), Some(lo)) => corrections.push(format!("coordonnées ({la}, {lo}) hors de France retirées")),
        _ if had_coords => corrections.push("coordonnées illisibles retirées".into()),
        _ => {}
    }

    // Postal code, commune, INSEE code: one rule places the row in its commune
    // (`communes::resolve`: the name wins over codes that say otherwise); what disagrees is "à vérifier".
    let mut to_check: Vec<String> = Vec::new();
    let mut postal = rec[f!("code_postal")].replace([' ', '.'], "");
    if postal.len() == 4 && postal.chars().all(|c| c.is_ascii_digit()) {
        corrections.push(format!("code postal {postal} complété en 0{postal}"));
        postal = format!("0{postal}");
    }
    let insee_given = rec[f!("code_insee")].trim().to_uppercase();
    let commune_given = rec[f!("commune")].clone();
    let postal_ok = postal.len() == 5 && postal.chars().all(|c| c.is_ascii_digit());
    let resolved = communes::resolve(&communes::Given {
        name: &commune_given,
        postal: if postal_ok { &postal } else { "" },
        insee: if insee_ok(&insee_given) { &insee_given } else { "" },
        point,
    });
    let found = resolved.commune;
    to_check.extend(resolved.to_check.iter().cloned());
    if let Some(c) = found
        && resolved.by_name
        && !c.arrondissement
        && c.key != communes::fold(&commune_given)
    {
        let others = communes::homonyms(&commune_given).into_iter().filter(|o| o.insee != c.insee).count();
        let said = format!("commune « {} » écrite « {} » ({})", commune_given.trim(), c.name, c.departement);
        if others > 0 {
            to_check.push(said)
        } else {
            corrections.push(said)
        }
        rec[f!("commune")] = c.name.clone();
    }
    if postal_ok {
        if let Some(kept) = &resolved.postal {
            postal = kept.clone();
        }
    } else {
        match found.and_then(|c| c.postal_codes.first()) {
            Some(code) => {
                if postal.is_empty() {
                    corrections.push(format!("code postal absent : {code}, celui de la commune"));
                } else {
                    corrections.push(format!("code postal « {postal} » illisible : {code}, celui de la commune"));
                }
                postal = code.clone();
            }
            None => {
                if postal.is_empty() {
                    rejection.push("le code postal est absent et la commune inconnue".into());
                } else {
                    rejection
                        .push(format!("le code postal « {postal} » n'a pas cinq chiffres et la commune est inconnue"));
                }
            }
        }
    }
    rec[f!("code_postal")] = postal.clone();
    let commune_name = |c: &communes::Commune| -> String {
        if c.arrondissement {
            c.name
                .split(' ')
                .take_while(|w| !w.starts_with(|ch: char| ch.is_ascii_digit()))
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            c.name.clone()
        }
    };
    if commune_given.is_empty() {
        match found {
            Some(c) => {
                rec[f!("commune")] = commune_name(c);
                corrections.push(format!("commune absente : {}, d'après le code postal", rec[f!("commune")]));
            }
            None => rejection.push("la commune est absente".into()),
        }
    } else if commune_given.chars().any(|c| c.is_alphabetic())
        && !commune_given.chars().any(|c| c.is_lowercase())
        && resolved.by_name
        && let Some(c) = found
    {
        let name = commune_name(c);
        if name != commune_given {
            corrections.push(format!("commune « {commune_given} » écrite « {name} »"));
            rec[f!("commune")] = name;
        }
    }
    if !insee_given.is_empty() && !insee_ok(&insee_given) {
        corrections.push(format!("code INSEE « {insee_given} » illisible retiré"));
    }
    match found {
        Some(c) if insee_ok(&c.insee) => {
            if insee_given.is_empty() && !ctx.france_services {
                corrections.push(format!("code INSEE ajouté : {}", c.insee));
            }
            rec[f!("code_insee")] = c.insee.clone();
        }
        _ => rec[f!("code_insee")] = if insee_ok(&insee_given) { insee_given.clone() } else { String::new() },
    }

    // No coordinates: the commune's point.
    if point.is_none()
        && let Some(c) = found
        && let (Some(la), Some(lo)) = (c.latitude, c.longitude)
    {
        point = Some((la, lo));
        coords_from = "commune";
        corrections.push(format!("coordonnées de la commune ({})", c.name));
    }
    rec[f!("latitude")] = point.map(|p| fmt_coord(p.0)).unwrap_or_default();
    rec[f!("longitude")] = point.map(|p| fmt_coord(p.1)).unwrap_or_default();

    // Pivot: a SIRET, a SIREN or a RIDET; fourteen zeros when unknown.
    let pivot: String = rec[f!("pivot")].chars().filter(|c| !c.is_whitespace() && *c != '.').collect();
    rec[f!("pivot")] = match check_pivot(&pivot) {
        Ok(p) => p,
        Err(why) => {
            if !(pivot.is_empty() && ctx.france_services) {
                corrections.push(why);
            }
            "00000000000000".into()
        }
    };

    // Identifier: given, or derived from the name and address so that a re-import finds the row.
    if rec[f!("id")].is_empty() {
        use sha2::Digest;
        let h = sha2::Sha256::digest(format!("{}|{}|{}", key(&rec[f!("nom")]), key(&rec[f!("adresse")]), postal));
        rec[f!("id")] = format!("acunum-{}", &hex::encode(h)[..16]);
        corrections.push(format!("identifiant absent : {} (tiré du nom et de l'adresse)", rec[f!("id")]));
    } else if rec[f!("id")].chars().count() > 200 {
        rejection.push("l'identifiant dépasse 200 caractères".into());
    } else if ctx.france_services && rec[f!("id")].chars().all(|c| c.is_ascii_digit()) {
        rec[f!("id")] = format!("france-services-{}", rec[f!("id")]);
    }

    // Update date.
    let date = rec[f!("date_maj")].clone();
    rec[f!("date_maj")] = match parse_date(&date) {
        Some(d) => {
            if d != date {
                corrections.push(format!("date « {date} » écrite {d}"));
            }
            d
        }
        None => {
            if date.is_empty() {
                if !ctx.france_services {
                    corrections.push("date de mise à jour absente : date de l'import".into());
                }
            } else {
                corrections.push(format!("date « {date} » illisible : date de l'import"));
            }
            ctx.today.clone()
        }
    };

    // Closed vocabularies.
    let older_public = std::mem::take(&mut publics_accueillis);
    let mut closed = |i: usize, voc: &Vocabulary, also: &str, corrections: &mut Vec<String>| {
        let mut out: Vec<&'static str> = Vec::new();
        let text = if also.is_empty() { rec[i].clone() } else { format!("{}|{also}", rec[i]) };
        // "|" and ";" separate values; "," too, unless it belongs to an older label's explanation.
        let tokens: Vec<&str> = text
            .split(['|', ';'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .flat_map(|piece| {
                if !piece.contains(',') || piece.contains(" : ") || voc.find(piece).is_some() {
                    vec![piece]
                } else {
                    piece.split(',').map(str::trim).filter(|t| !t.is_empty()).collect()
                }
            })
            .collect();
        for token in tokens {
            match voc.find(token) {
                Some((value, older)) => {
                    if older {
                        corrections.push(format!("{} : « {token} » devient « {value} »", FIELDS[i]));
                    }
                    if !out.contains(&value) {
                        out.push(value);
                    }
                }
                None => corrections.push(format!("{} : valeur inconnue « {token} » retirée", FIELDS[i])),
            }
        }
        rec[i] = out.join("|");
    };
    closed(f!("services"), &v.services, "", &mut corrections);
    closed(f!("frais_a_charge"), &v.frais, "", &mut corrections);
    closed(f!("dispositif_programmes_nationaux"), &v.dispositifs, "", &mut corrections);
    closed(f!("formations_labels"), &v.formations, "", &mut corrections);
    closed(f!("modalites_acces"), &v.acces, "", &mut corrections);
    closed(f!("modalites_accompagnement"), &v.accompagnement, "", &mut corrections);
    // The older "publics accueillis" mixed publics and specific support.
    let mut publics_extra = Vec::new();
    let mut support_extra = Vec::new();
    for token in split_multi(&older_public) {
        if v.publics.find(token).is_some() {
            publics_extra.push(token);
        } else if v.prise_en_charge.find(token).is_some() {
            support_extra.push(token);
        } else if key(token) == "adultes" || key(token) == "tout public" {
            corrections.push(format!("publics_accueillis : « {token} » (tout public) non repris"));
        } else {
            corrections.push(format!("publics_accueillis : valeur inconnue « {token} » retirée"));
        }
    }
    closed(f!("publics_specifiquement_adresses"), &v.publics, &publics_extra.join("|"), &mut corrections);
    closed(f!("prise_en_charge_specifique"), &v.prise_en_charge, &support_extra.join("|"), &mut corrections);
    if ctx.france_services && !rec[f!("dispositif_programmes_nationaux")].contains("France Services") {
        let d = &mut rec[f!("dispositif_programmes_nationaux")];
        *d = if d.is_empty() { "France Services".into() } else { format!("{d}|France Services") };
    }

    // Typology codes, labels or the extension.
    let mut codes: Vec<String> = Vec::new();
    for token in split_multi(&rec[f!("typologie")]) {
        let code = if typologies().iter().any(|(c, _)| c == token) {
            Some(token.to_string())
        } else {
            v.typologie.get(&key(token)).cloned()
        };
        match code.as_ref() {
            Some(code) => {
                if code != token {
                    corrections.push(format!("typologie : « {token} » devient {code}"));
                }
                if !codes.contains(code) {
                    codes.push(code.clone());
                }
            }
            None => corrections.push(format!("typologie : valeur inconnue « {token} » retirée")),
        }
    }
    rec[f!("typologie")] = codes.join("|");

    // Itinerance.
    let mut itin = Vec::new();
    for token in split_multi(&rec[f!("itinerance")]) {
        let value = match key(token).as_str() {
            "itinerant" | "oui" | "mobile" => "Itinérant",
            "fixe" | "non" => "Fixe",
            _ => {
                corrections.push(format!("itinérance : valeur inconnue « {token} » retirée"));
                continue;
            }
        };
        if token != value && !ctx.france_services {
            corrections.push(format!("itinérance : « {token} » devient « {value} »"));
        }
        if !itin.contains(&value) {
            itin.push(value);
        }
    }
    rec[f!("itinerance")] = itin.join("|");

    // Telephone, e-mails, web sites.
    let phone = rec[f!("telephone")].clone();
    if !phone.is_empty() {
        match normalize_phone(&phone, &postal) {
            Some(p) => {
                if p != phone && !ctx.france_services {
                    corrections.push(format!("téléphone « {phone} » écrit {p}"));
                }
                rec[f!("telephone")] = p;
            }
            None => {
                corrections.push(format!("téléphone « {phone} » illisible retiré"));
                rec[f!("telephone")].clear();
            }
        }
    }
    let mut mails = Vec::new();
    for m in rec[f!("courriels")].split(['|', ';', ',', ' ']).map(str::trim).filter(|m| !m.is_empty()) {
        let m = m.trim_start_matches("mailto:");
        if looks_like_email(m) {
            if !mails.contains(&m) {
                mails.push(m);
            }
        } else {
            corrections.push(format!("courriel « {m} » illisible retiré"));
        }
    }
    rec[f!("courriels")] = mails.join("|");
    for i in [f!("site_web"), f!("fiche_acces_libre"), f!("prise_rdv")] {
        let mut urls = Vec::new();
        for u in rec[i].split(['|', ';', ' ']).map(str::trim).filter(|u| !u.is_empty()) {
            let full = if u.starts_with("http://") || u.starts_with("https://") {
                u.to_string()
            } else if u.contains('.') && !u.contains('@') {
                corrections.push(format!("{} : « {u} » complété en https://{u}", FIELDS[i]));
                format!("https://{u}")
            } else {
                corrections.push(format!("{} : adresse « {u} » illisible retirée", FIELDS[i]));
                continue;
            };
            if url::Url::parse(&full).is_ok() {
                urls.push(full);
            } else {
                corrections.push(format!("{} : adresse « {u} » illisible retirée", FIELDS[i]));
            }
        }
        // Only the web site field may hold several addresses.
        if i != f!("site_web") {
            urls.truncate(1);
        }
        rec[i] = urls.join("|");
    }

    // Opening hours from the France Services list's days.
    if !hours.is_empty() && rec[f!("horaires")].is_empty() {
        match osm_hours(&hours) {
            Some(h) => rec[f!("horaires")] = h,
            None => corrections.push("horaires illisibles non repris".into()),
        }
    }

    // Summary: 280 characters at most.
    let resume = rec[f!("presentation_resume")].clone();
    if resume.chars().count() > 280 {
        let cut: String = resume.chars().take(279).collect();
        rec[f!("presentation_resume")] = format!("{}…", cut.trim_end());
        corrections.push("résumé de plus de 280 caractères raccourci".into());
    }

    if !rejection.is_empty() {
        return Err(rejection);
    }
    Ok(Normalized { record: Record(rec), extra, point, coords_from, corrections, to_check })
}

/// One row of an import report.
#[derive(Clone, Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ReportRow {
    /// Line in the file (1 = the first record).
    pub line: usize,
    pub id: String,
    pub nom: String,
    /// "corrigée", "à vérifier" or "rejetée".
    pub status: String,
    pub messages: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> RawRow {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn ctx() -> FileContext {
        FileContext { today: "2026-12-01".into(), ..Default::default() }
    }

    #[test]
    fn an_official_row_is_accepted_as_it_is() {
        let n = normalize(
            &row(&[
                ("id", "structure-1"),
                ("pivot", "43493312300029"),
                ("nom", "Anonymal"),
                ("commune", "Reims"),
                ("code_postal", "51100"),
                ("code_insee", "51454"),
                ("adresse", "12 BIS RUE DE LECLERCQ"),
                ("latitude", "49.25"),
                ("longitude", "4.03"),
                ("typologie", "TIERS_LIEUX|ASSO"),
                ("telephone", "+33180059880"),
                ("services", "Maîtrise des outils numériques du quotidien|Loisirs et créations numériques"),
                ("date_maj", "2024-04-02"),
                ("itinerance", "Itinérant"),
            ]),
            &ctx(),
        )
        .unwrap();
        assert!(n.corrections.is_empty(), "{:?}", n.corrections);
        assert_eq!(n.record.get("typologie"), "TIERS_LIEUX|ASSO");
        assert_eq!(n.point, Some((49.25, 4.03)));
        assert_eq!(n.coords_from, "fichier");
    }

    #[test]
    fn older_vocabularies_are_mapped_and_said() {
        let n = normalize(
            &row(&[
                ("id", "0"),
                ("nom", "MAISON DE SERVICES AU PUBLIC D'ABONDANCE"),
                ("services", "Accéder à une connexion internet;Accéder à du matériel;Prendre en main un ordinateur"),
                ("pivot", "00000000000000"),
                ("commune", "ABONDANCE"),
                ("code_postal", "74360"),
                ("adresse", "PLACE DU CHAMP DE FOIRE"),
                (
                    "publics_accueillis",
                    "Adultes;Familles/enfants;Jeunes (16-26 ans);Surdité;Personnes en situation d'illettrisme",
                ),
                ("conditions_acces", "Gratuit : Je peux accéder gratuitement au lieu et à ses services"),
                ("modalites_accompagnement", "Avec de l'aide : je suis accompagné seul dans l'usage du numérique"),
                ("labels_nationaux", "CNFS, France Services"),
                ("date_maj", "2021-05-05"),
            ]),
            &ctx(),
        )
        .unwrap();
        let r = &n.record;
        assert_eq!(
            r.get("services"),
            "Accès internet et matériel informatique|Maîtrise des outils numériques du quotidien"
        );
        assert_eq!(r.get("publics_specifiquement_adresses"), "Familles et/ou enfants|Jeunes");
        assert_eq!(r.get("prise_en_charge_specifique"), "Surdité|Illettrisme");
        assert_eq!(r.get("frais_a_charge"), "Gratuit");
        assert_eq!(r.get("modalites_accompagnement"), "Accompagnement individuel");
        assert_eq!(r.get("dispositif_programmes_nationaux"), "Conseillers numériques|France Services");
        assert_eq!(r.get("commune"), "Abondance");
        assert_eq!(r.get("code_insee"), "74001");
        // No coordinates: the commune's.
        assert_eq!(n.coords_from, "commune");
        assert!(n.corrections.iter().any(|c| c.contains("devient « Accès internet")), "{:?}", n.corrections);
        assert!(n.corrections.iter().any(|c| c.contains("ABONDANCE")), "{:?}", n.corrections);
    }

    #[test]
    fn bad_values_are_corrected_or_rejected_with_the_reason() {
        // Swapped coordinates, a four-digit postal code, a national phone, a bad SIRET.
        let n = normalize(
            &row(&[
                ("id", "x"),
                ("nom", "EPN"),
                ("commune", "Valserhône"),
                ("code_postal", "1200"),
                ("adresse", "5 rue des Papetiers"),
                ("latitude", "5.826"),
                ("longitude", "46.106"),
                ("telephone", "04 50 56 87 49"),
                ("pivot", "43493312300028"),
                ("typologie", "Médiathèque|hackerspace|Boulangerie"),
                ("date_maj", "02/04/2024"),
            ]),
            &ctx(),
        )
        .unwrap();
        let r = &n.record;
        assert_eq!(r.get("code_postal"), "01200");
        assert_eq!(n.point, Some((46.106, 5.826)));
        assert_eq!(r.get("telephone"), "+33450568749");
        assert_eq!(r.get("pivot"), "00000000000000");
        assert_eq!(r.get("typologie"), "BIB|HACKERSPACE");
        assert_eq!(r.get("date_maj"), "2024-04-02");
        let all = n.corrections.join("\n");
        for needle in ["inversées", "0{1200}", "SIRET", "Boulangerie", "02/04/2024"] {
            assert!(all.contains(&needle.replace("{1200}", "1200")), "{needle}: {all}");
        }
        // Outside France: dropped, the commune's point instead.
        let n = normalize(
            &row(&[
                ("id", "y"),
                ("nom", "A"),
                ("commune", "Angoulême"),
                ("code_postal", "16000"),
                ("adresse", "1 rue"),
                ("latitude", "40.7"),
                ("longitude", "-74.0"),
            ]),
            &ctx(),
        )
        .unwrap();
        assert_eq!(n.coords_from, "commune");
        assert!(n.corrections.iter().any(|c| c.contains("hors de France")));
        // Rejected: no name, no address, postal code unreadable with an unknown commune.
        let e = normalize(&row(&[("id", "z"), ("code_postal", "ABCDE"), ("commune", "Nulle-Part-sur-Rien")]), &ctx())
            .unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(
            e.iter().any(|m| m.contains("nom"))
                && e.iter().any(|m| m.contains("adresse"))
                && e.iter().any(|m| m.contains("ABCDE"))
        );
    }

    #[test]
    fn overseas_rows_keep_their_numbers_and_ridet() {
        let n = normalize(
            &row(&[
                ("id", "0"),
                ("nom", "Espace municipal"),
                ("commune", "Nouméa"),
                ("code_postal", "98800"),
                ("adresse", "104 avenue Koenig"),
                ("latitude", "-22.233939"),
                ("longitude", "166.468099"),
                ("telephone", "445728"),
                ("pivot", "1234567"),
            ]),
            &ctx(),
        )
        .unwrap();
        assert_eq!(n.record.get("telephone"), "+687445728");
        assert_eq!(n.record.get("pivot"), "1234567000");
        assert_eq!(n.coords_from, "fichier");
        assert_eq!(normalize_phone("0262 12 34 56", "97400").as_deref(), Some("+262262123456"));
        assert_eq!(normalize_phone("0692 12 34 56", "97400").as_deref(), Some("+262692123456"));
    }

    #[test]
    fn france_services_days_become_osm_hours() {
        let h = osm_hours(&[
            ("Mo", "09:00 - 12:00 / 13:30 - 17:00".into()),
            ("Tu", "09:00 - 12:00 / 13:30 - 17:00".into()),
            ("We", "09:00 - 12:00 / 13:30 - 17:00".into()),
            ("Fr", "09:00 - 12:00".into()),
            ("Sa", "9h - 12h".into()),
        ]);
        assert_eq!(h.as_deref(), Some("Mo-We 09:00-12:00,13:30-17:00; Fr-Sa 09:00-12:00"));
        assert!(osm_hours(&[("Mo", "le matin".into())]).is_none());
    }

    #[test]
    fn pivots() {
        assert!(check_pivot("43493312300029").is_ok());
        assert!(check_pivot("434933123").is_ok());
        assert!(check_pivot("434933124").is_err());
        assert!(check_pivot("12-34").is_err());
        assert_eq!(check_pivot("00000000000000").unwrap(), "00000000000000");
        assert!(insee_ok("2A004") && insee_ok("97411") && !insee_ok("20004") && !insee_ok("ABCDE"));
    }
}
