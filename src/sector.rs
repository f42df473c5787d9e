//! Professional sectors (secteurs professionnels) and kinds of client structures: the shared
//! vocabulary of clients and intervenants, so that an intervenant's sectors can match a client's.

pub const SECTORS: &[(&str, &str)] = &[
    ("administration", "Administration publique et collectivités"),
    ("sante", "Santé"),
    ("social", "Action sociale et médico-sociale"),
    ("education", "Éducation et formation"),
    ("culture", "Culture, patrimoine et médias"),
    ("sport_loisirs", "Sport, loisirs et tourisme"),
    ("agriculture", "Agriculture et environnement"),
    ("industrie", "Industrie"),
    ("btp", "Bâtiment et travaux publics"),
    ("commerce", "Commerce et artisanat"),
    ("transport", "Transport et logistique"),
    ("services", "Services aux entreprises et conseil"),
    ("juridique", "Professions juridiques et réglementées"),
    ("finance", "Banque, assurance et mutuelles"),
    ("ess", "Économie sociale et solidaire, associations"),
    ("numerique", "Numérique et télécommunications"),
    ("autre", "Autre secteur"),
];

pub const CLIENT_KINDS: &[(&str, &str)] = &[
    ("entreprise", "Entreprise"),
    ("collectivite", "Collectivité territoriale"),
    ("etablissement_public", "Établissement public"),
    ("federation", "Fédération"),
    ("union", "Union"),
    ("groupement", "Groupement"),
    ("ordre", "Ordre professionnel"),
    ("syndicat", "Syndicat"),
    ("association", "Association"),
    ("reseau", "Réseau"),
    ("filiere", "Filière"),
    ("autre", "Autre structure"),
];

pub fn sector_label(code: &str) -> &'static str {
    SECTORS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l).unwrap_or("—")
}

pub fn kind_label(code: &str) -> &'static str {
    CLIENT_KINDS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l).unwrap_or("—")
}

pub fn is_sector(code: &str) -> bool {
    SECTORS.iter().any(|(c, _)| *c == code)
}

pub fn is_kind(code: &str) -> bool {
    CLIENT_KINDS.iter().any(|(c, _)| *c == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_labelled() {
        for list in [SECTORS, CLIENT_KINDS] {
            let mut codes: Vec<_> = list.iter().map(|(c, _)| *c).collect();
            codes.sort();
            codes.dedup();
            assert_eq!(codes.len(), list.len());
        }
        assert_eq!(sector_label("sante"), "Santé");
        assert_eq!(sector_label("inconnu"), "—");
        assert!(is_kind("ordre") && !is_kind("club"));
    }
}
