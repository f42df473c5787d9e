//! The glossary of IT and commercial jargon that a vendor's proposal is read with: each term, the
//! forms it takes in a text, and its plain meaning. `highlight` finds the terms in a text (case,
//! accents and line breaks do not matter; whole words only) and cuts the text into segments.

use unicode_normalization::UnicodeNormalization;

pub struct Term {
    pub term: &'static str,
    /// Forms found in texts, written in lower case without accents.
    pub forms: &'static [&'static str],
    pub meaning: &'static str,
}

pub const GLOSSARY: &[Term] = &[
    Term {
        term: "SaaS",
        forms: &["saas", "software as a service", "logiciel en tant que service", "logiciel en ligne"],
        meaning: "Logiciel utilisé par Internet et installé chez le fournisseur : on paie un abonnement au lieu d'acheter le logiciel. Si l'abonnement s'arrête, l'accès aussi.",
    },
    Term {
        term: "SLA (niveau de service)",
        forms: &["sla", "niveau de service", "niveaux de service", "service level agreement", "convention de service"],
        meaning: "Engagement chiffré du fournisseur sur la disponibilité du service et ses délais d'intervention. Vérifiez ce qui se passe (pénalités) s'il ne le tient pas.",
    },
    Term {
        term: "GTI / GTR",
        forms: &["gti", "gtr", "garantie de temps d'intervention", "garantie de temps de retablissement"],
        meaning: "Garantie de temps d'intervention (le fournisseur commence à traiter la panne) et de rétablissement (le service remarche). Regardez les heures couvertes : ouvrées ou 24 h/24.",
    },
    Term {
        term: "Disponibilité",
        forms: &["disponibilite", "taux de disponibilite", "uptime"],
        meaning: "Part du temps où le service fonctionne. 99 % par an autorise plus de 3 jours et demi d'arrêt ; 99,9 % environ 9 heures.",
    },
    Term {
        term: "Hébergement",
        forms: &[
            "hebergement",
            "heberge",
            "hebergee",
            "hebergees",
            "hebergeur",
            "datacenter",
            "centre de donnees",
            "centres de donnees",
        ],
        meaning: "Où sont stockées vos données et où tourne le logiciel : chez qui, dans quel pays. Cela compte pour le RGPD et pour la sécurité.",
    },
    Term {
        term: "Cloud",
        forms: &["cloud", "nuage", "informatique en nuage"],
        meaning: "Ressources informatiques louées à distance chez un fournisseur, au lieu de serveurs dans vos locaux.",
    },
    Term {
        term: "Sur site (on-premise)",
        forms: &["on-premise", "on premise", "sur site", "installation locale"],
        meaning: "Le logiciel est installé sur vos propres serveurs : vous en avez la maîtrise, mais aussi la charge (sauvegardes, mises à jour, sécurité).",
    },
    Term {
        term: "Licence par utilisateur",
        forms: &[
            "licence par utilisateur",
            "licences par utilisateur",
            "licence nominative",
            "licences nominatives",
            "par utilisateur",
            "par poste",
            "licence utilisateur",
        ],
        meaning: "Le prix dépend du nombre de personnes qui ont un compte. Comptez vos effectifs futurs, les comptes occasionnels et les départs.",
    },
    Term {
        term: "Licence",
        forms: &["licence", "licences", "droit d'usage", "droits d'usage"],
        meaning: "Le droit d'utiliser un logiciel, pas sa propriété. Lisez sa durée, le nombre d'utilisateurs et ce qui se passe à la fin.",
    },
    Term {
        term: "Abonnement",
        forms: &["abonnement", "abonnements", "redevance", "redevances", "souscription"],
        meaning: "Somme payée chaque mois ou chaque année tant que vous utilisez le service. Additionnez-la sur toute la durée d'engagement pour comparer les offres.",
    },
    Term {
        term: "Frais de mise en service",
        forms: &[
            "frais de mise en service",
            "mise en service",
            "frais d'installation",
            "setup",
            "frais de setup",
            "frais d'acces au service",
        ],
        meaning: "Somme payée une fois au démarrage (installation, paramétrage). Elle s'ajoute à l'abonnement.",
    },
    Term {
        term: "Durée d'engagement",
        forms: &["engagement", "duree d'engagement", "periode d'engagement", "engagement minimum"],
        meaning: "Durée pendant laquelle vous ne pouvez pas résilier sans payer. Au-delà de 12 mois, demandez pourquoi.",
    },
    Term {
        term: "Tacite reconduction",
        forms: &["tacite reconduction", "reconduction tacite", "reconduit tacitement", "renouvellement automatique"],
        meaning: "Le contrat se renouvelle tout seul si vous ne le résiliez pas à temps. Notez la date limite du préavis.",
    },
    Term {
        term: "Réversibilité",
        forms: &["reversibilite", "clause de reversibilite", "restitution des donnees", "portabilite"],
        meaning: "Votre droit de récupérer toutes vos données dans un format lisible à la fin du contrat, avec l'aide du fournisseur. Demandez le format, le délai et le prix.",
    },
    Term {
        term: "Reprise des données",
        forms: &[
            "reprise des donnees",
            "reprise de donnees",
            "migration des donnees",
            "migration de donnees",
            "import des donnees",
        ],
        meaning: "Le transfert de vos données de l'ancien outil vers le nouveau. Souvent facturé à part, et souvent sous-estimé.",
    },
    Term {
        term: "RGPD",
        forms: &["rgpd", "gdpr", "reglement general sur la protection des donnees", "protection des donnees"],
        meaning: "Règlement européen sur les données personnelles : le fournisseur doit dire quelles données de vos usagers et salariés il traite, où, combien de temps et pour quoi.",
    },
    Term {
        term: "Sous-traitant",
        forms: &["sous-traitant", "sous-traitants", "sous traitant", "sous-traitance", "sous traitance"],
        meaning: "Au sens du RGPD, le fournisseur qui traite des données personnelles pour votre compte. Un contrat (article 28 du RGPD) doit fixer ses obligations ; il doit vous dire s'il a lui-même des sous-traitants.",
    },
    Term {
        term: "Données personnelles",
        forms: &["donnees personnelles", "donnees a caractere personnel", "donnee personnelle"],
        meaning: "Toute information sur une personne identifiable (nom, adresse, téléphone, dossier...). Leur traitement est encadré par le RGPD.",
    },
    Term {
        term: "HDS",
        forms: &["hds", "hebergeur de donnees de sante", "hebergement de donnees de sante"],
        meaning: "Certification obligatoire pour héberger des données de santé. Indispensable si vos dossiers contiennent des informations médicales.",
    },
    Term {
        term: "Maintenance",
        forms: &[
            "maintenance",
            "maintenance corrective",
            "maintenance evolutive",
            "tma",
            "tierce maintenance applicative",
        ],
        meaning: "Corrective : réparer ce qui ne marche pas. Évolutive : faire évoluer le logiciel. Vérifiez laquelle est comprise dans le prix.",
    },
    Term {
        term: "Support",
        forms: &["support", "hotline", "assistance", "helpdesk", "service client"],
        meaning: "Qui vous répond en cas de problème, par quel moyen (téléphone, mail, ticket), à quelles heures et en combien de temps.",
    },
    Term {
        term: "Mises à jour",
        forms: &[
            "mise a jour",
            "mises a jour",
            "montee de version",
            "montees de version",
            "nouvelle version",
            "upgrade",
        ],
        meaning: "Nouvelles versions du logiciel. Demandez si elles sont comprises dans le prix et si elles peuvent changer vos habitudes de travail.",
    },
    Term {
        term: "Paramétrage",
        forms: &["parametrage", "configuration", "personnalisation"],
        meaning: "Réglage du logiciel à votre organisation sans changer son code. Souvent facturé en jours.",
    },
    Term {
        term: "Développement spécifique",
        forms: &["developpement specifique", "developpements specifiques", "sur mesure"],
        meaning: "Du code écrit pour vous seuls : plus cher, et il faudra le maintenir à chaque nouvelle version.",
    },
    Term {
        term: "Jour-homme",
        forms: &["jour-homme", "jours-homme", "jour homme", "jours homme", "j/h", "jh"],
        meaning: "Une journée de travail d'une personne. Les prestations sont chiffrées en jours-homme : multipliez par le tarif journalier.",
    },
    Term {
        term: "API",
        forms: &["api", "apis", "interface de programmation", "webservice", "web service", "web services"],
        meaning: "Porte d'entrée qui permet à d'autres logiciels d'échanger des données avec celui-ci. Utile pour ne pas tout ressaisir.",
    },
    Term {
        term: "Interopérabilité",
        forms: &["interoperabilite", "interoperable", "connecteur", "connecteurs", "format ouvert", "formats ouverts"],
        meaning: "Capacité à fonctionner avec vos autres outils et à échanger des données dans des formats standards.",
    },
    Term {
        term: "SSO (authentification unique)",
        forms: &["sso", "authentification unique", "single sign-on"],
        meaning: "Un seul identifiant pour plusieurs outils. Pratique, mais vérifiez qu'il marche avec vos comptes existants.",
    },
    Term {
        term: "Sauvegarde",
        forms: &["sauvegarde", "sauvegardes", "backup", "backups"],
        meaning: "Copie régulière de vos données pour les retrouver après une panne ou une erreur. Demandez la fréquence, la durée de conservation et le lieu.",
    },
    Term {
        term: "PRA / PCA",
        forms: &["pra", "pca", "plan de reprise d'activite", "plan de continuite d'activite"],
        meaning: "Ce que le fournisseur prévoit pour remettre le service en marche (PRA) ou le faire continuer (PCA) après un incident grave.",
    },
    Term {
        term: "Chiffrement",
        forms: &["chiffrement", "chiffrees", "cryptage", "https", "tls", "ssl"],
        meaning: "Les données sont rendues illisibles pour qui n'a pas la clé, pendant leur transport (HTTPS) et leur stockage.",
    },
    Term {
        term: "Logiciel libre",
        forms: &["logiciel libre", "logiciels libres", "open source", "opensource", "code source ouvert"],
        meaning: "Le code est public et réutilisable : vous pouvez changer de prestataire sans changer d'outil.",
    },
    Term {
        term: "Propriété intellectuelle",
        forms: &["propriete intellectuelle", "droits d'auteur", "cession de droits"],
        meaning: "Qui possède ce qui est créé pour vous (documents, développements). Sans cession écrite, c'est le fournisseur.",
    },
    Term {
        term: "Révision des prix",
        forms: &["revision des prix", "revision de prix", "indexation", "indice syntec", "syntec", "revalorisation"],
        meaning: "Clause qui permet au fournisseur d'augmenter ses prix chaque année selon un indice. Demandez un plafond.",
    },
    Term {
        term: "HT / TTC",
        forms: &["ht", "hors taxes", "ttc", "toutes taxes comprises"],
        meaning: "Hors taxes ou toutes taxes comprises. Une association qui ne récupère pas la TVA doit comparer les prix TTC.",
    },
    Term {
        term: "Pénalités",
        forms: &["penalite", "penalites", "penalites de retard", "credits de service"],
        meaning: "Ce que le fournisseur doit si ses engagements ne sont pas tenus. Sans pénalités, un engagement n'engage pas beaucoup.",
    },
    Term {
        term: "Résiliation",
        forms: &["resiliation", "resilier", "preavis"],
        meaning: "Comment et quand arrêter le contrat, avec quel préavis et quels frais.",
    },
];

/// A piece of the text, with the glossary term it is (if any).
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub text: String,
    pub term: Option<usize>,
}

/// A term found in a text, with its number of occurrences.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub index: usize,
    pub count: usize,
}

impl Found {
    pub fn term(&self) -> &'static Term {
        &GLOSSARY[self.index]
    }
}

/// The text folded for matching (lower case, no accents, every run of white space one space, the
/// typographic apostrophe a straight one), with for each folded char the byte range it came from.
fn fold(text: &str) -> (Vec<char>, Vec<(usize, usize)>) {
    let mut chars = Vec::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    let mut last_space = true;
    for (at, c) in text.char_indices() {
        let end = at + c.len_utf8();
        if c.is_whitespace() {
            if !last_space {
                chars.push(' ');
                origin.push((at, end));
            }
            last_space = true;
            continue;
        }
        last_space = false;
        let c = if c == '’' || c == 'ʼ' { '\'' } else { c };
        for d in c.nfd().filter(|d| !unicode_normalization::char::is_combining_mark(*d)) {
            for l in d.to_lowercase() {
                chars.push(l);
                origin.push((at, end));
            }
        }
    }
    (chars, origin)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// Cuts `text` into segments, the glossary's terms apart, and lists the terms found (in the
/// glossary's order). The longest form wins where two overlap.
pub fn highlight(text: &str) -> (Vec<Segment>, Vec<Found>) {
    let (chars, origin) = fold(text);
    // (start, end) in folded chars, term index
    let mut hits: Vec<(usize, usize, usize)> = Vec::new();
    for (ti, term) in GLOSSARY.iter().enumerate() {
        for form in term.forms {
            let f: Vec<char> = form.chars().collect();
            if f.is_empty() || f.len() > chars.len() {
                continue;
            }
            let mut i = 0;
            while i + f.len() <= chars.len() {
                if chars[i..i + f.len()] == f[..]
                    && (i == 0 || !is_word(chars[i - 1]))
                    && (i + f.len() == chars.len() || !is_word(chars[i + f.len()]))
                {
                    hits.push((i, i + f.len(), ti));
                    i += f.len();
                } else {
                    i += 1;
                }
            }
        }
    }
    hits.sort_by(|a, b| a.0.cmp(&b.0).then((b.1 - b.0).cmp(&(a.1 - a.0))));
    let mut kept: Vec<(usize, usize, usize)> = Vec::new();
    for h in hits {
        if kept.last().is_none_or(|k| h.0 >= k.1) {
            kept.push(h);
        }
    }
    let mut segments = Vec::new();
    let mut counts = vec![0usize; GLOSSARY.len()];
    let mut at = 0usize; // byte offset in `text`
    for (s, e, ti) in kept {
        let (start, end) = (origin[s].0, origin[e - 1].1);
        if start > at {
            segments.push(Segment { text: text[at..start].to_string(), term: None });
        }
        segments.push(Segment { text: text[start..end].to_string(), term: Some(ti) });
        counts[ti] += 1;
        at = end;
    }
    if at < text.len() {
        segments.push(Segment { text: text[at..].to_string(), term: None });
    }
    let found =
        counts.iter().enumerate().filter(|(_, n)| **n > 0).map(|(index, n)| Found { index, count: *n }).collect();
    (segments, found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<&'static str> {
        highlight(text).1.iter().map(|f| f.term().term).collect()
    }

    #[test]
    fn finds_terms_whatever_the_case_the_accents_and_the_line_breaks() {
        let text =
            "Notre offre SaaS inclut l'HÉBERGEMENT en France,\nune clause de\n  réversibilité et un SLA de 99,9 %.";
        let (segments, found) = highlight(text);
        let names: Vec<_> = found.iter().map(|f| f.term().term).collect();
        assert_eq!(names, vec!["SaaS", "SLA (niveau de service)", "Hébergement", "Réversibilité"]);
        // The segments give the text back unchanged.
        assert_eq!(segments.iter().map(|s| s.text.as_str()).collect::<String>(), text);
        let marked: Vec<_> = segments.iter().filter(|s| s.term.is_some()).map(|s| s.text.as_str()).collect();
        assert_eq!(marked, vec!["SaaS", "HÉBERGEMENT", "clause de\n  réversibilité", "SLA"]);
    }

    #[test]
    fn whole_words_only_and_the_longest_form_wins() {
        // "api" inside "rapide" and "ht" inside "achat" are not terms.
        assert!(terms("Un déploiement rapide et un achat simple.").is_empty());
        // "licence par utilisateur" is one term, not "Licence" plus another.
        assert_eq!(terms("Licence par utilisateur : 12 € HT par mois."), vec!["Licence par utilisateur", "HT / TTC"]);
        assert_eq!(
            terms("Le sous-traitant s’engage ; tacite reconduction."),
            vec!["Tacite reconduction", "Sous-traitant"]
        );
    }

    #[test]
    fn counts_occurrences() {
        let (_, found) = highlight("RGPD, rgpd et Rgpd.");
        assert_eq!(found, vec![Found { index: GLOSSARY.iter().position(|t| t.term == "RGPD").unwrap(), count: 3 }]);
    }

    #[test]
    fn every_form_is_folded_already() {
        for t in GLOSSARY {
            for f in t.forms {
                let (folded, _) = fold(f);
                assert_eq!(folded.iter().collect::<String>(), *f, "form {f} of {}", t.term);
            }
        }
    }
}
