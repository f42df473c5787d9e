//! Isolation: a user of another organisation walks every route of the router against an
//! organisation's records, and is refused each time; nothing of the organisation changes.

use acunum::app::{Access, AppState, route_table};

use crate::both_databases;
use crate::helpers::{Backend, OrgFixture, TestApp, seed_org};

both_databases!(every_route_refuses_another_organisations_records);

pub struct Ids {
    pub module_content: acunum::catalogue::ModuleContent,
    pub client_id: i64,
    pub client: i64,
    pub contact: i64,
    pub intervenant: i64,
    pub module: i64,
    pub user: i64,
    pub token: i64,
    pub quote: i64,
    pub room: i64,
    pub cycle: i64,
    pub cycle_module: i64,
    pub session: i64,
    pub participant: i64,
    pub registration: i64,
    pub half: i64,
    pub complaint: i64,
    pub vote: i64,
    pub commitment: i64,
    pub action: i64,
    pub proposal: i64,
    pub post: i64,
    pub retour: i64,
    pub link: i64,
    pub bookmark: i64,
    pub feed: i64,
    pub entry: i64,
    pub place: i64,
    pub place_import: i64,
    pub notepad: i64,
    pub rev: i64,
    pub invoice: i64,
    pub payment: i64,
}

pub fn fill(path: &str, ids: &Ids) -> String {
    let (first, second) = if path.contains("/cycles/") {
        (ids.cycle, 0)
    } else if path.contains("/clients/") {
        (ids.client, ids.contact)
    } else if path.contains("/intervenants/") {
        (ids.intervenant, 0)
    } else if path.contains("/catalogue/") || path.contains("/modules/") {
        (ids.module, 1)
    } else if path.contains("/jetons/") || path.contains("/tokens/") {
        (ids.token, 0)
    } else if path.contains("/utilisateurs/") || path.contains("/users/") {
        (ids.user, 0)
    } else if path.contains("/devis/") || path.contains("/quotes/") {
        (ids.quote, 1)
    } else if path.contains("/salles/") || path.contains("/rooms/") {
        (ids.room, 0)
    } else if path.contains("/reclamations/") || path.contains("/complaints/") {
        (ids.complaint, 0)
    } else if path.contains("/seances/") {
        (ids.session, 0)
    } else if path.contains("/lieux/imports/") || path.contains("/places/imports/") {
        (ids.place_import, 0)
    } else if path.contains("/lieux/") || path.contains("/places/") {
        (ids.place, 0)
    } else if path.contains("/factures/") || path.contains("/invoices/") {
        (ids.invoice, ids.payment)
    } else if path.contains("/payments/") {
        (ids.payment, 0)
    } else {
        (0, 0)
    };
    let filled = path
        .replace("{id}", &first.to_string())
        .replace("{contact}", &second.to_string())
        .replace("{version}", &second.to_string())
        .replace("{module}", &ids.cycle_module.to_string())
        .replace("{session}", &ids.session.to_string())
        .replace("{participant}", &ids.participant.to_string())
        .replace("{registration}", &ids.registration.to_string())
        .replace("{half}", &ids.half.to_string())
        .replace("{kind}", if path.contains("enquetes") || path.contains("surveys") { "hot" } else { "realisation" })
        .replace("{audience}", "participant_hot")
        .replace("{vote}", &ids.vote.to_string())
        .replace("{commitment}", &ids.commitment.to_string())
        .replace("{action}", &ids.action.to_string())
        .replace("{proposal}", &ids.proposal.to_string())
        .replace("{post}", &ids.post.to_string())
        .replace("{retour}", &ids.retour.to_string())
        .replace("{link}", &ids.link.to_string())
        .replace("{bookmark}", &ids.bookmark.to_string())
        .replace("{feed}", &ids.feed.to_string())
        .replace("{entry}", &ids.entry.to_string())
        .replace("{notepad}", &ids.notepad.to_string())
        .replace("{rev}", &ids.rev.to_string())
        .replace("{certificate}", "1")
        .replace("{payment}", &ids.payment.to_string())
        .replace("{phase}", "positioning")
        .replace("{assessment}", "1");
    assert!(!filled.contains('{'), "no id for {path}");
    filled
}

/// A one-pixel PNG, as a signature drawn on a canvas.
pub const SIGNATURE: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

const MARKERS: [&str; 14] = [
    "SECRET-NOTEPAD-A",
    "SECRET-PLACE-A",
    "SECRET-BOOKMARK-A",
    "SECRET-ENTRY-A",
    "SECRET-RETOUR-A",
    "SECRET-PROPOSAL-A",
    "SECRET-SKILL-A",
    "SECRET-TAG-A",
    "SECRET-CLIENT-A",
    "SECRET-INTERVENANT-A",
    "secret-user-a@",
    "SECRET-CONTACT-A",
    "SECRET-QUOTE-A",
    "SECRET-COMPLAINT-A",
];

/// What a walk sends: a form for the pages, a JSON body for the API, both read as valid by every
/// route, so that only the access checks can refuse.
pub struct Caller {
    pub web: reqwest::Client,
    pub csrf: String,
    pub bearer: String,
    pub api: reqwest::Client,
}

impl Caller {
    pub async fn of(app: &TestApp, email: &str) -> Caller {
        let web = app.logged_in(email).await;
        let csrf = app.csrf(&web).await;
        let bearer = app.token_for(email).await;
        Caller { web, csrf, bearer, api: app.api() }
    }

    pub async fn send(&self, app: &TestApp, ids: &Ids, method: &str, template: &str) -> (u16, String) {
        let path = fill(template, ids);
        let is_api = template.starts_with("/api/");
        let participant_id = ids.participant.to_string();
        let (web, csrf, bearer, api) = (&self.web, self.csrf.as_str(), &self.bearer, &self.api);
        let module_content = &ids.module_content;
        let client_id = ids.client_id;
        let participant = ids.participant;
        let fields = [
            ("name", "Intrusion"),
            ("start_date", "2031-02-03"),
            ("start_time", "09:00"),
            ("date", "2031-02-03"),
            ("end_time", "12:00"),
            ("action", "comite"),
            ("first_name", "Intrusion"),
            ("last_name", "Intrusion"),
            ("sector", "sante"),
            ("kind", "entreprise"),
            ("is_mediator", "on"),
            ("title", "Intrusion"),
            ("unit", "day"),
            ("unit_count", "1"),
            ("unit_hours", "7"),
            ("price", "1"),
            ("price_basis", "per_day"),
            ("published", "on"),
            ("participant_id", participant_id.as_str()),
            ("status", "present"),
            ("trainer_name", "Intrusion"),
            ("signature", SIGNATURE),
            ("received_at", "2031-02-03"),
            ("author", "Intrusion"),
            ("channel", "email"),
            ("subject", "Intrusion"),
            ("description", "Intrusion"),
            ("what", "Intrusion"),
            ("text", "Intrusion"),
            ("day", "2031-02-03"),
            ("duration", "60"),
            ("closes_on", "2031-02-03"),
            ("category", "other"),
            ("paid_on", "2026-01-05"),
            ("amount", "1"),
            ("means", "virement"),
            ("_csrf", csrf),
        ];
        // One body that every route reads as valid, so that only the organisation check can refuse.
        let mut body = serde_json::to_value(module_content).unwrap();
        for (k, v) in [
            ("start_date", "2031-02-03".into()),
            ("start_time", "09:00".into()),
            ("date", "2031-02-03".into()),
            ("end_time", "12:00".into()),
            ("committee", true.into()),
            ("name", "Intrusion".into()),
            ("sector", "sante".into()),
            ("kind", "entreprise".into()),
            ("first_name", "I".into()),
            ("last_name", "I".into()),
            ("is_mediator", true.into()),
            ("published", true.into()),
            ("archived", false.into()),
            ("active", false.into()),
            ("participant_id", participant.into()),
            ("status", "present".into()),
            ("trainer_name", "Intrusion".into()),
            ("signature", SIGNATURE.into()),
            ("received_at", "2031-02-03".into()),
            ("author", "Intrusion".into()),
            ("channel", "email".into()),
            ("subject", "Intrusion".into()),
            ("description", "Intrusion".into()),
            ("what", "Intrusion".into()),
            ("text", "Intrusion".into()),
            ("day", "2031-02-03".into()),
            ("minutes", 60.into()),
            ("closes_on", "2031-02-03".into()),
            ("category", "other".into()),
            ("choices", serde_json::json!([0])),
            ("client_id", client_id.into()),
            ("reason", "Intrusion".into()),
            ("paid_on", "2026-01-05".into()),
            ("amount", "1".into()),
            ("means", "virement".into()),
        ] {
            body[k] = v;
        }
        let resp = match (is_api, method) {
            (false, "get") => web.get(app.url(&path)).send().await.unwrap(),
            (false, "post") => web.post(app.url(&path)).form(&fields[..]).send().await.unwrap(),
            (true, "get") => api.get(app.url(&path)).bearer_auth(bearer).send().await.unwrap(),
            (true, "post") => api.post(app.url(&path)).bearer_auth(bearer).json(&body).send().await.unwrap(),
            (true, "put") => api.put(app.url(&path)).bearer_auth(bearer).json(&body).send().await.unwrap(),
            (true, "delete") => api.delete(app.url(&path)).bearer_auth(bearer).send().await.unwrap(),
            (api_route, m) => panic!("untested method {m} (api: {api_route}) for {path}"),
        };
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap())
    }
}

/// Records of every kind in organisation `a`, each holding a secret marker.
pub async fn seed_records(app: &TestApp, a: &OrgFixture) -> Ids {
    let client = acunum::client::store::create(
        &app.db,
        a.org_id,
        &acunum::client::ClientInput {
            name: "SECRET-CLIENT-A".into(),
            sector: "sante".into(),
            kind: "entreprise".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let contact = acunum::client::store::add_contact(
        &app.db,
        a.org_id,
        client.id,
        &acunum::client::ContactInput { name: "SECRET-CONTACT-A".into(), ..Default::default() },
    )
    .await
    .unwrap();
    let intervenant = acunum::intervenant::store::create(
        &app.db,
        a.org_id,
        &acunum::intervenant::IntervenantInput {
            first_name: "X".into(),
            last_name: "SECRET-INTERVENANT-A".into(),
            is_mediator: true,
            active: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let module = acunum::catalogue::store::list(&app.db, a.org_id, false).await.unwrap().remove(0);
    let user = acunum::auth::store::create_user(
        &app.db,
        acunum::auth::store::NewUser {
            org_id: Some(a.org_id),
            email: "secret-user-a@a.test",
            name: "Utilisatrice A",
            role: acunum::auth::Role::Participant,
            password_hash: &crate::helpers::password_hash(),
        },
    )
    .await
    .unwrap();
    let a_coord = acunum::auth::store::user_by_email(&app.db, &a.coordinator).await.unwrap().unwrap();
    let token = acunum::auth::store::create_token(&app.db, a_coord.id, "A", "token-of-a").await.unwrap();
    let module_content = module.content.clone();
    let quote = acunum::quote::service::create(
        &app.db,
        a.org_id,
        a_coord.id,
        acunum::quote::QuoteInput {
            client_id: client.id,
            title: "SECRET-QUOTE-A".into(),
            items: vec![acunum::quote::ItemInput { module_id: module.id, ..Default::default() }],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let room = acunum::cycle::room::store::create(
        &app.db,
        a.org_id,
        &acunum::cycle::room::RoomInput {
            name: "SECRET-ROOM-A".into(),
            kind: "conference".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let conference = acunum::catalogue::store::list(&app.db, a.org_id, false)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.kind == acunum::catalogue::ModuleKind::Conference)
        .unwrap();
    let cversion =
        acunum::catalogue::store::version(&app.db, a.org_id, conference.id, conference.version).await.unwrap();
    let cycle = acunum::cycle::store::create(
        &app.db,
        a.org_id,
        client.id,
        "SECRET-CYCLE-A",
        "",
        "Europe/Paris",
        None,
        &[cversion.id],
    )
    .await
    .unwrap();
    let cycle_module = acunum::cycle::store::modules(&app.db, a.org_id, cycle.id).await.unwrap()[0].id;
    let session_id = acunum::cycle::service::add_session(
        &app.db,
        a.org_id,
        &cycle,
        cycle_module,
        &acunum::cycle::service::SessionInput {
            title: "SECRET-SESSION-A".into(),
            description: String::new(),
            date: chrono::NaiveDate::from_ymd_opt(2031, 1, 14).unwrap(),
            start_time: chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
            end_time: chrono::NaiveTime::from_hms_opt(21, 0, 0).unwrap(),
            minutes: None,
            room_id: Some(room.id),
            intervenant_id: None,
            capacity: Some(30),
            force: false,
        },
    )
    .await
    .unwrap();
    let participant = acunum::cycle::service::add_participant(
        &app.db,
        a.org_id,
        &cycle,
        &acunum::cycle::service::ParticipantInput {
            first_name: "Secret".into(),
            last_name: "SECRET-PERSON-A".into(),
            email: "secret-person@a.test".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let session = acunum::cycle::store::session(&app.db, a.org_id, session_id).await.unwrap();
    let registration =
        acunum::cycle::store::register(&app.db, a.org_id, &session, "SECRET-VOLUNTEER-A", "v@a.test", "", "", true)
            .await
            .unwrap();
    let half = acunum::attendance::store::ensure(&app.db, a.org_id, &session).await.unwrap()[0].id;
    let complaint = acunum::survey::complaints::store::create(
        &app.db,
        a.org_id,
        &acunum::survey::complaints::ComplaintInput {
            received_at: "2031-01-20".into(),
            author: "SECRET-COMPLAINT-A".into(),
            channel: "email".into(),
            subject: "SECRET-COMPLAINT-A".into(),
            description: "SECRET-COMPLAINT-A".into(),
            cycle_id: Some(cycle.id),
            status: "received".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let usage = acunum::catalogue::store::list(&app.db, a.org_id, false)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.kind == acunum::catalogue::ModuleKind::UsageTraining)
        .unwrap();
    acunum::cycle::store::add_module(&app.db, a.org_id, cycle.id, usage.id).await.unwrap();
    let usage_cm = acunum::cycle::store::modules(&app.db, a.org_id, cycle.id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.kind == acunum::catalogue::ModuleKind::UsageTraining)
        .unwrap()
        .id;
    let topics = vec!["SECRET-TOPIC-A".to_string(), "Autre".to_string()];
    let vote = acunum::committee::store::create_vote(
        &app.db,
        a.org_id,
        cycle.id,
        &acunum::committee::store::NewVote {
            cycle_module_id: usage_cm,
            question: "SECRET-VOTE-A",
            topics: &topics,
            seats: 1,
            max_choices: 1,
            secret: false,
            closes_at: acunum::db::now() + 86400,
        },
    )
    .await
    .unwrap();
    let commitment = acunum::committee::store::add_commitment(
        &app.db,
        a.org_id,
        cycle.id,
        None,
        "SECRET-COMMITMENT-A",
        "Le groupe",
        None,
    )
    .await
    .unwrap();
    let action = acunum::committee::store::create_action(
        &app.db,
        a.org_id,
        cycle.id,
        &acunum::committee::store::ActionData {
            category: "other",
            title: "SECRET-ACTION-A",
            description: "",
            owners: &[],
            due_date: None,
            status: "todo",
            tags: &["SECRET-TAG-A".to_string()],
        },
    )
    .await
    .unwrap();
    let proposal = acunum::proposal::store::add(
        &app.db,
        a.org_id,
        cycle.id,
        &acunum::proposal::NewProposal {
            title: "SECRET-PROPOSAL-A",
            vendor: "",
            filename: "p.txt",
            mime: "text/plain",
            content: b"SaaS",
            text: "SaaS",
            uploaded_by: "A",
        },
    )
    .await
    .unwrap();
    let post: i64 = sqlx::query_scalar(
        "INSERT INTO mutual_posts (org_id, cycle_id, participant_id, kind, skill, details, created_at) VALUES ($1, $2, $3, 'ask', 'SECRET-SKILL-A', '', 0) RETURNING id",
    )
    .bind(a.org_id)
    .bind(cycle.id)
    .bind(participant.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let retour: i64 = sqlx::query_scalar(
        "INSERT INTO retours (org_id, cycle_id, title, problem, done, result, tags, created_at, updated_at) VALUES ($1, $2, 'SECRET-RETOUR-A', 'p', 'd', '', 'x', 0, 0) RETURNING id",
    )
    .bind(a.org_id)
    .bind(cycle.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let link: i64 = sqlx::query_scalar(
        "INSERT INTO network_links (from_org_id, from_cycle_id, to_org_id, to_cycle_id, message, status, created_at) VALUES ($1, $2, $1, $2, '', 'requested', 0) RETURNING id",
    )
    .bind(a.org_id)
    .bind(cycle.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let bookmark = acunum::veille::store::add_bookmark(
        &app.db,
        a.org_id,
        cycle.id,
        &acunum::veille::store::NewBookmark {
            url: "https://exemple.fr/a",
            title: "SECRET-BOOKMARK-A",
            description: "",
            comment: "",
            tags: &[],
            added_by: "A",
        },
    )
    .await
    .unwrap();
    let feed = acunum::veille::store::add_feed(
        &app.db,
        a.org_id,
        cycle.id,
        &acunum::veille::store::NewFeed {
            url: "https://exemple.fr/flux",
            site_url: "",
            title: "Flux A",
            added_by: "A",
            next_fetch_at: i64::MAX,
        },
    )
    .await
    .unwrap();
    let feed_row = acunum::veille::store::feed(&app.db, a.org_id, cycle.id, feed).await.unwrap();
    acunum::veille::store::add_entries(
        &app.db,
        &feed_row,
        &[acunum::veille::ParsedEntry {
            uid: "e".into(),
            url: "https://exemple.fr/e".into(),
            title: "SECRET-ENTRY-A".into(),
            summary: String::new(),
            published_at: 0,
        }],
    )
    .await
    .unwrap();
    let entry: i64 = sqlx::query_scalar("SELECT id FROM feed_entries WHERE feed_id = $1")
        .bind(feed)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    // A place of organisation A's directory, from an import.
    let place_csv = "id,pivot,nom,commune,code_postal,adresse,date_maj\nsecret-1,00000000000000,SECRET-PLACE-A,Angoulême,16000,1 rue,2024-01-02\n";
    let report = acunum::places::import::import(&app.db, a.org_id, place_csv.as_bytes(), "a.csv", "A").await.unwrap();
    let place: i64 = sqlx::query_scalar("SELECT id FROM places WHERE org_id = $1")
        .bind(a.org_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    // A notepad of organisation A's cycle, with a secret in it.
    let state = AppState::new(app.db.clone(), acunum::config::Config::default());
    let pad = acunum::notepad::web::notepad_of_module(&state, a.org_id, cycle.id, cycle_module).await.unwrap();
    let pad_room = acunum::notepad::room::rooms(&app.db).open(&app.db, pad.id).await.unwrap();
    acunum::notepad::web::append_markdown(&state, &pad_room, "SECRET-NOTEPAD-A https://secret-a.example/", "A")
        .await
        .unwrap();
    let rev: i64 = sqlx::query_scalar("SELECT MAX(id) FROM notepad_revisions WHERE notepad_id = $1")
        .bind(pad.id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    // An accepted quote, its deposit invoice and a payment.
    let billed = acunum::quote::service::create(
        &app.db,
        a.org_id,
        a_coord.id,
        acunum::quote::QuoteInput {
            client_id: client.id,
            title: "SECRET-BILLED-A".into(),
            items: vec![acunum::quote::ItemInput { module_id: module.id, ..Default::default() }],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (_, access) = acunum::quote::service::send(&app.db, a.org_id, billed.id, "http://127.0.0.1").await.unwrap();
    let access = access.rsplit('/').next().unwrap().to_string();
    acunum::quote::store::decide(&app.db, &access, true, "Signataire A", "127.0.0.1").await.unwrap();
    let a_user = acunum::auth::CurrentUser { user: a_coord.clone(), via_token: true };
    let invoice = acunum::invoice::service::deposit(&app.state, &a_user, billed.id, rust_decimal::Decimal::from(30))
        .await
        .unwrap();
    let today = acunum::invoice::service::day_of(app.state.now()).format("%Y-%m-%d").to_string();
    acunum::invoice::service::pay(&app.state, &a_user, invoice.id, &today, "10", "virement", "SECRET-PAYMENT-A")
        .await
        .unwrap();
    let payment = acunum::invoice::store::payments(&app.db, a.org_id, Some(invoice.id)).await.unwrap().remove(0);
    Ids {
        module_content,
        client_id: client.id,
        notepad: pad.id,
        rev,
        place,
        place_import: report.id,
        bookmark,
        feed,
        entry,
        proposal,
        post,
        retour,
        link,
        vote,
        commitment,
        action,
        complaint,
        half,
        room: room.id,
        cycle: cycle.id,
        cycle_module,
        session: session_id,
        participant: participant.id,
        registration: registration.id,
        client: client.id,
        contact: contact.id,
        intervenant: intervenant.id,
        module: module.id,
        user: user.id,
        token: token.id,
        quote: quote.id,
        invoice: invoice.id,
        payment: payment.id,
    }
}

async fn every_route_refuses_another_organisations_records(b: Backend) {
    let app = TestApp::spawn(b).await;
    let a = seed_org(&app.db, "Organisation A").await;
    let bb = seed_org(&app.db, "Organisation B").await;
    let ids = seed_records(&app, &a).await;
    let caller = Caller::of(&app, &bb.coordinator).await;
    let mut checked = 0;
    // Logging out is walked last, by construction: it would end the session of the walk.
    for route in route_table().iter().filter(|r| r.access != Access::Public && r.path != "/deconnexion") {
        let path = fill(route.path, &ids);
        let (status, text) = caller.send(&app, &ids, route.method, route.path).await;
        assert!(status < 500, "{} {path}: {status}", route.method);
        // A questionnaire's audience names no record: each organisation has its own.
        if route.path.contains('{') && !route.path.contains("{audience}") {
            assert!(
                status == 404 || status == 403,
                "{} {path} answered {status} to another organisation",
                route.method
            );
        }
        for m in MARKERS {
            assert!(!text.contains(m), "{} {path} showed {m} to another organisation", route.method);
        }
        checked += 1;
    }
    assert!(checked > 70, "only {checked} routes walked");

    assert_unchanged(&app, &a, &ids).await;
}

/// Nothing of organisation A changed.
pub async fn assert_unchanged(app: &TestApp, a: &OrgFixture, ids: &Ids) {
    assert_eq!(acunum::client::store::get(&app.db, a.org_id, ids.client).await.unwrap().name, "SECRET-CLIENT-A");
    assert_eq!(acunum::client::store::contacts(&app.db, a.org_id, ids.client).await.unwrap().len(), 1);
    assert_eq!(
        acunum::intervenant::store::get(&app.db, a.org_id, ids.intervenant).await.unwrap().last_name,
        "SECRET-INTERVENANT-A"
    );
    let m = acunum::catalogue::store::get(&app.db, a.org_id, ids.module).await.unwrap();
    assert_eq!((m.version, m.published, m.archived), (1, true, false));
    assert_eq!(acunum::catalogue::store::list(&app.db, a.org_id, true).await.unwrap().len(), 4);
    assert!(acunum::auth::store::user_by_id(&app.db, ids.user).await.unwrap().unwrap().active);
    assert!(acunum::auth::store::user_by_token(&app.db, "token-of-a").await.unwrap().is_some());
    assert_eq!(acunum::org::store::get(&app.db, a.org_id).await.unwrap().name, "Organisation A");
    let c = acunum::cycle::store::get(&app.db, a.org_id, ids.cycle).await.unwrap();
    assert_eq!((c.title.as_str(), c.status), ("SECRET-CYCLE-A", acunum::cycle::Phase::Preparation));
    assert_eq!(
        acunum::cycle::store::sessions(&app.db, a.org_id, ids.cycle).await.unwrap()[0].title,
        "SECRET-SESSION-A"
    );
    assert_eq!(acunum::cycle::store::participants(&app.db, a.org_id, ids.cycle).await.unwrap().len(), 1);
    assert_eq!(acunum::cycle::room::store::get(&app.db, a.org_id, ids.room).await.unwrap().name, "SECRET-ROOM-A");
    let h = acunum::attendance::store::get(&app.db, a.org_id, ids.half).await.unwrap();
    assert_eq!((h.status.as_str(), h.code.as_deref()), ("planned", None));
    assert!(acunum::attendance::store::history(&app.db, a.org_id, ids.half).await.unwrap().is_empty());
    let v = acunum::committee::store::vote(&app.db, a.org_id, ids.cycle, ids.vote).await.unwrap();
    assert!(v.closed_at.is_none() && v.applied_at.is_none());
    let act = acunum::committee::store::action(&app.db, a.org_id, ids.cycle, ids.action).await.unwrap();
    assert_eq!((act.title.as_str(), act.status.as_str()), ("SECRET-ACTION-A", "todo"));
    assert!(acunum::committee::store::notes(&app.db, a.org_id, ids.action).await.unwrap().is_empty());
    assert!(acunum::committee::store::amo_entries(&app.db, a.org_id, ids.cycle).await.unwrap().is_empty());
    let c = acunum::survey::complaints::store::get(&app.db, a.org_id, ids.complaint).await.unwrap();
    assert_eq!((c.subject.as_str(), c.status.as_str()), ("SECRET-COMPLAINT-A", "received"));
    let q = acunum::quote::store::get(&app.db, a.org_id, ids.quote).await.unwrap();
    assert_eq!((q.status, q.version), (acunum::quote::Status::Draft, 1));
    let invoices = acunum::invoice::store::all(&app.db, a.org_id).await.unwrap();
    assert_eq!(invoices.len(), 1, "no invoice nor credit note issued by another organisation");
    assert_eq!(
        (invoices[0].paid, invoices[0].credited),
        (rust_decimal::Decimal::from(10), rust_decimal::Decimal::ZERO)
    );
    let payments = acunum::invoice::store::payments(&app.db, a.org_id, None).await.unwrap();
    assert!(payments.len() == 1 && payments[0].cancelled_at.is_none());
}
