//! The ACUNUM catalogue of the source document ("Cycle d'Accompagnement aux Cultures et Usages
//! Numériques"), with which every new organisation starts. The texts, durations, headcounts and
//! day-by-day plans are the document's; the prices are only starting values ("le tarif reste à
//! déterminer suivant le nombre de personnes et structures impliquées") for the coordinator to set.

use rust_decimal::Decimal;

use super::{ModuleContent, ModuleKind, PlanUnit, PriceBasis, Unit};

const INTRO: &str = "Le numérique est transversal et se trouve dans tous les secteurs professionnels et toutes les couches de la société. Au-delà des outils (navigateur, client de messagerie, traitement de texte...) et de leurs usages (veille numérique, relations à distance, collaborations et partages de contenu en ligne...), se pose la question des changements profonds induits par le numérique, ainsi que des cultures qui en sont issues.";

const METHODS: &str = "Pédagogie active tournée vers les participants, qui favorise le développement d'une « école mutuelle » informelle entre participants ainsi que la mise en action de la thématique. Un bloc-notes collaboratif est créé au début de la formation et utilisé tout du long (liens collectés par le groupe, notes, déroulé du jour).";

const EVALUATION: &str = "Positionnement en début de formation (tour de table et objectifs de chacun), évaluation des acquis au fil des exercices individuels et collectifs, bilan en fin de formation, questionnaires de satisfaction à chaud et à froid. Une feuille d'émargement par demi-journée et un certificat de réalisation par participant.";

const ACCESSIBILITY: &str = "Les formations sont accessibles aux personnes en situation de handicap. Contactez notre référent·e handicap avant l'inscription pour étudier ensemble l'adaptation des modalités (rythme, supports, équipement, accessibilité des locaux de la structure accueillante).";

const ACCESS: &str = "Sur devis, pour un groupe constitué par la structure cliente. Délai d'accès indicatif : 4 à 6 semaines entre l'acceptation du devis et la première séance, selon les disponibilités des intervenants et des salles. Les formations peuvent être prises en charge par un OPCO.";

fn unit(title: &str, description: &str, items: &[&str]) -> PlanUnit {
    PlanUnit {
        title: title.into(),
        description: description.into(),
        items: items.iter().map(|s| s.to_string()).collect(),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The training room of the source document (« Détails de mise en œuvre »).
pub const TRAINING_ROOM: &[&str] = &[
    "Un ordinateur par participant, connecté à Internet sans restriction",
    "Carte graphique moyenne à haute gamme sur chaque poste",
    "Une personne disposant des droits administrateur sur les postes, disponible à tout moment",
    "Un vidéoprojecteur et des enceintes pour le formateur",
    "Connexion à Internet sans restriction pour l'ordinateur du formateur",
];

/// The conference room of the source document.
pub const CONFERENCE_ROOM: &[&str] = &[
    "Salle fermée (au calme)",
    "Disposition en rond ou en arc de cercle pour favoriser la discussion",
    "1 table pour 1 portable",
    "1 vidéoprojecteur (ou grand écran) et des enceintes",
    "1 connexion à Internet",
];

/// The four modules of the cycle, in the order of the cycle.
pub fn default_catalogue() -> Vec<(ModuleKind, ModuleContent)> {
    vec![
        (ModuleKind::CultureTraining, ModuleContent {
            title: "Formation aux cultures numériques".into(),
            summary: format!("{INTRO}\n\nCette formation s'attache à comprendre pourquoi nous sommes concernés par le numérique, en tant que professionnel, mais au-delà en tant que citoyen, adulte, enfant de, parent de. Nous y répondrons tour à tour en questionnant l'information, la socialisation et les cultures et nos métiers à l'ère du numérique."),
            objectives: "Comprendre pourquoi le numérique nous concerne, en tant que professionnel et en tant que citoyen\nQuestionner l'information à l'ère du numérique\nQuestionner la socialisation à l'ère du numérique\nQuestionner les cultures à l'ère du numérique\nSituer son secteur professionnel et son métier face aux cultures numériques et décider des suites à donner".into(),
            public_target: "Groupe mixte de professionnels : représentants de métiers, services et structures différents (ce mélange est indispensable pour lancer une dynamique d'appropriation)".into(),
            prereq_culture: "novice et débutant".into(),
            prereq_technicity: "connaissance de base".into(),
            prereq_other: String::new(),
            headcount_max: Some(10),
            unit: Unit::Day,
            unit_count: 4,
            unit_minutes: 7 * 60,
            plan: vec![
                unit("Jour 1", "l'information à l'ère du numérique", &[
                    "Tour de table, objectifs de la formation et déroulé, création d'un bloc-notes collaboratif pour la formation",
                    "De l'informatique à Internet : brève histoire d'un nouveau média devenu média de médias",
                    "L'information en ligne : culture du flux, culture pair à pair, culture de la complexité",
                    "Veille numérique : l'amateur et le collectif comme source d'intelligence",
                ]),
                unit("Jour 2", "la socialisation à l'ère du numérique", &[
                    "Identités numériques, extimité et relations à distance : vers une mutation de la vie privée",
                    "Médias sociaux : de la communication de un à plusieurs aux relations de plusieurs à plusieurs",
                ]),
                unit("Jour 3", "les cultures à l'ère du numérique", &[
                    "Économie de l'abondance : de la tarte aux pommes au MP3",
                    "Créations collectives, remix, mashup, copies : faits de société VS politique et juridique",
                    "Biens communs, échanges non marchands, DRM et Hadopi-like : vers une mutation de la propriété",
                ]),
                unit("Jour 4", "cultures numériques, secteurs professionnels et métiers", &[
                    "Les cultures numériques dans votre monde professionnel, où en êtes-vous ?",
                    "Quelles sont les cultures et usages que vous voudriez adopter ?",
                    "Et maintenant, que fait-on ? Suites à donner à la formation",
                ]),
            ],
            methods: METHODS.into(),
            evaluation: EVALUATION.into(),
            accessibility: ACCESSIBILITY.into(),
            access_modalities: ACCESS.into(),
            price_basis: PriceBasis::PerGroupDay,
            price: Decimal::new(110000, 2),
            logistics: strings(TRAINING_ROOM),
            topics: Vec::new(),
            questionnaire: Vec::new(),
        }),
        (ModuleKind::Conference, ModuleContent {
            title: "Conférence « Pourquoi comprendre les cultures numériques dans nos métiers ? »".into(),
            summary: format!("{INTRO}\n\nCette conférence s'attache à comprendre pourquoi nous sommes concernés par le numérique, en tant que professionnel, mais au-delà en tant que citoyen, adulte, enfant de, parent de. Nous y répondrons tour à tour en questionnant la socialisation, l'information, les cultures et nos métiers à l'ère du numérique.\n\nDonnée en série, en parallèle de la formation aux cultures numériques, elle facilite l'essaimage auprès des personnes qui n'ont pas reçu la formation et qui font partie, de près ou de loin, du périmètre de socialisation professionnelle du groupe mixte."),
            objectives: "Comprendre pourquoi le numérique concerne chacun dans son métier\nFaciliter l'essaimage de la culture numérique du groupe mixte auprès de ses collègues".into(),
            public_target: "Professionnels".into(),
            prereq_culture: "aucun".into(),
            prereq_technicity: "aucun".into(),
            prereq_other: String::new(),
            headcount_max: None,
            unit: Unit::Session,
            unit_count: 1,
            unit_minutes: 3 * 60,
            plan: vec![
                unit("Conférence", "pourquoi comprendre les cultures numériques dans nos métiers ?", &[
                    "La socialisation à l'ère du numérique",
                    "L'information à l'ère du numérique",
                    "Les cultures à l'ère du numérique",
                    "Nos métiers à l'ère du numérique",
                ]),
            ],
            methods: "Conférence participative, en rond ou en arc de cercle pour favoriser la discussion.".into(),
            evaluation: "Questionnaire de satisfaction à l'issue de la conférence ; recueil des volontaires pour le comité de pilotage mixte.".into(),
            accessibility: ACCESSIBILITY.into(),
            access_modalities: "Sur devis, en série, en parallèle de la formation aux cultures numériques. Inscription libre des professionnels de la structure dans la limite des places de la salle.".into(),
            price_basis: PriceBasis::PerConference,
            price: Decimal::new(45000, 2),
            logistics: strings(CONFERENCE_ROOM),
            topics: Vec::new(),
            questionnaire: Vec::new(),
        }),
        (ModuleKind::UsageTraining, ModuleContent {
            title: "Formation aux usages numériques".into(),
            summary: "Cette formation aux usages numériques est destinée au comité de pilotage mixte issu de la formation et des conférences sur les cultures numériques.\n\nElle a pour objectif d'initier des pratiques socialisées et conscientisées du numérique : les participants ont une compréhension des enjeux issue de la première formation, une motivation d'apprendre du fait qu'ils savent pourquoi le numérique les concerne et un embryon de culture commune autour de ces pratiques.\n\nCette formation va permettre de pratiquer la veille numérique, les médias sociaux et la collaboration et partages de contenu en ligne. Elle débouchera sur la mise en action de ces apprentissages dans le cadre professionnel. Le comité de pilotage détermine pour partie son contenu.".into(),
            objectives: "Organiser sa veille numérique pour collecter et partager des informations professionnelles pertinentes\nDévelopper ses relations et amplifier sa socialisation professionnelle par les médias sociaux\nCollaborer et partager des contenus entre professionnels\nS'engager dans des actions concrètes au quotidien".into(),
            public_target: "Comité de pilotage mixte".into(),
            prereq_culture: "avancée".into(),
            prereq_technicity: "connaissance de base".into(),
            prereq_other: "Avoir suivi la formation aux cultures numériques ou une conférence du cycle.".into(),
            headcount_max: Some(10),
            unit: Unit::HalfDay,
            unit_count: 6,
            unit_minutes: 4 * 60,
            plan: vec![
                unit("Demi-journée 1", "organiser sa veille numérique pour collecter et partager des informations professionnelles pertinentes (partie 1)", &[
                    "Tour de table, objectifs de la formation et déroulé, création d'un bloc-notes collaboratif pour la formation",
                    "Remue-méninges sur l'information",
                    "Définition et étapes de la veille numérique et de la veille partagée",
                    "Tour d'horizon de différents outils et services avec pratiques de groupe (recherche en ligne, revue de presse, flux d'actualités, newsletters, marques-pages en ligne...)",
                ]),
                unit("Demi-journée 2", "organiser sa veille numérique pour collecter et partager des informations professionnelles pertinentes (partie 2)", &[
                    "Révision de la demi-journée précédente",
                    "Exercices individuels et collectifs : collecte de liens vers des ressources en ligne jugées pertinentes par le groupe sur le bloc-notes",
                    "Rappel de fonctionnement d'un client de messagerie, focus sur sous-dossiers et filtres",
                    "Exercices individuels et collectifs : intégration dans un client de messagerie des flux d'actualités des ressources trouvées précédemment",
                ]),
                unit("Demi-journée 3", "médias sociaux : développer ses relations et amplifier sa socialisation professionnelle (partie 1)", &[
                    "Remue-méninges sur les médias sociaux",
                    "Tour d'horizon de plusieurs médias sociaux avec pratiques de groupe",
                    "Exercices individuels et collectifs : recherche de fiches métiers sur Wikipédia, réflexions de groupe sur les modifications à apporter, modification d'une ou plusieurs fiches Wikipédia",
                ]),
                unit("Demi-journée 4", "médias sociaux : développer ses relations et amplifier sa socialisation professionnelle (partie 2)", &[
                    "Exercices individuels et collectifs : utilisation collective d'un ou plusieurs médias sociaux suivant les demandes et le niveau du groupe",
                ]),
                unit("Demi-journée 5", "collaborations et partages de contenu entre professionnels", &[
                    "Remue-méninges sur la collaboration et le partage",
                    "Analyse réflexive sur la collaboration et le partage dans les pratiques précédentes de la formation (veille, médias sociaux, bloc-notes collaboratif utilisé pendant la formation)",
                    "Tour d'horizon de plusieurs outils et services de partage avec pratiques de groupe",
                ]),
                unit("Demi-journée 6", "liens entre la formation et la mise en action de ces pratiques au quotidien", &[
                    "Tour de table de questions : qu'est-ce que vous pensez utiliser ? Sur quels projets ou thématiques de votre service souhaiteriez-vous utiliser des outils numériques ? Quels outils seraient les plus pertinents ?",
                    "Engagement individuel et collectif d'actions concrètes que chacun va réaliser",
                    "Point sur les suites à donner au travers de l'Accompagnement à Maîtrise d'Ouvrage",
                ]),
            ],
            methods: METHODS.into(),
            evaluation: EVALUATION.into(),
            accessibility: ACCESSIBILITY.into(),
            access_modalities: ACCESS.into(),
            price_basis: PriceBasis::PerGroupHalfDay,
            price: Decimal::new(55000, 2),
            logistics: strings(TRAINING_ROOM),
            topics: strings(&[
                "Outils de recherche en ligne",
                "Revue de presse",
                "Flux d'actualités (RSS, Atom)",
                "Newsletters",
                "Marques-pages en ligne",
                "Sous-dossiers et filtres du client de messagerie",
                "Médias sociaux professionnels",
                "Microblogage",
                "Réseaux sociaux grand public",
                "Modification des fiches métiers sur Wikipédia",
                "Outils et services de partage de documents",
                "Bloc-notes et écriture collaborative",
            ]),
            questionnaire: Vec::new(),
        }),
        (ModuleKind::Amo, ModuleContent {
            title: "Accompagnement à Maîtrise d'Ouvrage".into(),
            summary: "L'accompagnement à Maîtrise d'Ouvrage est destiné au comité de pilotage mixte issu des formations et conférences sur les cultures et usages numériques.\n\nLes actions précédentes amènent forcément à des questionnements sur l'organisation du travail, les modifications à apporter au Système d'Information actuel, les formations complémentaires à envisager. Le comité de pilotage mixte met en place un plan d'action du déploiement du numérique, selon les modalités et durées qui lui conviennent. Durant la mise en place et le déroulé du plan d'action, l'équipe de médiateurs et d'animateurs assure un Accompagnement à Maîtrise d'Ouvrage du comité.".into(),
            objectives: "Accompagner le comité de pilotage dans la mise en place et le suivi de son plan d'action\nRapporter des retours d'expérience d'autres TICA (Territoires Intelligents – Communautés Apprenantes)\nMettre en lien avec d'autres personnes et structures ayant les mêmes problématiques\nAssurer les formations complémentaires\nTraduire les propositions commerciales des prestataires informatiques".into(),
            public_target: "Comité de pilotage mixte".into(),
            prereq_culture: "avancée".into(),
            prereq_technicity: "connaissance de base".into(),
            prereq_other: "Un plan d'action du déploiement du numérique porté par le comité de pilotage.".into(),
            headcount_max: Some(10),
            unit: Unit::Meeting,
            unit_count: 0,
            unit_minutes: 3 * 60 + 30,
            plan: vec![
                unit("Rencontres du comité", "selon les modalités et durées qui conviennent au comité", &[
                    "Facilitation : suivi du plan d'action (organisation du travail, système d'information, formations complémentaires)",
                    "Éclairage : retours d'expérience d'autres TICA",
                    "Mise en lien avec d'autres personnes et structures ayant les mêmes problématiques",
                    "Formations complémentaires",
                    "Traduction des propositions commerciales des prestataires informatiques",
                ]),
            ],
            methods: "Accompagnement par l'équipe de médiateurs numériques et d'animateurs multimédia, qui jouent le rôle de facilitateurs et d'éclaireurs ; journal d'accompagnement partagé avec le comité.".into(),
            evaluation: "Suivi de l'avancement du plan d'action avec le comité ; bilan à chaque rencontre.".into(),
            accessibility: ACCESSIBILITY.into(),
            access_modalities: "Sur devis, pour la durée du plan d'action du comité de pilotage.".into(),
            price_basis: PriceBasis::PerDay,
            price: Decimal::new(70000, 2),
            logistics: Vec::new(),
            topics: Vec::new(),
            questionnaire: Vec::new(),
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_catalogue_follows_the_source_document() {
        let c = default_catalogue();
        let kinds: Vec<_> = c.iter().map(|(k, _)| *k).collect();
        assert_eq!(kinds, ModuleKind::ALL.to_vec());
        let usage = &c[2].1;
        assert_eq!(usage.duration_minutes(), 24 * 60);
        assert_eq!(usage.duration_label(), "24 heures réparties sur 6 demi-journées");
        assert_eq!(c[1].1.duration_label(), "3 heures");
        assert_eq!(c[1].1.headcount_max, None);
        for (kind, content) in &c {
            assert!(content.validate(*kind).is_ok(), "{kind:?}");
        }
    }
}
