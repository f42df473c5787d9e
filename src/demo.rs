//! Demo data: one training organisation of the Charente with its coordinator, intervenants and a
//! few clients of different sectors, the ACUNUM catalogue, and a network admin. Also the
//! national-scale dataset of the benchmark.

use rust_decimal::Decimal;

use crate::auth::store::{NewUser, create_user};
use crate::auth::{Role, hash_password};
use crate::client::{ClientInput, ContactInput};
use crate::db::Db;
use crate::error::AppError;
use crate::intervenant::IntervenantInput;
use crate::org::OrgInput;

/// The demo logins, printed by `acunum demo` and `acunum serve --demo`.
pub const DEMO_PASSWORD: &str = "acunum-demo-2026";
pub const DEMO_ACCOUNTS: &[(&str, &str)] = &[
    ("coordination@demo.acunum.fr", "coordinatrice (Claire Martin)"),
    ("camille.durand@demo.acunum.fr", "médiatrice numérique (Camille Durand)"),
    ("admin@demo.acunum.fr", "administration du réseau"),
    ("m.lefevre@coop2charentes.test", "référent de la coopérative cliente (Marc Lefèvre)"),
];

/// Completes 13 digits with their Luhn key (for demo SIRET numbers that pass the check).
pub fn with_luhn_key(first13: &str) -> String {
    (0..10).map(|d| format!("{first13}{d}")).find(|s| crate::org::luhn_ok(s)).unwrap_or_default()
}

/// True when the database holds no organisation yet.
pub async fn is_empty(db: &Db) -> Result<bool, AppError> {
    Ok(crate::org::store::count(db).await? == 0)
}

/// Loads the demo organisation. Fails (without writing) when the demo coordinator already exists.
/// The demo's directory of places: the France Services list (national open data, 2022-12-01).
pub async fn load_places(db: &Db) -> Result<(), AppError> {
    const FRANCE_SERVICES: &[u8] = include_bytes!("../data/lieux/reels/liste-france-services-20221201.csv");
    let org = crate::org::store::by_slug(db, "mediations-numeriques-de-charente").await?;
    match crate::places::import::import(
        db,
        org.id,
        FRANCE_SERVICES,
        "liste-france-services-20221201.csv",
        "démonstration",
    )
    .await
    {
        Ok(_) => Ok(()),
        Err(crate::places::import::ImportError::Db(e)) => Err(e),
        Err(crate::places::import::ImportError::Refused(why)) => Err(AppError::Internal(anyhow::anyhow!(why))),
    }
}

pub async fn load(db: &Db) -> Result<(), AppError> {
    if crate::auth::store::user_by_email(db, DEMO_ACCOUNTS[0].0).await?.is_some() {
        return Err(AppError::Conflict("Les données de démonstration sont déjà chargées.".into()));
    }
    let hash = tokio::task::spawn_blocking(|| hash_password(DEMO_PASSWORD))
        .await
        .map_err(|e| AppError::Internal(e.into()))??;
    let org = crate::org::store::create(
        db,
        &OrgInput {
            name: "Médiations Numériques de Charente".into(),
            siret: with_luhn_key("9123456780001"),
            nda: "75160123416".into(),
            vat_exempt: true,
            address: "12 rue de la Cloche Verte".into(),
            postal_code: "16000".into(),
            city: "Angoulême".into(),
            email: "contact@demo.acunum.fr".into(),
            phone: "05 45 00 00 00".into(),
            website: "https://demo.acunum.fr".into(),
            pedagogical_contact: "Claire Martin, coordination@demo.acunum.fr, 05 45 00 00 01".into(),
            handicap_contact: "Karim Benali, handicap@demo.acunum.fr, 05 45 00 00 02".into(),
            ..Default::default()
        },
    )
    .await?;
    crate::catalogue::store::seed_default(db, org.id).await?;
    create_user(
        db,
        NewUser {
            org_id: Some(org.id),
            email: DEMO_ACCOUNTS[0].0,
            name: "Claire Martin",
            role: Role::Coordinator,
            password_hash: &hash,
        },
    )
    .await?;
    let camille = create_user(
        db,
        NewUser {
            org_id: Some(org.id),
            email: DEMO_ACCOUNTS[1].0,
            name: "Camille Durand",
            role: Role::Intervenant,
            password_hash: &hash,
        },
    )
    .await?;
    create_user(
        db,
        NewUser {
            org_id: None,
            email: DEMO_ACCOUNTS[2].0,
            name: "Administration du réseau",
            role: Role::Admin,
            password_hash: &hash,
        },
    )
    .await?;

    let intervenants = [
        (
            "Camille",
            "Durand",
            true,
            false,
            "Espace Public Numérique de la Médiathèque l'Alpha",
            "1 rue Coulomb",
            "16000",
            "Angoulême",
            45.6484,
            0.1562,
            vec!["sante", "social", "administration"],
            "420.00",
            "**Médiatrice numérique** depuis 2012 à l'EPN de l'Alpha.\n\n- Animation d'ateliers d'inclusion numérique pour tous publics\n- Formation des agents de collectivités à la culture numérique\n- DU « Médiation numérique » (2015)",
        ),
        (
            "Yanis",
            "Moreau",
            false,
            true,
            "Fablab Le Garage",
            "5 rue de Bellefonds",
            "16100",
            "Cognac",
            45.6958,
            -0.3287,
            vec!["industrie", "agriculture", "commerce"],
            "380.00",
            "**Animateur multimédia** au fablab Le Garage.\n\n- Veille partagée, médias sociaux, outils collaboratifs\n- Accompagnement de TPE et de coopératives agricoles",
        ),
        (
            "Sophie",
            "Lambert",
            true,
            true,
            "Tiers-lieu La Mutualité",
            "8 place du Champ de Foire",
            "16700",
            "Ruffec",
            46.0296,
            0.1979,
            vec!["juridique", "ess", "education"],
            "450.00",
            "Médiatrice numérique et animatrice multimédia, coordinatrice d'un tiers-lieu rural.\n\n- Accompagnement d'ordres professionnels et d'associations\n- Contributrice Wikipédia",
        ),
        (
            "Hugo",
            "Petit",
            true,
            false,
            "Centre social Le Chemin du Hérisson",
            "3 rue du Hérisson",
            "16500",
            "Confolens",
            46.0136,
            0.6717,
            vec!["social", "sante"],
            "360.00",
            "Médiateur numérique en centre social : identités numériques, vie privée, parentalité numérique.",
        ),
    ];
    for (i, (first, last, med, anim, place, addr, pc, city, lat, lon, sectors, rate, cv)) in
        intervenants.into_iter().enumerate()
    {
        let created = crate::intervenant::store::create(
            db,
            org.id,
            &IntervenantInput {
                first_name: first.into(),
                last_name: last.into(),
                email: format!("{}.{}@demo.acunum.fr", crate::org::slugify(first), crate::org::slugify(last)),
                phone: format!("06 12 34 56 {:02}", 70 + i),
                is_mediator: med,
                is_animator: anim,
                place_name: place.into(),
                address: addr.into(),
                postal_code: pc.into(),
                city: city.into(),
                latitude: Some(lat),
                longitude: Some(lon),
                sectors: sectors.into_iter().map(String::from).collect(),
                cv: cv.into(),
                daily_rate: rate.parse::<Decimal>().unwrap_or_default(),
                active: true,
            },
        )
        .await?;
        if i == 0 {
            crate::intervenant::store::link_user(db, org.id, created.id, Some(camille.id)).await?;
        }
    }

    let clients = [
        (
            "Centre hospitalier d'Angoulême",
            "sante",
            "etablissement_public",
            "Rond-point de Girac",
            "16470",
            "Saint-Michel",
            45.6317,
            0.1133,
            "2616000130000",
            vec![("Nathalie Roux", "Directrice des soins", "n.roux@ch-angouleme.test")],
        ),
        (
            "Grand Angoulême, communauté d'agglomération",
            "administration",
            "collectivite",
            "25 boulevard Besson Bey",
            "16000",
            "Angoulême",
            45.6500,
            0.1600,
            "2001627580001",
            vec![
                ("Julien Faure", "Directeur de la transformation numérique", "j.faure@grandangouleme.test"),
                ("Inès Garnier", "Responsable formation", "i.garnier@grandangouleme.test"),
            ],
        ),
        (
            "Ordre des avocats du barreau de Charente",
            "juridique",
            "ordre",
            "Palais de justice, 1 rue de Turenne",
            "16000",
            "Angoulême",
            45.6493,
            0.1555,
            "",
            vec![("Me Paul Girard", "Bâtonnier", "batonnier@barreau-charente.test")],
        ),
        (
            "Fédération des centres sociaux de Charente",
            "social",
            "federation",
            "10 rue Saint-Roch",
            "16100",
            "Cognac",
            45.6950,
            -0.3300,
            "",
            vec![("Aïcha Diallo", "Déléguée fédérale", "a.diallo@centres-sociaux16.test")],
        ),
        (
            "Coopérative agricole des Deux-Charentes",
            "agriculture",
            "entreprise",
            "Zone d'activités des Pierrières",
            "16300",
            "Barbezieux-Saint-Hilaire",
            45.4728,
            -0.1536,
            "4401234560001",
            vec![("Marc Lefèvre", "Responsable des systèmes d'information", "m.lefevre@coop2charentes.test")],
        ),
        (
            "Syndicat des artisans du bâtiment de Charente",
            "btp",
            "syndicat",
            "2 avenue de Cognac",
            "16400",
            "La Couronne",
            45.6080,
            0.1000,
            "",
            vec![],
        ),
    ];
    let clients_len = clients.len();
    let mut client_ids: Vec<i64> = Vec::new();
    for (name, sector, kind, addr, pc, city, lat, lon, siret13, contacts) in clients {
        let c = crate::client::store::create(
            db,
            org.id,
            &ClientInput {
                name: name.into(),
                siret: if siret13.is_empty() { String::new() } else { with_luhn_key(siret13) },
                sector: sector.into(),
                kind: kind.into(),
                address: addr.into(),
                postal_code: pc.into(),
                city: city.into(),
                latitude: Some(lat),
                longitude: Some(lon),
                ..Default::default()
            },
        )
        .await?;
        for (cname, job, email) in contacts {
            crate::client::store::add_contact(
                db,
                org.id,
                c.id,
                &ContactInput { name: cname.into(), job_title: job.into(), email: email.into(), phone: String::new() },
            )
            .await?;
        }
        client_ids.push(c.id);
    }
    // The cooperative's référent sees its documents.
    let coop = client_ids[clients_len - 2];
    let marc = crate::auth::store::create_user(
        db,
        NewUser {
            org_id: Some(org.id),
            email: DEMO_ACCOUNTS[3].0,
            name: "Marc Lefèvre",
            role: Role::ClientContact,
            password_hash: &hash,
        },
    )
    .await?;
    crate::auth::store::set_client(db, org.id, marc.id, coop).await?;
    if let Some(k) = crate::client::store::contacts(db, org.id, coop).await?.first() {
        crate::client::store::set_contact_user(db, org.id, k.id, marc.id).await?;
    }
    let cycle = demo_cycle(db, org.id, client_ids[1]).await?;
    let past = demo_past_training(db, org.id, coop).await?;
    demo_invoices(db, org.id, coop, past).await?;
    demo_network(db, org.id, cycle, past).await
}

/// The money trail of the cooperative's past training: its quote (the OPCO OCAPIAT pays half under
/// subrogation) accepted a month before, the deposit at the signature (paid), after the training
/// the final invoice (partly paid, overdue, with its reminder in the outbox) and the OPCO's invoice,
/// and a credit note.
async fn demo_invoices(db: &Db, org_id: i64, coop: i64, cycle_id: i64) -> Result<(), AppError> {
    use crate::invoice::service;
    let day = 86_400;
    crate::invoice::store::set_billing(
        db,
        org_id,
        &crate::invoice::store::Billing {
            iban: "FR7630006000011234567890189".into(),
            bic: "AGRIFRPP".into(),
            reminder_days: "7,30".into(),
            ..Default::default()
        },
    )
    .await?;
    let sessions = crate::cycle::store::sessions(db, org_id, cycle_id).await?;
    let first = sessions.iter().map(|s| s.start_at).min().unwrap_or(0);
    let last = sessions.iter().map(|s| s.end_at).max().unwrap_or(0);
    let date = |ts: i64| service::day_of(ts);
    let culture = crate::catalogue::store::list(db, org_id, false)
        .await?
        .into_iter()
        .find(|m| m.kind == crate::catalogue::ModuleKind::CultureTraining)
        .ok_or(AppError::NotFound)?;
    let coordinator = crate::auth::store::user_by_email(db, DEMO_ACCOUNTS[0].0).await?.ok_or(AppError::NotFound)?;
    let quote = crate::quote::service::create(
        db,
        org_id,
        coordinator.id,
        crate::quote::QuoteInput {
            client_id: coop,
            title: "Formation aux cultures numériques de la coopérative".into(),
            participants: 8,
            structures: 1,
            start_date: Some(date(first)),
            end_date: Some(date(last)),
            location: "Barbezieux-Saint-Hilaire".into(),
            items: vec![crate::quote::ItemInput { module_id: culture.id, ..Default::default() }],
            funding: Some(crate::quote::FundingInput {
                opco_name: "OCAPIAT".into(),
                file_number: "OCA-2026-0417".into(),
                mode: crate::quote::FundingMode::Share,
                share_percent: rust_decimal::Decimal::from(50),
                subrogation: true,
                opco_siren: "851296632".into(),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .await?;
    let (_, link) = crate::quote::service::send(db, org_id, quote.id, "").await?;
    let token = link.rsplit('/').next().unwrap_or_default().to_string();
    crate::quote::store::decide(db, &token, true, "Marc Lefèvre, responsable des systèmes d'information", "").await?;
    // Sent five weeks before the training, accepted a week later: the demo's history.
    let (sent, accepted) = (first - 35 * day, first - 28 * day);
    sqlx::query("UPDATE quotes SET sent_at = $1, decided_at = $2, updated_at = $2 WHERE id = $3")
        .bind(sent)
        .bind(accepted)
        .bind(quote.id)
        .execute(&db.pool)
        .await?;
    sqlx::query("UPDATE cycles SET quote_id = $1 WHERE id = $2")
        .bind(quote.id)
        .bind(cycle_id)
        .execute(&db.pool)
        .await?;
    let state = |at: i64| crate::state::AppState {
        db: db.clone(),
        config: std::sync::Arc::new(crate::config::Config::default()),
        clock: crate::clock::Clock::fixed(at),
    };
    let user = crate::auth::CurrentUser { user: coordinator, via_token: false };
    let deposit = service::deposit(&state(accepted + 3600), &user, quote.id, rust_decimal::Decimal::from(30)).await?;
    let paid = |d: rust_decimal::Decimal| d.to_string();
    service::pay(
        &state(accepted + 12 * day),
        &user,
        deposit.id,
        &date(accepted + 12 * day).format("%Y-%m-%d").to_string(),
        &paid(deposit.total_ttc),
        "virement",
        "VIR COOP 2CHARENTES ACOMPTE",
    )
    .await?;
    let after = last + 3 * day;
    let fin = service::final_invoice(&state(after), &user, quote.id, false).await?;
    service::opco_invoice(&state(after + 600), &user, quote.id).await?;
    // The half-day Hugo Lambert was excused: a gesture, by a credit note.
    let credit = rust_decimal::Decimal::from(120);
    service::credit_note(
        &state(after + 2 * day),
        &user,
        fin.id,
        Some(credit),
        "Geste commercial : demi-journée manquée par un stagiaire excusé",
    )
    .await?;
    let part = crate::money::cents((fin.total_ttc - credit) / rust_decimal::Decimal::from(2));
    service::pay(
        &state(after + 20 * day),
        &user,
        fin.id,
        &date(after + 20 * day).format("%Y-%m-%d").to_string(),
        &paid(part),
        "cheque",
        "Chèque n° 0004521",
    )
    .await?;
    // Overdue now: its reminder waits in the outbox.
    service::remind_overdue(&state(crate::db::now())).await?;
    Ok(())
}

/// The committee's phase 3 in the demo: the Grand Angoulême's action plan (with the problems it
/// answers), a vendor's proposal to read, the école mutuelle, and the TICA network where the
/// cooperative published how it tamed its mail.
async fn demo_network(db: &Db, org_id: i64, cycle_id: i64, past_id: i64) -> Result<(), AppError> {
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
    crate::proposal::add(
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

/// A culture training given two months ago for the cooperative: its sheets signed and closed (one
/// absent morning), its « à chaud » survey answered, so that certificates, results, indicators and
/// the BPF have something to show.
async fn demo_past_training(db: &Db, org_id: i64, client_id: i64) -> Result<i64, AppError> {
    use crate::attendance::Status;
    use crate::attendance::store::{self as att, NewMark};
    use crate::cycle::service::{ParticipantInput, add_participant, plan_module};
    let culture = crate::catalogue::store::list(db, org_id, false)
        .await?
        .into_iter()
        .find(|m| m.kind == crate::catalogue::ModuleKind::CultureTraining)
        .ok_or(AppError::NotFound)?;
    let version = crate::catalogue::store::version(db, org_id, culture.id, culture.version).await?.id;
    let cycle = crate::cycle::store::create(
        db,
        org_id,
        client_id,
        "Cycle ACUNUM de la coopérative (formation passée)",
        "Sud Charente",
        "Europe/Paris",
        None,
        &[version],
    )
    .await?;
    let people = [
        ("Sarah", "Petit", "Comptable", "Finances"),
        ("Lucas", "Morel", "Technicien", "Systèmes d'information"),
        ("Marion", "Chevalier", "Assistante", "Direction"),
        ("Hugo", "Lambert", "Conseiller agricole", "Terrain"),
        ("Léa", "Fontaine", "Chargée de communication", "Communication"),
        ("Nicolas", "Rousseau", "Magasinier", "Logistique"),
        ("Claire", "Vincent", "Responsable qualité", "Qualité"),
        ("Yann", "Mercier", "Commercial", "Ventes"),
    ];
    for (first, last, job, service) in people {
        add_participant(
            db,
            org_id,
            &cycle,
            &ParticipantInput {
                first_name: first.into(),
                last_name: last.into(),
                email: format!("{}.{}@demo-coop.acunum.fr", crate::org::slugify(first), crate::org::slugify(last)),
                job: job.into(),
                service: service.into(),
                structure: "Coopérative agricole des Deux-Charentes".into(),
                ..Default::default()
            },
        )
        .await?;
    }
    let cm = crate::cycle::store::modules(db, org_id, cycle.id).await?[0].id;
    let mut monday = crate::quote::today() - chrono::Days::new(63);
    while chrono::Datelike::weekday(&monday) != chrono::Weekday::Mon {
        monday = monday.pred_opt().unwrap_or(monday);
    }
    let params = crate::cycle::planning::PlanParams {
        start_date: monday,
        rhythm: crate::cycle::planning::Rhythm::Daily,
        start_time: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
        count: None,
        room_id: None,
        intervenant_id: None,
    };
    plan_module(db, org_id, &cycle, cm, &params, true).await?;
    let group = crate::cycle::store::participants(db, org_id, cycle.id).await?;
    let coordinator =
        crate::auth::store::user_by_email(db, DEMO_ACCOUNTS[0].0).await?.map(|u| u.id).ok_or(AppError::NotFound)?;
    let mut n = 0;
    for s in crate::cycle::store::sessions(db, org_id, cycle.id).await? {
        for h in att::ensure(db, org_id, &s).await? {
            for p in &group {
                let absent = n == 2 && p.last_name == "Lambert";
                let status = if absent { Status::Excused } else { Status::Present };
                let reason = if absent { "Rendez-vous médical" } else { "" };
                let mark = NewMark {
                    participant_id: p.id,
                    status,
                    reason,
                    late_minutes: 0,
                    signature: None,
                    method: "trainer",
                    actor: "Camille Durand (intervenant·e)",
                    ip: "",
                    // Noted during the half-day, dated when it happened.
                    at: h.start_at + 15 * 60,
                    correction: "",
                };
                att::add(db, org_id, h.id, &mark).await?;
            }
            att::lock(db, org_id, h.id, coordinator, "Camille Durand", "", h.end_at).await?;
            n += 1;
        }
    }
    let q = crate::survey::store::questionnaire(db, org_id, crate::survey::Audience::ParticipantHot).await?;
    let last_end =
        crate::cycle::store::sessions(db, org_id, cycle.id).await?.iter().map(|s| s.end_at).max().unwrap_or(0);
    let words = [
        "Très concret, j'ai enfin compris les réseaux sociaux.",
        "",
        "Un peu dense le troisième jour.",
        "",
        "Utile pour toute l'équipe.",
        "",
        "",
        "",
    ];
    for (i, p) in group.iter().enumerate() {
        let Some(inv) = crate::survey::store::invite(
            db,
            org_id,
            cm,
            crate::survey::Kind::Hot,
            &q,
            &p.full_name(),
            &p.email,
            last_end,
        )
        .await?
        else {
            continue;
        };
        if i == 7 {
            continue;
        }
        let mut answers = std::collections::BTreeMap::new();
        for question in &q.questions {
            let a = match question.kind {
                crate::survey::QuestionKind::Scale => crate::survey::Answer::Mark(if i % 3 == 0 { 5 } else { 4 }),
                crate::survey::QuestionKind::YesNo => crate::survey::Answer::YesNo(i != 2),
                crate::survey::QuestionKind::Text => crate::survey::Answer::Text(words[i].into()),
            };
            answers.insert(question.id.clone(), a);
        }
        crate::survey::store::respond(db, &inv, &answers).await?;
    }
    // The certificates were issued the day after the last session.
    let ma = crate::attendance::documents::module_attendance(db, org_id, cycle.id, cm).await?;
    let issuer = crate::attendance::documents::Issuer::load(db, org_id).await?;
    let issued_at = last_end + 86_400;
    for p in &ma.people {
        for (kind, _) in crate::attendance::certificates::KINDS {
            let content = crate::attendance::documents::certificate_content(&issuer, &ma, p, kind, issued_at)?;
            att::issue_certificate(
                db,
                org_id,
                &att::NewCertificate {
                    cycle_id: cycle.id,
                    cycle_module_id: cm,
                    participant_id: p.id,
                    kind,
                    issued_at,
                    issued_by: Some(coordinator),
                    attended_minutes: ma.attended(p.id),
                    planned_minutes: ma.planned_minutes(),
                    content: &content.to_string(),
                },
            )
            .await?;
        }
    }
    Ok(cycle.id)
}

/// A cycle for the Grand Angoulême, in preparation: its group, rooms, and the culture training
/// and two conferences planned from the first working Monday a month from now.
async fn demo_cycle(db: &Db, org_id: i64, client_id: i64) -> Result<i64, AppError> {
    use crate::cycle::room::{RoomInput, create as create_room};
    use crate::cycle::service::{ParticipantInput, add_participant, plan_module};
    let training = create_room(
        db,
        org_id,
        &RoomInput {
            client_id: Some(client_id),
            name: "Salle informatique de l'Hôtel communautaire".into(),
            kind: "training".into(),
            address: "25 boulevard Besson Bey".into(),
            postal_code: "16000".into(),
            city: "Angoulême".into(),
            capacity: Some(12),
            ready: crate::catalogue::acunum::TRAINING_ROOM.iter().take(4).map(|s| s.to_string()).collect(),
            practical: "Accueil au rez-de-chaussée ; demander Inès Garnier.".into(),
        },
    )
    .await?;
    let conference = create_room(
        db,
        org_id,
        &RoomInput {
            client_id: Some(client_id),
            name: "Auditorium".into(),
            kind: "conference".into(),
            address: "25 boulevard Besson Bey".into(),
            postal_code: "16000".into(),
            city: "Angoulême".into(),
            capacity: Some(80),
            ready: crate::catalogue::acunum::CONFERENCE_ROOM.iter().map(|s| s.to_string()).collect(),
            practical: String::new(),
        },
    )
    .await?;
    let mut versions = Vec::new();
    for m in crate::catalogue::store::list(db, org_id, false).await? {
        versions.push(crate::catalogue::store::version(db, org_id, m.id, m.version).await?.id);
    }
    let cycle = crate::cycle::store::create(
        db,
        org_id,
        client_id,
        "Cycle ACUNUM du Grand Angoulême",
        "Angoumois",
        "Europe/Paris",
        None,
        &versions,
    )
    .await?;
    let people = [
        ("Inès", "Garnier", "Responsable formation", "Ressources humaines", "Grand Angoulême"),
        ("Julien", "Faure", "Chef de projet", "Transformation numérique", "Grand Angoulême"),
        ("Nathalie", "Roux", "Cadre de santé", "Soins", "Centre hospitalier d'Angoulême"),
        ("Karim", "Haddad", "Infirmier", "Urgences", "Centre hospitalier d'Angoulême"),
        ("Élodie", "Bernard", "Assistante sociale", "Action sociale", "Fédération des centres sociaux"),
        ("Thomas", "Leroy", "Animateur", "Jeunesse", "Fédération des centres sociaux"),
        ("Sarah", "Petit", "Comptable", "Finances", "Coopérative agricole des Deux-Charentes"),
        ("Lucas", "Morel", "Technicien", "Systèmes d'information", "Coopérative agricole des Deux-Charentes"),
        ("Amina", "Diallo", "Avocate", "Cabinet", "Ordre des avocats du barreau de Charente"),
        ("Paul", "Girard", "Artisan", "Direction", "Syndicat des artisans du bâtiment de Charente"),
    ];
    for (i, (first, last, job, service, structure)) in people.into_iter().enumerate() {
        add_participant(
            db,
            org_id,
            &cycle,
            &ParticipantInput {
                first_name: first.into(),
                last_name: last.into(),
                email: format!(
                    "{}.{}@demo-participants.acunum.fr",
                    crate::org::slugify(first),
                    crate::org::slugify(last)
                ),
                job: job.into(),
                service: service.into(),
                structure: structure.into(),
                committee: i % 3 != 2,
                ..Default::default()
            },
        )
        .await?;
    }
    let modules = crate::cycle::store::modules(db, org_id, cycle.id).await?;
    let mut monday = crate::quote::today() + chrono::Days::new(30);
    while chrono::Datelike::weekday(&monday) != chrono::Weekday::Mon {
        monday = monday.succ_opt().unwrap_or(monday);
    }
    let all = crate::web::list::Listing::new(&Default::default(), &crate::intervenant::store::SORT);
    let mediator = crate::intervenant::store::list(db, org_id, &all, &Default::default())
        .await?
        .0
        .into_iter()
        .find(|i| i.last_name == "Durand")
        .map(|i| i.id);
    let params =
        |start: chrono::NaiveDate, hour: u32, count: Option<i64>, room: i64| crate::cycle::planning::PlanParams {
            start_date: start,
            rhythm: crate::cycle::planning::Rhythm::Daily,
            start_time: chrono::NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default(),
            count,
            room_id: Some(room),
            intervenant_id: mediator,
        };
    for m in &modules {
        match m.kind {
            crate::catalogue::ModuleKind::CultureTraining => {
                plan_module(db, org_id, &cycle, m.id, &params(monday, 9, None, training.id), true).await?;
            }
            crate::catalogue::ModuleKind::Conference => {
                for offset in [1u64, 3] {
                    plan_module(
                        db,
                        org_id,
                        &cycle,
                        m.id,
                        &params(monday + chrono::Days::new(offset), 18, Some(1), conference.id),
                        true,
                    )
                    .await?;
                }
            }
            _ => {}
        }
    }
    Ok(cycle.id)
}

/// Sizes of the national-scale benchmark dataset.
pub struct Scale {
    pub orgs: usize,
    pub clients: usize,
    pub intervenants: usize,
    pub users: usize,
}

/// Generates a national-scale dataset with multi-row inserts (the benchmark's, not for production).
/// Every generated user has the password `bench-password`.
pub async fn generate(db: &Db, scale: &Scale, progress: impl Fn(&str, usize, usize)) -> anyhow::Result<()> {
    let hash = hash_password("bench-password")?;
    let t = crate::db::now();
    let first = sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM organisations")
        .fetch_one(&db.pool)
        .await?
        .unwrap_or(0);
    let sectors = crate::sector::SECTORS;
    let kinds = crate::sector::CLIENT_KINDS;
    let cities = [
        ("16000", "Angoulême", 45.65, 0.16),
        ("75011", "Paris", 48.857, 2.38),
        ("69003", "Lyon", 45.76, 4.85),
        ("13001", "Marseille", 43.30, 5.38),
        ("59000", "Lille", 50.63, 3.06),
        ("97400", "Saint-Denis", -20.88, 55.45),
        ("98800", "Nouméa", -22.27, 166.44),
        ("29200", "Brest", 48.39, -4.49),
    ];
    let mut tx = db.pool.begin().await?;
    for i in 0..scale.orgs {
        let name = format!("Organisme de formation {:04}", i + 1);
        sqlx::query(
            "INSERT INTO organisations (slug, name, vat_exempt, created_at, updated_at) VALUES ($1, $2, TRUE, $3, $3)",
        )
        .bind(format!("bench-{}-{}", first + 1, i + 1))
        .bind(&name)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    progress("organisations", scale.orgs, scale.orgs);
    let org_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM organisations WHERE id > $1 ORDER BY id")
        .bind(first)
        .fetch_all(&db.pool)
        .await?;
    let org_of = |i: usize| org_ids[i % org_ids.len()];

    const BATCH: usize = 500;
    let mut done = 0;
    while done < scale.clients {
        let n = BATCH.min(scale.clients - done);
        let mut sql = String::from(
            "INSERT INTO clients (org_id, name, siret, sector, kind, address, postal_code, city, latitude, longitude, email, phone, notes, search, created_at, updated_at) VALUES ",
        );
        for k in 0..n {
            let i = done + k;
            let (pc, city, lat, lon) = cities[i % cities.len()];
            let name = format!("Structure cliente {i:05}");
            if k > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "({}, '{name}', '', '{}', '{}', '{} rue de la République', '{pc}', '{}', {lat}, {lon}, 'contact{i}@client.test', '', '', '{}', {}, {})",
                org_of(i), sectors[i % sectors.len()].0, kinds[i % kinds.len()].0, i % 200 + 1, city.replace('\'', "''"),
                crate::text::search_key(&format!("{name} {city} {pc}")).replace('\'', "''"), t - i as i64, t - i as i64
            ));
        }
        sqlx::query(&sql).execute(&db.pool).await?;
        done += n;
        progress("clients", done, scale.clients);
    }
    done = 0;
    while done < scale.intervenants {
        let n = BATCH.min(scale.intervenants - done);
        let mut sql = String::from(
            "INSERT INTO intervenants (org_id, first_name, last_name, email, phone, is_mediator, is_animator, place_name, address, postal_code, city, latitude, longitude, sectors, cv, daily_rate, active, search, created_at, updated_at) VALUES ",
        );
        for k in 0..n {
            let i = done + k;
            let (pc, city, lat, lon) = cities[(i * 3) % cities.len()];
            if k > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "({}, 'Prénom{i}', 'Nom{i}', 'intervenant{i}@bench.test', '', {}, {}, 'EPN {i}', '', '{pc}', '{}', {lat}, {lon}, '{}', '', '350.00', TRUE, '{}', {t}, {t})",
                org_of(i), if i % 2 == 0 { "TRUE" } else { "FALSE" }, if i % 2 == 1 { "TRUE" } else { "FALSE" },
                city.replace('\'', "''"), sectors[i % sectors.len()].0, crate::text::search_key(&format!("nom{i} prénom{i} epn {i} {city}")).replace('\'', "''")
            ));
        }
        sqlx::query(&sql).execute(&db.pool).await?;
        done += n;
        progress("intervenants", done, scale.intervenants);
    }
    done = 0;
    while done < scale.users {
        let n = BATCH.min(scale.users - done);
        let mut q = String::from(
            "INSERT INTO users (org_id, email, name, role, password_hash, active, created_at, updated_at) VALUES ",
        );
        for k in 0..n {
            let i = done + k;
            if k > 0 {
                q.push(',');
            }
            let role = if i % org_ids.len() == i {
                Role::Coordinator
            } else {
                [Role::Intervenant, Role::Participant, Role::ClientContact][i % 3]
            };
            q.push_str(&format!(
                "({}, 'user{}-{i}@bench.test', 'Utilisateur {i}', '{}', '{hash}', TRUE, {t}, {t})",
                org_of(i),
                first,
                role.as_str()
            ));
        }
        sqlx::query(&q).execute(&db.pool).await?;
        done += n;
        progress("utilisateurs", done, scale.users);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_sirets_pass_the_luhn_check() {
        let s = with_luhn_key("9123456780001");
        assert_eq!(s.len(), 14);
        assert!(crate::org::is_siret(&s));
    }
}
