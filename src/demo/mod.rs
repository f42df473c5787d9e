//! Demo data: one training organisation of the Charente with its coordinator, intervenants and a
//! few clients of different sectors, the ACUNUM catalogue, and a network admin. Also the
//! national-scale dataset of the benchmark.

mod assessment;
mod network;
mod records;

use network::demo_network;
use records::{demo_invoices, demo_past_training};

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
    (0..10).map(|d| format!("{first13}{d}")).find(|s| crate::ids::luhn(s)).unwrap_or_default()
}

/// True when the database holds no organisation yet.
pub async fn is_empty(db: &Db) -> Result<bool, AppError> {
    Ok(crate::org::store::count(db).await? == 0)
}

/// Loads the demo organisation. Fails (without writing) when the demo coordinator already exists.
/// The demo's directory of places: the France Services list (national open data, 2022-12-01).
pub async fn load_places(db: &Db) -> Result<(), AppError> {
    const FRANCE_SERVICES: &[u8] = include_bytes!("../../data/lieux/reels/liste-france-services-20221201.csv");
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

/// A cycle for the Grand Angoulême, in preparation: its group, rooms, and the culture training
/// and two conferences planned from the first working Monday a month from now.
async fn demo_cycle(db: &Db, org_id: i64, client_id: i64) -> Result<i64, AppError> {
    use crate::cycle::room::RoomInput;
    use crate::cycle::room::store::create as create_room;
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
