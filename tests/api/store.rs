//! The store contract: the same behaviour on both databases.

use acunum::catalogue::{ModuleKind, store as catalogue};
use acunum::client::{ClientInput, ContactInput, store as clients};
use acunum::intervenant::{IntervenantInput, store as intervenants};
use acunum::org::{OrgInput, store as orgs};
use acunum::web::list::{ListParams, Listing};
use rust_decimal::Decimal;
use tower_sessions::session_store::SessionStore;

use crate::both_databases;
use crate::helpers::{Backend, fresh_db, seed_org};

both_databases!(
    organisations_get_unique_slugs,
    users_have_unique_emails,
    tokens_and_resets_work_once,
    login_attempts_are_counted,
    modules_keep_every_version,
    clients_are_searched_sorted_and_paged,
    intervenants_are_filtered_by_role_and_sector,
    sessions_are_stored_and_expire,
    contacts_belong_to_their_client
);

async fn organisations_get_unique_slugs(b: Backend) {
    let (db, _, _d) = fresh_db(b).await;
    let input = OrgInput { name: "Médiation Numérique".into(), vat_exempt: true, ..Default::default() };
    let a = orgs::create(&db, &input).await.unwrap();
    let b2 = orgs::create(&db, &input).await.unwrap();
    assert_eq!(a.slug, "mediation-numerique");
    assert_eq!(b2.slug, "mediation-numerique-2");
    assert!(a.vat_exempt);
    let updated =
        orgs::update(&db, a.id, &OrgInput { name: "Autre nom".into(), vat_exempt: false, ..Default::default() })
            .await
            .unwrap();
    assert_eq!(updated.name, "Autre nom");
    assert!(!updated.vat_exempt);
    assert_eq!(updated.slug, "mediation-numerique");
    assert_eq!(orgs::by_slug(&db, "mediation-numerique-2").await.unwrap().id, b2.id);
    orgs::set_logo(&db, a.id, "image/png", b"\x89PNG\r\n\x1a\nxx").await.unwrap();
    orgs::set_logo(&db, a.id, "image/jpeg", &[0xFF, 0xD8, 0xFF]).await.unwrap();
    assert_eq!(orgs::logo(&db, a.id).await.unwrap().unwrap().0, "image/jpeg");
    assert_eq!(orgs::list(&db).await.unwrap().len(), 2);
}

async fn users_have_unique_emails(b: Backend) {
    let (db, _, _d) = fresh_db(b).await;
    let f = seed_org(&db, "Org").await;
    let err = acunum::auth::store::create_user(
        &db,
        acunum::auth::store::NewUser {
            org_id: Some(f.org_id),
            email: &f.coordinator.to_uppercase(),
            name: "Double",
            role: acunum::auth::Role::Participant,
            password_hash: "x",
        },
    )
    .await
    .unwrap_err();
    match err {
        acunum::error::AppError::Invalid(e) => assert!(e.get("email").is_some()),
        other => panic!("expected a field error, got {other:?}"),
    }
    let u = acunum::auth::store::user_by_email(&db, &f.coordinator).await.unwrap().unwrap();
    assert!(u.active);
    acunum::auth::store::set_active(&db, u.id, false).await.unwrap();
    assert!(!acunum::auth::store::user_by_id(&db, u.id).await.unwrap().unwrap().active);
    assert_eq!(acunum::auth::store::list_users(&db, Some(f.org_id)).await.unwrap().len(), 2);
}

async fn tokens_and_resets_work_once(b: Backend) {
    let (db, _, _d) = fresh_db(b).await;
    let f = seed_org(&db, "Org").await;
    let u = acunum::auth::store::user_by_email(&db, &f.coordinator).await.unwrap().unwrap();
    acunum::auth::store::create_token(&db, u.id, "t", "secret-token").await.unwrap();
    assert_eq!(acunum::auth::store::user_by_token(&db, "secret-token").await.unwrap().unwrap().id, u.id);
    assert!(acunum::auth::store::user_by_token(&db, "other").await.unwrap().is_none());
    let tokens = acunum::auth::store::list_tokens(&db, u.id).await.unwrap();
    assert!(tokens[0].last_used_at.is_some());
    assert!(acunum::auth::store::delete_token(&db, u.id, tokens[0].id).await.unwrap());
    assert!(acunum::auth::store::user_by_token(&db, "secret-token").await.unwrap().is_none());

    acunum::auth::store::create_reset(&db, u.id, None, "reset-1").await.unwrap();
    assert_eq!(acunum::auth::store::reset_user(&db, "reset-1").await.unwrap().unwrap().id, u.id);
    assert!(acunum::auth::store::use_reset(&db, "reset-1", u.id, "new-hash").await.unwrap());
    assert!(!acunum::auth::store::use_reset(&db, "reset-1", u.id, "other-hash").await.unwrap());
    assert!(acunum::auth::store::reset_user(&db, "reset-1").await.unwrap().is_none());
    assert_eq!(acunum::auth::store::user_by_id(&db, u.id).await.unwrap().unwrap().password_hash, "new-hash");
}

async fn login_attempts_are_counted(b: Backend) {
    use acunum::auth::throttle;
    let (db, _, _d) = fresh_db(b).await;
    for n in 1..=3 {
        assert_eq!(throttle::reserve(&db, "login:email:a@b.fr", 1000, 900).await.unwrap(), n);
    }
    throttle::release(&db, "login:email:a@b.fr").await.unwrap();
    assert_eq!(throttle::reserve(&db, "login:email:a@b.fr", 1001, 900).await.unwrap(), 3);
    // A new window starts over.
    assert_eq!(throttle::reserve(&db, "login:email:a@b.fr", 1900, 900).await.unwrap(), 1);
    throttle::clear(&db, "login:email:a@b.fr").await.unwrap();
    assert_eq!(throttle::reserve(&db, "login:email:a@b.fr", 1901, 900).await.unwrap(), 1);
    // Simultaneous reservations each get their own place: 1 to 40, none twice.
    let mut handles = Vec::new();
    for _ in 0..40 {
        let db = db.clone();
        handles.push(tokio::spawn(async move { throttle::reserve(&db, "code:ip:x", 5000, 900).await.unwrap() }));
    }
    let mut got = Vec::new();
    for h in handles {
        got.push(h.await.unwrap());
    }
    got.sort();
    assert_eq!(got, (1..=40).collect::<Vec<i64>>());
    // Over its limit, nothing is reserved under any key.
    let keys = [("k:a".to_string(), 1), ("k:b".to_string(), 0)];
    assert!(!throttle::reserve_all(&db, &keys, 6000, 900).await.unwrap());
    assert_eq!(throttle::reserve(&db, "k:a", 6000, 900).await.unwrap(), 1);
    throttle::prune(&db, 100_000).await.unwrap();
    assert_eq!(throttle::reserve(&db, "k:a", 100_000, 900).await.unwrap(), 1);
    acunum::auth::store::record_attempt(&db, "a@b.fr", "1.2.3.4", false).await.unwrap();
}

async fn modules_keep_every_version(b: Backend) {
    let (db, _, _d) = fresh_db(b).await;
    let f = seed_org(&db, "Org").await;
    let list = catalogue::list(&db, f.org_id, false).await.unwrap();
    assert_eq!(list.len(), 4);
    let culture = &list[0];
    assert_eq!(culture.kind, ModuleKind::CultureTraining);
    assert_eq!(culture.version, 1);
    let mut content = culture.content.clone();
    content.unit_count = 8;
    content.headcount_max = Some(14);
    let v2 = catalogue::update(&db, f.org_id, culture.id, &content, None).await.unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(v2.content.duration_minutes(), 56 * 60);
    // Saving the same content again writes no version.
    assert_eq!(catalogue::update(&db, f.org_id, culture.id, &content, None).await.unwrap().version, 2);
    let v1 = catalogue::version(&db, f.org_id, culture.id, 1).await.unwrap();
    assert_eq!(v1.content.duration_minutes(), 28 * 60);
    assert_eq!(catalogue::version_by_id(&db, f.org_id, v1.id).await.unwrap().version, 1);
    assert_eq!(catalogue::versions(&db, f.org_id, culture.id).await.unwrap().len(), 2);
    let variant = catalogue::duplicate(&db, f.org_id, culture.id, None).await.unwrap();
    assert_eq!(variant.variant_of, Some(culture.id));
    assert!(variant.content.title.ends_with("(variante)"));
    let archived = catalogue::set_flags(&db, f.org_id, variant.id, false, true).await.unwrap();
    assert!(archived.archived && !archived.published);
    assert_eq!(catalogue::list(&db, f.org_id, false).await.unwrap().len(), 4);
    assert_eq!(catalogue::list(&db, f.org_id, true).await.unwrap().len(), 5);
    assert!(catalogue::public_get(&db, f.org_id, variant.id).await.is_err());
    // Another organisation sees none of it.
    let other = seed_org(&db, "Autre").await;
    assert!(catalogue::get(&db, other.org_id, culture.id).await.is_err());
    assert!(catalogue::version(&db, other.org_id, culture.id, 1).await.is_err());
}

fn client(name: &str, city: &str, sector: &str) -> ClientInput {
    ClientInput {
        name: name.into(),
        city: city.into(),
        sector: sector.into(),
        kind: "entreprise".into(),
        ..Default::default()
    }
}

async fn clients_are_searched_sorted_and_paged(b: Backend) {
    let (db, _, _d) = fresh_db(b).await;
    let f = seed_org(&db, "Org").await;
    let other = seed_org(&db, "Autre").await;
    for i in 0..30 {
        clients::create(
            &db,
            f.org_id,
            &client(&format!("Client {i:02}"), if i % 2 == 0 { "Angoulême" } else { "Cognac" }, "sante"),
        )
        .await
        .unwrap();
    }
    clients::create(&db, f.org_id, &client("Médiathèque d'Été", "Ruffec", "culture")).await.unwrap();
    clients::create(&db, other.org_id, &client("Client étranger", "Angoulême", "sante")).await.unwrap();

    let page = |q: &str, sort: &str, dir: &str, page: i64| {
        Listing::new(
            &ListParams {
                q: Some(q.into()),
                sort: Some(sort.into()),
                dir: Some(dir.into()),
                page: Some(page),
                per_page: Some(10),
            },
            &clients::SORT,
        )
    };
    let (rows, total) = clients::list(&db, f.org_id, &page("", "name", "asc", 1)).await.unwrap();
    assert_eq!(total, 31);
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0].name, "Client 00");
    let (rows, _) = clients::list(&db, f.org_id, &page("", "name", "desc", 1)).await.unwrap();
    assert_eq!(rows[0].name, "Médiathèque d'Été");
    let (rows, total) = clients::list(&db, f.org_id, &page("", "name", "asc", 4)).await.unwrap();
    assert_eq!((rows.len(), total), (1, 31));
    // Accents and case do not matter; another organisation's client never shows.
    let (rows, total) = clients::list(&db, f.org_id, &page("ANGOULEME", "name", "asc", 1)).await.unwrap();
    assert_eq!(total, 15);
    assert!(rows.iter().all(|c| c.city == "Angoulême"));
    let (rows, _) = clients::list(&db, f.org_id, &page("mediatheque d'ete", "name", "asc", 1)).await.unwrap();
    assert_eq!(rows.len(), 1);
    // A search with SQL wildcards finds nothing rather than everything.
    let (_, total) = clients::list(&db, f.org_id, &page("%", "name", "asc", 1)).await.unwrap();
    assert_eq!(total, 0);
    let all = clients::all(&db, f.org_id, &page("cognac", "city", "asc", 1)).await.unwrap();
    assert_eq!(all.len(), 15);
    let one = &rows[0];
    let mut changed = ClientInput::from_client(one);
    changed.name = "Médiathèque renommée".into();
    assert_eq!(clients::update(&db, f.org_id, one.id, &changed).await.unwrap().name, "Médiathèque renommée");
    assert!(clients::update(&db, other.org_id, one.id, &changed).await.is_err());
    assert!(clients::delete(&db, other.org_id, one.id).await.is_err());
    clients::delete(&db, f.org_id, one.id).await.unwrap();
    assert_eq!(clients::count(&db, f.org_id).await.unwrap(), 30);
}

async fn contacts_belong_to_their_client(b: Backend) {
    let (db, _, _d) = fresh_db(b).await;
    let f = seed_org(&db, "Org").await;
    let other = seed_org(&db, "Autre").await;
    let c = clients::create(&db, f.org_id, &client("Client", "Angoulême", "sante")).await.unwrap();
    let contact =
        clients::add_contact(&db, f.org_id, c.id, &ContactInput { name: "Nathalie".into(), ..Default::default() })
            .await
            .unwrap();
    assert!(
        clients::add_contact(&db, other.org_id, c.id, &ContactInput { name: "Intrus".into(), ..Default::default() })
            .await
            .is_err()
    );
    assert!(clients::delete_contact(&db, other.org_id, c.id, contact.id).await.is_err());
    assert_eq!(clients::contacts(&db, f.org_id, c.id).await.unwrap().len(), 1);
    clients::delete(&db, f.org_id, c.id).await.unwrap();
    assert!(clients::contacts(&db, f.org_id, c.id).await.unwrap().is_empty());
}

async fn intervenants_are_filtered_by_role_and_sector(b: Backend) {
    let (db, _, _d) = fresh_db(b).await;
    let f = seed_org(&db, "Org").await;
    let base = IntervenantInput {
        first_name: "A".into(),
        last_name: "B".into(),
        active: true,
        daily_rate: Decimal::new(35000, 2),
        ..Default::default()
    };
    intervenants::create(
        &db,
        f.org_id,
        &IntervenantInput {
            last_name: "Durand".into(),
            is_mediator: true,
            sectors: vec!["sante".into(), "social".into()],
            ..base.clone()
        },
    )
    .await
    .unwrap();
    intervenants::create(
        &db,
        f.org_id,
        &IntervenantInput {
            last_name: "Moreau".into(),
            is_animator: true,
            sectors: vec!["industrie".into()],
            ..base.clone()
        },
    )
    .await
    .unwrap();
    let both = intervenants::create(
        &db,
        f.org_id,
        &IntervenantInput {
            last_name: "Lambert".into(),
            is_mediator: true,
            is_animator: true,
            sectors: vec!["sante".into()],
            ..base.clone()
        },
    )
    .await
    .unwrap();
    let l = Listing::new(&ListParams::default(), &intervenants::SORT);
    let f_of = |role: Option<&str>, sector: Option<&str>| intervenants::Filters {
        role: role.map(String::from),
        sector: sector.map(String::from),
    };
    assert_eq!(intervenants::list(&db, f.org_id, &l, &f_of(None, None)).await.unwrap().1, 3);
    assert_eq!(intervenants::list(&db, f.org_id, &l, &f_of(Some("mediator"), None)).await.unwrap().1, 2);
    let (rows, total) = intervenants::list(&db, f.org_id, &l, &f_of(Some("mediator"), Some("sante"))).await.unwrap();
    assert_eq!(total, 2);
    assert_eq!(rows[0].last_name, "Durand");
    assert_eq!(intervenants::list(&db, f.org_id, &l, &f_of(Some("animator"), Some("sante"))).await.unwrap().1, 1);
    let mut changed = IntervenantInput::from_intervenant(&both);
    changed.sectors = vec!["culture".into()];
    let updated = intervenants::update(&db, f.org_id, both.id, &changed).await.unwrap();
    assert_eq!(updated.sectors, vec!["culture"]);
    assert_eq!(updated.daily_rate, Decimal::new(35000, 2));
    assert_eq!(intervenants::list(&db, f.org_id, &l, &f_of(None, Some("sante"))).await.unwrap().1, 1);
    let other = seed_org(&db, "Autre").await;
    assert_eq!(intervenants::list(&db, other.org_id, &l, &f_of(None, None)).await.unwrap().1, 0);
    assert!(intervenants::get(&db, other.org_id, both.id).await.is_err());
}

async fn sessions_are_stored_and_expire(b: Backend) {
    let (db, _, _d) = fresh_db(b).await;
    let store = acunum::auth::session_store::DbSessionStore::new(db.clone());
    let mut record = tower_sessions::session::Record {
        id: Default::default(),
        data: [("k".to_string(), serde_json::json!("v"))].into_iter().collect(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    store.create(&mut record).await.unwrap();
    let loaded = store.load(&record.id).await.unwrap().unwrap();
    assert_eq!(loaded.data["k"], "v");
    record.expiry_date = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    store.save(&record).await.unwrap();
    assert!(store.load(&record.id).await.unwrap().is_none());
    assert_eq!(store.delete_expired().await.unwrap(), 1);
}
