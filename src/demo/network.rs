//! The demo's TICA network: territories, a second organisation's cycle, retours and a mise en lien.

use crate::db::Db;
use crate::error::AppError;

/// The committee's phase 3 in the demo: the Grand Angoulême's action plan (with the problems it
/// answers), a vendor's proposal to read, the école mutuelle, and the TICA network where the
/// cooperative published how it tamed its mail.
pub(crate) async fn demo_network(db: &Db, org_id: i64, cycle_id: i64, past_id: i64) -> Result<(), AppError> {
    use crate::committee::store::{ActionData, create_action};
    let t = crate::db::now();
    let mut territories = Vec::new();
    for (name, code) in [("Angoumois", "16"), ("Deux-Charentes", "16, 17")] {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO territories (name, kind, codes, created_by_org, created_at) VALUES ($1, 'departement', $2, $3, $4) RETURNING id",
        )
        .bind(name)
        .bind(code)
        .bind(org_id)
        .bind(t)
        .fetch_one(&db.pool)
        .await?;
        territories.push(id);
    }
    for (cycle, territory) in [(cycle_id, territories[0]), (past_id, territories[1])] {
        sqlx::query("UPDATE cycles SET territory_id = $1, network_visible = $2 WHERE id = $3 AND org_id = $4")
            .bind(territory)
            .bind(true)
            .bind(cycle)
            .bind(org_id)
            .execute(&db.pool)
            .await?;
    }
    let people = crate::cycle::store::participants(db, org_id, cycle_id).await?;
    let owner = |i: usize| people.get(i).map(|p| vec![p.id]).unwrap_or_default();
    let today = crate::quote::today();
    for (category, title, description, tags, due, who) in [
        (
            "information_system",
            "Ranger la messagerie des services",
            "Les boîtes débordent et les demandes des usagers se perdent entre les services.",
            "messagerie, filtres",
            30u64,
            1usize,
        ),
        (
            "organisation",
            "Un agenda partagé pour les permanences",
            "Savoir qui tient l'accueil et quand.",
            "agenda partagé",
            45,
            0,
        ),
        (
            "training",
            "Former l'accueil aux démarches en ligne",
            "Deux demi-journées avec la médiathèque.",
            "démarches en ligne, accueil",
            60,
            4,
        ),
    ] {
        create_action(
            db,
            org_id,
            cycle_id,
            &ActionData {
                category,
                title,
                description,
                owners: &owner(who),
                due_date: Some(today + chrono::Days::new(due)),
                status: "todo",
                tags: &crate::committee::matching::tags(tags),
            },
        )
        .await?;
    }
    sqlx::query(
        "INSERT INTO retours (org_id, cycle_id, title, problem, done, result, tags, published_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8)",
    )
    .bind(org_id)
    .bind(past_id)
    .bind("Une messagerie rangée en une demi-journée")
    .bind("Chaque technicien recevait deux cents courriels par semaine ; les commandes urgentes se perdaient.")
    .bind("Une demi-journée de formation aux filtres et aux dossiers, puis une charte de nommage des objets de courriel.")
    .bind("Plus aucune commande perdue depuis trois mois ; les relances ont diminué de moitié.")
    .bind("messagerie, filtres, charte")
    .bind(t)
    .execute(&db.pool)
    .await?;
    let text = "Proposition commerciale — logiciel de gestion de la relation usagers\n\n\
        Offre SaaS hébergée en France, licence par utilisateur à 9 € HT par mois, engagement de 36 mois \
        avec tacite reconduction. Frais de mise en service : 2 400 € HT. Reprise des données sur devis. \
        Disponibilité de 99,5 % (SLA), support par ticket en jours ouvrés. Clause de réversibilité : \
        export des données au format CSV à la résiliation. Le fournisseur agit en tant que sous-traitant \
        au sens du RGPD.\n";
    crate::proposal::store::add(
        db,
        org_id,
        cycle_id,
        &crate::proposal::NewProposal {
            title: "Logiciel de relation usagers",
            vendor: "Éditeur Exemple",
            filename: "proposition.txt",
            mime: "text/plain",
            content: text.as_bytes(),
            text,
            uploaded_by: "Julien Faure",
        },
    )
    .await?;
    // The group's veille: links found during the culture training, and two sites followed
    // (read by the background fetcher as soon as the machine is online).
    for (url, title, comment, tags, who) in [
        (
            "https://www.service-public.fr/",
            "Service-Public.fr",
            "Le site des démarches : à montrer à l'accueil.",
            "démarches en ligne",
            0usize,
        ),
        (
            "https://www.cnil.fr/fr/rgpd-de-quoi-parle-t-on",
            "RGPD : de quoi parle-t-on ?",
            "Pour lire les propositions des éditeurs.",
            "rgpd",
            1,
        ),
        (
            "https://fr.wikipedia.org/wiki/Veille_(information)",
            "Veille (information) — Wikipédia",
            "La séance sur la veille numérique.",
            "veille",
            4,
        ),
    ] {
        crate::veille::store::add_bookmark(
            db,
            org_id,
            cycle_id,
            &crate::veille::store::NewBookmark {
                url,
                title,
                description: "",
                comment,
                tags: &crate::committee::matching::tags(tags),
                added_by: &people.get(who).map(|p| p.full_name()).unwrap_or_default(),
            },
        )
        .await?;
    }
    for (url, title) in [
        ("https://www.cnil.fr/fr/rss.xml", "CNIL"),
        ("https://www.inclusion-numerique.fr/feed/", "Inclusion numérique"),
    ] {
        crate::veille::store::add_feed(
            db,
            org_id,
            cycle_id,
            &crate::veille::store::NewFeed { url, site_url: "", title, added_by: "Démonstration", next_fetch_at: t },
        )
        .await?;
    }
    for (i, kind, skill) in [
        (0usize, "offer", "Tableaux croisés dynamiques"),
        (2, "ask", "Classer mes courriels"),
        (5, "offer", "Filtres de courriels"),
    ] {
        if let Some(p) = people.get(i) {
            sqlx::query(
                "INSERT INTO mutual_posts (org_id, cycle_id, participant_id, kind, skill, details, created_at) VALUES ($1, $2, $3, $4, $5, '', $6)",
            )
            .bind(org_id)
            .bind(cycle_id)
            .bind(p.id)
            .bind(kind)
            .bind(skill)
            .bind(t)
            .execute(&db.pool)
            .await?;
        }
    }
    Ok(())
}
