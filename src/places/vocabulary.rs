//! The controlled vocabularies of the national schema of mediation places: services, typologies
//! and the other enumerations, with their aliases.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::communes;

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
pub(crate) const PUBLICS: [&str; 5] = ["Jeunes", "Étudiants", "Familles et/ou enfants", "Seniors", "Femmes"];
pub(crate) const PRISE_EN_CHARGE: [&str; 7] = [
    "Surdité",
    "Handicaps moteurs",
    "Handicaps mentaux",
    "Illettrisme",
    "Langues étrangères (anglais)",
    "Langues étrangères (autres)",
    "Déficience visuelle",
];
pub(crate) const FRAIS: [&str; 3] = ["Gratuit", "Gratuit sous condition", "Payant"];
pub(crate) const DISPOSITIFS: [&str; 11] = [
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
pub(crate) const FORMATIONS: [&str; 10] = [
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
pub(crate) const ACCES: [&str; 6] = [
    "Se présenter",
    "Téléphoner",
    "Contacter par mail",
    "Envoyer un mail avec une fiche de prescription",
    "Prendre un RDV en ligne",
    "Ce lieu n'accueille pas de public",
];
pub(crate) const ACCOMPAGNEMENT: [&str; 4] =
    ["En autonomie", "Accompagnement individuel", "Dans un atelier collectif", "À distance"];

/// Typologies the schema's vocabulary lacks, kept as an extension of it.
pub const EXTENSION_TYPOLOGIES: [(&str, &str); 3] =
    [("HACKERSPACE", "Hackerspace"), ("MEDIALAB", "Médialab"), ("COWORKING", "Espace de coworking")];

pub(crate) const ENUMERATIONS: &str = include_str!("../../data/lieux/lieux-mediation-numerique.enumerations.json");

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
pub(crate) struct Vocabulary {
    /// Values as they are spelt, looked up first (folding costs more than the lookup).
    pub(crate) exact: HashMap<&'static str, (&'static str, bool)>,
    pub(crate) canonical: HashMap<String, &'static str>,
    pub(crate) older: HashMap<String, &'static str>,
}

impl Vocabulary {
    pub(crate) fn new(values: &[&'static str], older: &[(&'static str, &'static str)]) -> Self {
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
    pub(crate) fn find(&self, token: &str) -> Option<(&'static str, bool)> {
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

pub(crate) fn key(s: &str) -> String {
    communes::fold(s)
        .replace(['(', ')', '«', '»', '/', ':', '+', '.'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) struct Vocabularies {
    pub(crate) services: Vocabulary,
    pub(crate) publics: Vocabulary,
    pub(crate) prise_en_charge: Vocabulary,
    pub(crate) frais: Vocabulary,
    pub(crate) dispositifs: Vocabulary,
    pub(crate) formations: Vocabulary,
    pub(crate) acces: Vocabulary,
    pub(crate) accompagnement: Vocabulary,
    pub(crate) typologie: HashMap<String, String>,
}

pub(crate) fn vocabularies() -> &'static Vocabularies {
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
