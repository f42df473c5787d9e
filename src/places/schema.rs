//! The national schema of mediation places ("standard-mediation-num" v1.0.2, LaMednum / ANCT) and
//! the rules that turn one row of a real export — official, older vocabulary, France Services list —
//! into a record that validates against it: what was corrected and how, or why it was rejected.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;

use super::communes;

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

pub const SERVICES: [&str; 9] = [
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Insertion professionnelle via le numérique",
    "Utilisation sécurisée du numérique",
    "Parentalité et éducation avec le numérique",
    "Loisirs et créations numériques",
    "Compréhension du monde numérique",
    "Accès internet et matériel informatique",
    "Acquisition de matériel informatique à prix solidaire",
];
const PUBLICS: [&str; 5] = ["Jeunes", "Étudiants", "Familles et/ou enfants", "Seniors", "Femmes"];
const PRISE_EN_CHARGE: [&str; 7] = [
    "Surdité",
    "Handicaps moteurs",
    "Handicaps mentaux",
    "Illettrisme",
    "Langues étrangères (anglais)",
    "Langues étrangères (autres)",
    "Déficience visuelle",
];
const FRAIS: [&str; 3] = ["Gratuit", "Gratuit sous condition", "Payant"];
const DISPOSITIFS: [&str; 11] = [
    "Aidants Connect",
    "Bibliothèques numérique de référence",
    "Certification PIX",
    "Conseillers numériques",
    "Emmaüs Connect",
    "France Services",
    "Grande école du numérique",
    "La Croix Rouge",
    "Point d'accès numérique CAF",
    "Promeneurs du net",
    "Relais numérique (Emmaüs Connect)",
];
/// As the schema's pattern spells them (one lacks a space the enumeration has).
const FORMATIONS: [&str; 10] = [
    "Formé à « Mon Espace Santé »",
    "Formé à « DUPLEX » (illettrisme)",
    "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
    "Collectif ressources et acteurs réemploi (Normandie)",
    "Étapes numériques(La Poste)",
    "Fabriques de Territoire",
    "Les Éclaireurs du numérique (Drôme)",
    "Mes Papiers (Métropole de Lyon)",
    "ORDI 3.0",
    "SUD LABS (PACA)",
];
const ACCES: [&str; 6] = [
    "Se présenter",
    "Téléphoner",
    "Contacter par mail",
    "Envoyer un mail avec une fiche de prescription",
    "Prendre un RDV en ligne",
    "Ce lieu n'accueille pas de public",
];
const ACCOMPAGNEMENT: [&str; 4] =
    ["En autonomie", "Accompagnement individuel", "Dans un atelier collectif", "À distance"];

/// Typologies the schema's vocabulary lacks, kept as an extension of it.
pub const EXTENSION_TYPOLOGIES: [(&str, &str); 3] =
    [("HACKERSPACE", "Hackerspace"), ("MEDIALAB", "Médialab"), ("COWORKING", "Espace de coworking")];

const ENUMERATIONS: &str = include_str!("../../data/lieux/lieux-mediation-numerique.enumerations.json");

/// Typology codes and labels: the schema's 92 and the extension.
pub fn typologies() -> &'static [(String, String)] {
    static T: OnceLock<Vec<(String, String)>> = OnceLock::new();
    T.get_or_init(|| {
        let v: serde_json::Value = serde_json::from_str(ENUMERATIONS).unwrap_or_default();
        let mut out: Vec<(String, String)> = v["typologie"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| Some((t["code"].as_str()?.to_string(), t["libelle"].as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        out.extend(EXTENSION_TYPOLOGIES.iter().map(|(c, l)| (c.to_string(), l.to_string())));
        out
    })
}

pub fn typology_label(code: &str) -> Option<&'static str> {
    typologies().iter().find(|(c, _)| c == code).map(|(_, l)| l.as_str())
}

/// A closed vocabulary of the schema with its older spellings.
struct Vocabulary {
    /// Values as they are spelt, looked up first (folding costs more than the lookup).
    exact: HashMap<&'static str, (&'static str, bool)>,
    canonical: HashMap<String, &'static str>,
    older: HashMap<String, &'static str>,
}

impl Vocabulary {
    fn new(values: &[&'static str], older: &[(&'static str, &'static str)]) -> Self {
        let mut exact: HashMap<&'static str, (&'static str, bool)> =
            older.iter().map(|(o, v)| (*o, (*v, true))).collect();
        exact.extend(values.iter().map(|v| (*v, (*v, false))));
        Vocabulary {
            exact,
            canonical: values.iter().map(|v| (key(v), *v)).collect(),
            older: older.iter().map(|(o, v)| (key(o), *v)).collect(),
        }
    }

    /// The value a token stands for, and whether it was an older spelling.
    fn find(&self, token: &str) -> Option<(&'static str, bool)> {
        if let Some(found) = self.exact.get(token) {
            return Some(*found);
        }
        let k = key(token);
        if let Some(v) = self.canonical.get(&k) {
            return Some((v, false));
        }
        if let Some(v) = self.older.get(&k) {
            return Some((v, true));
        }
        // "Gratuit : je peux accéder gratuitement…": the label before its explanation.
        let head = token.split(" : ").next().unwrap_or(token);
        if head.len() < token.len() {
            let k = key(head);
            if let Some(v) = self.canonical.get(&k).or_else(|| self.older.get(&k)) {
                return Some((v, true));
            }
        }
        None
    }
}

fn key(s: &str) -> String {
    communes::fold(s)
        .replace(['(', ')', '«', '»', '/', ':', '+', '.'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

struct Vocabularies {
    services: Vocabulary,
    publics: Vocabulary,
    prise_en_charge: Vocabulary,
    frais: Vocabulary,
    dispositifs: Vocabulary,
    formations: Vocabulary,
    acces: Vocabulary,
    accompagnement: Vocabulary,
    typologie: HashMap<String, String>,
}

fn vocabularies() -> &'static Vocabularies {
    static V: OnceLock<Vocabularies> = OnceLock::new();
    V.get_or_init(|| {
        let mut typologie = HashMap::new();
        for (code, label) in typologies() {
            typologie.insert(key(code), code.clone());
            typologie.insert(key(label), code.clone());
        }
        for (alias, code) in [
            ("tiers-lieu", "TIERS_LIEUX"),
            ("tiers lieux", "TIERS_LIEUX"),
            ("tiers-lieux", "TIERS_LIEUX"),
            ("fab lab", "FABLAB"),
            ("fablab", "FABLAB"),
            ("médiathèque", "BIB"),
            ("bibliothèque", "BIB"),
            ("espace public numérique", "EPN"),
            ("mairie", "MUNI"),
            ("commune", "MUNI"),
            ("maison france services", "MSAP"),
            ("hacker space", "HACKERSPACE"),
            ("media lab", "MEDIALAB"),
            ("médialab", "MEDIALAB"),
            ("espace de coworking", "COWORKING"),
            ("co-working", "COWORKING"),
        ] {
            typologie.insert(key(alias), code.to_string());
        }
        Vocabularies {
            services: Vocabulary::new(
                &SERVICES,
                &[
                    ("Accompagner les démarches de santé", SERVICES[0]),
                    ("Devenir autonome dans les démarches administratives", SERVICES[0]),
                    ("Réaliser des démarches administratives avec un accompagnement", SERVICES[0]),
                    ("Prendre en main un ordinateur", SERVICES[1]),
                    ("Prendre en main un smartphone ou une tablette", SERVICES[1]),
                    ("Utiliser le numérique au quotidien", SERVICES[1]),
                    ("Échanger avec ses proches", SERVICES[1]),
                    ("Trouver un emploi ou une formation", SERVICES[2]),
                    ("Accompagner les démarches de recherche d'emploi", SERVICES[2]),
                    ("Sécuriser ses usages numériques", SERVICES[3]),
                    ("Soutenir la parentalité et l'éducation avec le numérique", SERVICES[4]),
                    ("Créer avec le numérique", SERVICES[5]),
                    ("Créer et développer mon entreprise", SERVICES[2]),
                    ("Approfondir ma culture numérique", SERVICES[6]),
                    ("Promouvoir la citoyenneté numérique", SERVICES[6]),
                    ("Accéder à une connexion internet", SERVICES[7]),
                    ("Accéder à du matériel", SERVICES[7]),
                    ("Équiper en matériel informatique", SERVICES[8]),
                    ("Comprehension du monde numérique", SERVICES[6]),
                ],
            ),
            publics: Vocabulary::new(
                &PUBLICS,
                &[
                    ("Jeunes (16-26 ans)", PUBLICS[0]),
                    ("Familles/enfants", PUBLICS[2]),
                    ("Seniors (+ 65 ans)", PUBLICS[3]),
                    ("Étudiant", PUBLICS[1]),
                ],
            ),
            prise_en_charge: Vocabulary::new(
                &PRISE_EN_CHARGE,
                &[
                    ("Handicaps mentaux : déficiences limitant les activités d'une personne", PRISE_EN_CHARGE[2]),
                    ("Personnes en situation d'illettrisme", PRISE_EN_CHARGE[3]),
                    ("Public langues étrangères", PRISE_EN_CHARGE[5]),
                    ("Handicaps moteurs : déficiences limitant la mobilité", PRISE_EN_CHARGE[1]),
                ],
            ),
            frais: Vocabulary::new(
                &FRAIS,
                &[("Adhésion", FRAIS[2]), ("Accepte le Pass numérique", FRAIS[1]), ("Pass numérique", FRAIS[1])],
            ),
            dispositifs: Vocabulary::new(
                &DISPOSITIFS,
                &[
                    ("CNFS", DISPOSITIFS[3]),
                    ("Conseiller numérique", DISPOSITIFS[3]),
                    ("Conseiller numérique France Services", DISPOSITIFS[3]),
                    ("MSAP", DISPOSITIFS[5]),
                    ("Point numérique CAF", DISPOSITIFS[8]),
                ],
            ),
            formations: Vocabulary::new(&FORMATIONS, &[("Étapes numériques (La Poste)", FORMATIONS[4])]),
            acces: Vocabulary::new(
                &ACCES,
                &[("Prendre rendez-vous en ligne", ACCES[4]), ("Envoyer un mail", ACCES[2])],
            ),
            accompagnement: Vocabulary::new(
                &ACCOMPAGNEMENT,
                &[
                    ("A ma place", ACCOMPAGNEMENT[1]),
                    ("Avec de l'aide", ACCOMPAGNEMENT[1]),
                    ("Dans un atelier", ACCOMPAGNEMENT[2]),
                    ("Seul", ACCOMPAGNEMENT[0]),
                    ("Atelier collectif", ACCOMPAGNEMENT[2]),
                    ("Accompagnement à distance", ACCOMPAGNEMENT[3]),
                ],
            ),
            typologie,
        }
    })
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

    // Postal code, commune, INSEE code: checked against the communes table.
    let mut postal = rec[f!("code_postal")].replace([' ', '.'], "");
    if postal.len() == 4 && postal.chars().all(|c| c.is_ascii_digit()) {
        corrections.push(format!("code postal {postal} complété en 0{postal}"));
        postal = format!("0{postal}");
    }
    let insee_given = rec[f!("code_insee")].trim().to_uppercase();
    let commune_given = rec[f!("commune")].clone();
    let by_insee = if insee_given.is_empty() { None } else { communes::by_insee(&insee_given) };
    let postal_ok = postal.len() == 5 && postal.chars().all(|c| c.is_ascii_digit());
    let found = if postal_ok {
        communes::find(&postal, &commune_given).or(by_insee)
    } else {
        by_insee.or_else(|| communes::find("", &commune_given))
    };
    if !postal_ok {
        match found.and_then(|c| c.postal_codes.first()) {
            Some(code) if !commune_given.is_empty() || by_insee.is_some() => {
                if postal.is_empty() {
                    corrections.push(format!("code postal absent : {code}, celui de la commune"));
                } else {
                    corrections.push(format!("code postal « {postal} » illisible : {code}, celui de la commune"));
                }
                postal = code.clone();
            }
            _ => {
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
        && let Some(c) = found
    {
        let name = commune_name(c);
        if name != commune_given {
            corrections.push(format!("commune « {commune_given} » écrite « {name} »"));
            rec[f!("commune")] = name;
        }
    }
    if !insee_given.is_empty() {
        if insee_ok(&insee_given) {
            rec[f!("code_insee")] = insee_given.clone();
        } else {
            corrections.push(format!("code INSEE « {insee_given} » illisible retiré"));
            rec[f!("code_insee")].clear();
        }
    }
    if rec[f!("code_insee")].is_empty()
        && let Some(c) = found
        && insee_ok(&c.insee)
    {
        rec[f!("code_insee")] = c.insee.clone();
        if !insee_given.is_empty() || !ctx.france_services {
            corrections.push(format!("code INSEE ajouté : {}", c.insee));
        }
    }

    // Coordinates: read, checked to lie in France or its overseas, else the commune's point.
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
    Ok(Normalized { record: Record(rec), extra, point, coords_from, corrections })
}

fn split_multi(s: &str) -> impl Iterator<Item = &str> {
    s.split(['|', ';', ',']).map(str::trim).filter(|t| !t.is_empty())
}

fn insee_ok(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 5
        && b[2..].iter().all(u8::is_ascii_digit)
        && ((b[0].is_ascii_digit() && b[0] != b'2' && b[1].is_ascii_digit())
            || (b[0] == b'2' && (b[1] == b'A' || b[1] == b'B' || (b[1].is_ascii_digit() && b[1] != b'0'))))
}

fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim().replace(',', ".");
    if s.is_empty() {
        return None;
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn fmt_coord(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// Whether a point lies in metropolitan France or one of its overseas territories.
pub fn in_france(lat: f64, lon: f64) -> bool {
    const BOXES: [(f64, f64, f64, f64); 10] = [
        (41.2, 51.2, -5.5, 9.7),        // Métropole et Corse
        (15.8, 18.2, -63.2, -60.9),     // Guadeloupe, Saint-Martin, Saint-Barthélemy
        (14.3, 15.0, -61.3, -60.7),     // Martinique
        (2.0, 6.0, -54.7, -51.5),       // Guyane
        (-21.5, -20.8, 55.1, 55.9),     // La Réunion
        (-13.1, -12.6, 44.9, 45.4),     // Mayotte
        (46.7, 47.2, -56.5, -56.0),     // Saint-Pierre-et-Miquelon
        (-23.0, -19.5, 163.5, 168.2),   // Nouvelle-Calédonie
        (-28.0, -7.5, -155.0, -134.0),  // Polynésie française
        (-14.5, -13.1, -178.3, -176.0), // Wallis-et-Futuna
    ];
    BOXES.iter().any(|(a, b, c, d)| lat >= *a && lat <= *b && lon >= *c && lon <= *d)
}

fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// The pivot as the schema wants it, or why it cannot be kept.
pub fn check_pivot(p: &str) -> Result<String, String> {
    if p.is_empty() {
        return Err("pivot absent : 00000000000000".into());
    }
    if p.chars().all(|c| c == '0') && p.len() >= 9 && p.len() <= 14 {
        return Ok(p.to_string());
    }
    let digits = p.chars().all(|c| c.is_ascii_digit());
    if digits && p.len() == 14 {
        // La Poste's establishments do not follow the key.
        if luhn(p) || (p.starts_with("356000000") && p.bytes().map(|b| u32::from(b - b'0')).sum::<u32>() % 5 == 0) {
            return Ok(p.to_string());
        }
        return Err(format!("SIRET « {p} » invalide (clé de contrôle) : 00000000000000"));
    }
    if digits && p.len() == 9 {
        if luhn(p) {
            return Ok(p.to_string());
        }
        return Err(format!("SIREN « {p} » invalide (clé de contrôle) : 00000000000000"));
    }
    // A RIDET (Nouvelle-Calédonie): seven digits and the establishment's three.
    if digits && (p.len() == 10 || p.len() == 13) {
        return Ok(p.to_string());
    }
    if digits && (p.len() == 6 || p.len() == 7) {
        let padded = format!("{p:0>7}000");
        return Ok(padded);
    }
    if (9..=14).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(p.to_string());
    }
    Err(format!("pivot « {p} » illisible (ni SIRET, ni SIREN, ni RIDET) : 00000000000000"))
}

fn parse_date(s: &str) -> Option<String> {
    let s = s.trim();
    let d = s.get(..10).unwrap_or(s);
    if let Ok(d) = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
        return Some(d.format("%Y-%m-%d").to_string());
    }
    for fmt in ["%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d"] {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(d, fmt) {
            return Some(d.format("%Y-%m-%d").to_string());
        }
    }
    None
}

/// A French telephone number in the schema's international form.
pub fn normalize_phone(s: &str, postal: &str) -> Option<String> {
    let first = s.split(['|', ';', '/']).next().unwrap_or(s);
    let plus = first.trim_start().starts_with('+');
    let digits: String = first.chars().filter(char::is_ascii_digit).collect();
    let ok = |p: &str, rest: &str| -> Option<String> {
        if (6..=9).contains(&rest.len()) { Some(format!("{p}{rest}")) } else { None }
    };
    const PREFIXES: [&str; 10] = ["33", "590", "594", "262", "596", "269", "687", "689", "508", "681"];
    if plus || digits.starts_with("00") {
        let d = if plus { digits.as_str() } else { &digits[2..] };
        let p = PREFIXES.iter().find(|p| d.starts_with(*p))?;
        let rest = d[p.len()..].trim_start_matches('0');
        return ok(&format!("+{p}"), rest);
    }
    if digits.len() == 10 && digits.starts_with('0') {
        let national = &digits[1..];
        let prefix = match &digits[..4] {
            "0590" | "0690" | "0691" => "+590",
            "0594" | "0694" => "+594",
            "0262" | "0263" | "0692" | "0693" => "+262",
            "0596" | "0696" | "0697" => "+596",
            "0269" | "0639" => "+269",
            "0508" => "+508",
            _ => "+33",
        };
        let rest = national.to_string();
        return ok(prefix, &rest);
    }
    // Nouvelle-Calédonie, Polynésie, Wallis: six-digit local numbers.
    if digits.len() == 6 {
        let prefix = match postal.get(..3) {
            Some("988") => "+687",
            Some("987") => "+689",
            Some("986") => "+681",
            _ => return None,
        };
        return ok(prefix, &digits);
    }
    if digits.len() == 8 && postal.starts_with("987") {
        return ok("+689", &digits);
    }
    None
}

fn looks_like_email(m: &str) -> bool {
    let Some((user, domain)) = m.split_once('@') else { return false };
    !user.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !m.contains(char::is_whitespace)
}

/// "09:00 - 12:00 / 13:30 - 17:00" per weekday → "Mo-Fr 09:00-12:00,13:30-17:00".
fn osm_hours(days: &[(&str, String)]) -> Option<String> {
    let mut parsed: Vec<(&str, String)> = Vec::new();
    for (day, text) in days {
        let mut ranges = Vec::new();
        for part in text.split(['/', ',', ';']) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (a, b) = part.split_once('-')?;
            let a = hhmm(a)?;
            let b = hhmm(b)?;
            ranges.push(format!("{a}-{b}"));
        }
        if !ranges.is_empty() {
            parsed.push((day, ranges.join(",")));
        }
    }
    if parsed.is_empty() {
        return None;
    }
    let order = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
    let pos = |d: &str| order.iter().position(|o| *o == d).unwrap_or(0);
    let mut groups: Vec<(usize, usize, String)> = Vec::new();
    for (day, ranges) in parsed {
        let p = pos(day);
        match groups.last_mut() {
            Some((_, end, r)) if *end + 1 == p && *r == ranges => *end = p,
            _ => groups.push((p, p, ranges)),
        }
    }
    Some(
        groups
            .into_iter()
            .map(
                |(a, b, r)| if a == b { format!("{} {r}", order[a]) } else { format!("{}-{} {r}", order[a], order[b]) },
            )
            .collect::<Vec<_>>()
            .join("; "),
    )
}

fn hhmm(s: &str) -> Option<String> {
    let s = s.trim().replace('h', ":");
    let (h, m) = s.split_once(':').unwrap_or((&s, "00"));
    let h: u32 = h.trim().parse().ok()?;
    let m: u32 = if m.trim().is_empty() { 0 } else { m.trim().parse().ok()? };
    if h > 24 || m > 59 {
        return None;
    }
    Some(format!("{h:02}:{m:02}"))
}

/// One row of an import report.
#[derive(Clone, Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ReportRow {
    /// Line in the file (1 = the first record).
    pub line: usize,
    pub id: String,
    pub nom: String,
    /// "corrigée" or "rejetée".
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
