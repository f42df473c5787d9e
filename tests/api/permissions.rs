//! The permission matrix, walked: every route of the router, called by each role of an
//! organisation (coordinator, an intervenant who teaches the cycle, one who does not, the client
//! contact, a participant's account) and by the network admin, answers as the matrix says —
//! refused with 403 and nothing changed, or served.

use acunum::app::{Access, route_table};
use acunum::auth::Role;
use acunum::auth::permissions::{Scope, scope_of};

use crate::both_databases;
use crate::helpers::{Backend, PASSWORD, TestApp, password_hash, seed_admin, seed_org};
use crate::isolation::{Caller, assert_unchanged, fill, seed_records};

both_databases!(every_route_answers_each_role_as_the_matrix_says, an_intervenant_sees_only_their_cycles_and_own_rate);

#[test]
fn the_readme_holds_the_matrix() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = acunum::auth::permissions::markdown();
    assert!(readme.contains(&table), "the README's permission table differs from the code's:\n{table}");
}

/// Whether the matrix lets `role` call `template` (an intervenant who does not teach the cycle is
/// refused what the path names).
fn allowed(access: Access, template: &str, role: Role, teaches: bool) -> bool {
    if !access.allows(role) {
        return false;
    }
    !(access == Access::Staff && role == Role::Intervenant && !teaches && scope_of(template, &[]) != Scope::None)
}

async fn account(app: &TestApp, org: i64, email: &str, role: Role) -> i64 {
    acunum::auth::store::create_user(
        &app.db,
        acunum::auth::store::NewUser { org_id: Some(org), email, name: email, role, password_hash: &password_hash() },
    )
    .await
    .unwrap()
    .id
}

async fn every_route_answers_each_role_as_the_matrix_says(b: Backend) {
    let app = TestApp::spawn(b).await;
    let a = seed_org(&app.db, "Organisation A").await;
    let ids = seed_records(&app, &a).await;
    // The intervenant of the organisation's account gives the cycle's session.
    sqlx::query("UPDATE intervenants SET user_id = (SELECT id FROM users WHERE email = $1) WHERE id = $2")
        .bind(&a.intervenant)
        .bind(ids.intervenant)
        .execute(&app.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE training_sessions SET intervenant_id = $1 WHERE id = $2")
        .bind(ids.intervenant)
        .bind(ids.session)
        .execute(&app.db.pool)
        .await
        .unwrap();
    // Another intervenant, with a record and an account, who does not teach this cycle.
    let other = acunum::intervenant::store::create(
        &app.db,
        a.org_id,
        &acunum::intervenant::IntervenantInput {
            first_name: "Autre".into(),
            last_name: "Intervenant".into(),
            email: "autre@a.test".into(),
            is_animator: true,
            active: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let other_user = account(&app, a.org_id, "autre@a.test", Role::Intervenant).await;
    acunum::intervenant::store::link_user(&app.db, a.org_id, other.id, Some(other_user)).await.unwrap();
    // The client's contact, and a participant's account.
    let contact = account(&app, a.org_id, "referente@a.test", Role::ClientContact).await;
    acunum::auth::store::set_client(&app.db, a.org_id, contact, ids.client).await.unwrap();
    let admin = seed_admin(&app.db).await;
    let roles: Vec<(&str, String, Role, bool)> = vec![
        ("coordination", a.coordinator.clone(), Role::Coordinator, true),
        ("intervenant·e du cycle", a.intervenant.clone(), Role::Intervenant, true),
        ("autre intervenant·e", "autre@a.test".into(), Role::Intervenant, false),
        ("référente client", "referente@a.test".into(), Role::ClientContact, false),
        ("participant·e", "secret-user-a@a.test".into(), Role::Participant, false),
        ("administration", admin.clone(), Role::Admin, false),
    ];
    let mut callers = Vec::new();
    for (name, email, role, teaches) in &roles {
        callers.push((*name, Caller::of(&app, email).await, *role, *teaches));
    }
    let routes: Vec<_> =
        route_table().into_iter().filter(|r| r.access != Access::Public && r.path != "/deconnexion").collect();
    // Refusals first: every route, every method, nothing changes.
    let mut refused = 0;
    for (name, caller, role, teaches) in &callers {
        for r in routes.iter().filter(|r| !allowed(r.access, r.path, *role, *teaches)) {
            let (status, _) = caller.send(&app, &ids, r.method, r.path).await;
            assert_eq!(status, 403, "{name}: {} {} ({:?}) answered {status}", r.method, fill(r.path, &ids), r.access);
            refused += 1;
        }
    }
    assert_unchanged(&app, &a, &ids).await;
    // Then what each role may reach: read by all; written by the roles with narrow rights.
    let mut served = 0;
    for (name, caller, role, teaches) in &callers {
        let narrow = matches!(role, Role::Intervenant | Role::ClientContact | Role::Participant);
        for r in routes.iter().filter(|r| allowed(r.access, r.path, *role, *teaches)) {
            if r.method != "get" && !narrow {
                continue;
            }
            let (status, text) = caller.send(&app, &ids, r.method, r.path).await;
            assert!(
                status != 401 && status != 403 && status < 500,
                "{name}: {} {} ({:?}) answered {status}: {}",
                r.method,
                fill(r.path, &ids),
                r.access,
                text.chars().take(300).collect::<String>()
            );
            served += 1;
        }
    }
    assert!(refused > 500 && served > 200, "{refused} refusals, {served} served");
    // The walk ends the sessions it opened.
    for (name, caller, _, _) in &callers {
        let r = caller.web.post(app.url("/deconnexion")).form(&[("_csrf", caller.csrf.as_str())]).send().await.unwrap();
        assert!(r.status().is_redirection(), "{name}: logout answered {}", r.status());
    }
    let _ = PASSWORD;
}

async fn an_intervenant_sees_only_their_cycles_and_own_rate(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let p = crate::cycles::prepare(&app, f.org_id, &f.coordinator).await;
    crate::cycles::teach(&app, f.org_id, &p, &f.intervenant).await;
    // A second cycle, which the intervenant does not teach.
    let api = app.api();
    let client = acunum::cycle::store::get(&app.db, f.org_id, p.cycle).await.unwrap().client_id;
    let other: serde_json::Value = api
        .post(app.url("/api/v1/cycles"))
        .bearer_auth(&p.token)
        .json(&serde_json::json!({"client_id": client, "title": "Cycle d'un autre", "module_ids": []}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = app.token_for(&f.intervenant).await;
    let list: serde_json::Value =
        api.get(app.url("/api/v1/cycles")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let titles: Vec<&str> = list["items"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(titles, vec!["Cycle ACUNUM du Confolentais"]);
    let r = api.get(app.url(&format!("/api/v1/cycles/{}", other["id"]))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let c = app.logged_in(&f.intervenant).await;
    let html = app.get(&c, "/cycles").await.text().await.unwrap();
    assert!(html.contains("Cycle ACUNUM du Confolentais") && !html.contains("Cycle d&#39;un autre"), "{html}");
    // Their own record and rate; nobody else's, and no list of rates.
    let mine: serde_json::Value = api
        .get(app.url(&format!("/api/v1/intervenants/{}", p.intervenant)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["last_name"], "Durand");
    assert!(mine.get("daily_rate").is_some());
    assert_eq!(api.get(app.url("/api/v1/intervenants")).bearer_auth(&token).send().await.unwrap().status(), 403);
    let someone = acunum::intervenant::store::create(
        &app.db,
        f.org_id,
        &acunum::intervenant::IntervenantInput {
            first_name: "Sam".into(),
            last_name: "Tarif".into(),
            is_mediator: true,
            active: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r = api.get(app.url(&format!("/api/v1/intervenants/{}", someone.id))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // Quotes are the coordination's.
    assert_eq!(api.get(app.url("/api/v1/quotes")).bearer_auth(&token).send().await.unwrap().status(), 403);
    assert_eq!(app.get(&c, "/devis").await.status(), 403);
}
