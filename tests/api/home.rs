//! Each role's home page says what to do now (on the demo's records), and error pages offer the way
//! back that suits the person.

use crate::both_databases;
use crate::helpers::{Backend, TestApp};

both_databases!(each_role_finds_what_to_do_on_its_home_page, an_error_page_offers_the_way_back);

async fn home_of(app: &TestApp, email: &str) -> String {
    let c = app.client();
    let r = app.login(&c, email, acunum::demo::DEMO_PASSWORD).await;
    assert!(r.status().is_redirection(), "login of {email}");
    let r = app.get(&c, "/").await;
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

async fn each_role_finds_what_to_do_on_its_home_page(b: Backend) {
    let app = TestApp::spawn(b).await;
    acunum::demo::load(&app.db).await.expect("demo");
    let coordination = home_of(&app, "coordination@demo.acunum.fr").await;
    for heading in [
        "Séances des 7 prochains jours",
        "Feuilles d'émargement à clore",
        "Devis en attente de réponse",
        "Actions en retard",
        "Factures échues",
        "Messages",
    ] {
        assert!(coordination.contains(heading), "{heading}: {coordination}");
    }
    let org: i64 =
        sqlx::query_scalar("SELECT id FROM organisations ORDER BY id LIMIT 1").fetch_one(&app.db.pool).await.unwrap();
    let today = acunum::invoice::service::day_of(acunum::db::now());
    let overdue = acunum::invoice::store::all(&app.db, org)
        .await
        .unwrap()
        .into_iter()
        .find(|i| acunum::invoice::is_overdue(i.due_date, i.balance, today))
        .expect("the demo has an overdue invoice")
        .number;
    assert!(coordination.contains(&overdue), "the demo's overdue invoice {overdue} is listed");
    let intervenant = home_of(&app, "camille.durand@demo.acunum.fr").await;
    assert!(intervenant.contains("Mes prochaines séances") && intervenant.contains("Blocs-notes"), "{intervenant}");
    assert!(!intervenant.contains("Factures échues"), "money stays with the coordination");
    let client = home_of(&app, "m.lefevre@coop2charentes.test").await;
    assert!(
        client.contains("Vos documents")
            && client.contains("Reste à payer")
            && client.contains("href=\"/mes-documents\"")
    );
    assert!(client.contains("La progression du groupe"), "{client}");
}

async fn an_error_page_offers_the_way_back(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.client();
    let r = app.get(&c, "/p/jeton-inconnu/carnets/999").await;
    assert_eq!(r.status(), 404);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"/p/jeton-inconnu\"") && html.contains("Retour à ma page"), "{html}");
    assert!(!html.contains("Aller à l&#39;accueil"), "a participant has no home page to log in to");
    let r = c.get(app.url("/programme/inconnu/1")).header("referer", app.url("/catalogue")).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"/catalogue\"") && html.contains("Revenir à la page précédente"), "{html}");
    // A logged-in person keeps the site's frame: their menu and their name.
    let f = crate::helpers::seed_org(&app.db, "Org").await;
    let c = app.logged_in(&f.coordinator).await;
    let r = app.get(&c, "/clients/987654").await;
    assert_eq!(r.status(), 404);
    let html = r.text().await.unwrap();
    assert!(html.contains("Navigation principale") && html.contains("Page introuvable"), "{html}");
    assert!(html.contains("Aller à l&#39;accueil"));
}
