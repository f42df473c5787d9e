//! The embedded communes table: autocomplete, and the point of a client or an intervenant who gave a
//! postal code or a commune but no coordinates (which feeds the travel line of a quote).

use crate::both_databases;
use crate::helpers::{Backend, TestApp, extract, location, seed_org};

both_databases!(clients_and_intervenants_are_located_by_their_commune);

async fn clients_and_intervenants_are_located_by_their_commune(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Org").await;
    let token = app.token_for(&f.coordinator).await;
    let api = app.api();

    // Autocomplete by name (accents or not) and by postal code.
    let found: serde_json::Value = api
        .get(app.url("/api/v1/communes?q=angouleme"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found[0]["name"], "Angoulême");
    assert_eq!(found[0]["insee"], "16015");
    let found: serde_json::Value =
        api.get(app.url("/api/v1/communes?q=16500")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert!(found.as_array().unwrap().iter().any(|c| c["name"] == "Confolens"));
    let r =
        api.get(app.url(&format!("/api/v1/communes?q={}", "a".repeat(200)))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(api.get(app.url("/api/v1/communes?q=angou")).send().await.unwrap().status(), 401);

    // A client with a postal code and no coordinates gets the commune's point; given coordinates stay.
    let r = api.post(app.url("/api/v1/clients")).bearer_auth(&token)
        .json(&serde_json::json!({"name": "Mairie de Confolens", "sector": "administration", "kind": "collectivite", "postal_code": "16500", "city": "CONFOLENS"}))
        .send().await.unwrap();
    assert_eq!(r.status(), 201);
    let c: serde_json::Value = r.json().await.unwrap();
    assert!((c["latitude"].as_f64().unwrap() - 46.01).abs() < 0.1, "{c}");
    assert!((c["longitude"].as_f64().unwrap() - 0.67).abs() < 0.1, "{c}");
    let r = api.post(app.url("/api/v1/clients")).bearer_auth(&token)
        .json(&serde_json::json!({"name": "Ailleurs", "sector": "administration", "kind": "collectivite", "postal_code": "16500", "latitude": 45.0, "longitude": 1.0}))
        .send().await.unwrap();
    let c: serde_json::Value = r.json().await.unwrap();
    assert_eq!(c["latitude"], 45.0);
    // An unknown postal code: no point, no error.
    let r = api.post(app.url("/api/v1/clients")).bearer_auth(&token)
        .json(&serde_json::json!({"name": "Inconnue", "sector": "administration", "kind": "collectivite", "postal_code": "99999"}))
        .send().await.unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.json::<serde_json::Value>().await.unwrap()["latitude"].is_null());

    // An intervenant located by the commune's name alone.
    let r = api.post(app.url("/api/v1/intervenants")).bearer_auth(&token)
        .json(&serde_json::json!({"first_name": "Camille", "last_name": "Martin", "is_mediator": true, "city": "Angoulême", "active": true}))
        .send().await.unwrap();
    assert_eq!(r.status(), 201);
    let i: serde_json::Value = r.json().await.unwrap();
    assert!((i["latitude"].as_f64().unwrap() - 45.65).abs() < 0.1, "{i}");

    // The page's autocomplete.
    let web = app.logged_in(&f.coordinator).await;
    let html = app.get(&web, "/communes/options?city=confol").await.text().await.unwrap();
    assert!(html.contains("<option value=\"Confolens\">Confolens (16500)</option>"), "{html}");
}

// --- The directory of mediation places --------------------------------------------------------------

const REAL_FILES: [(&str, usize); 6] = [
    ("20230517-hub-du-sud-paca.lieux-mediation-numerique.json", 646),
    ("20230711-charente.lieux-mediation-numerique.json", 188),
    ("20240320-nouvelle-caledonie.lieux-mediation-numerique.json", 90),
    ("client-application-source.lieux.json", 687),
    ("cnfs-conseillers-numeriques.lieux.json", 2733),
    ("liste-france-services-20221201.csv", 2683),
];

fn real_file(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/data/lieux/reels/{name}", env!("CARGO_MANIFEST_DIR"))).expect("real file")
}

async fn import_api(app: &TestApp, token: &str, name: &str, bytes: Vec<u8>) -> serde_json::Value {
    let r = app
        .api()
        .post(app.url(&format!("/api/v1/places/import?filename={name}")))
        .bearer_auth(token)
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{name}");
    r.json().await.unwrap()
}

/// The frictionless validator, installed by `.ci/run` (see the README); outside CI a missing
/// validator skips the check with a message.
fn frictionless() -> Option<String> {
    let path = std::env::var("ACUNUM_FRICTIONLESS")
        .unwrap_or_else(|_| format!("{}/target/pyenv/bin/frictionless", env!("CARGO_MANIFEST_DIR")));
    if std::path::Path::new(&path).exists() {
        return Some(path);
    }
    assert!(std::env::var("CI").is_err(), "frictionless is missing at {path}: .ci/run installs it");
    eprintln!("frictionless absent ({path}) : validation des exports sautée hors CI");
    None
}

fn validate(frictionless: &str, file_name: &str, bytes: &[u8], table_type: bool) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(file_name), bytes).unwrap();
    std::fs::copy(
        format!("{}/data/lieux/schema-lieux-mediation-numerique.schema.json", env!("CARGO_MANIFEST_DIR")),
        dir.path().join("schema.json"),
    )
    .unwrap();
    let mut cmd = std::process::Command::new(frictionless);
    cmd.current_dir(dir.path()).args(["validate", "--schema", "schema.json", "--json"]);
    if table_type {
        cmd.args(["--type", "table"]);
    }
    let out = cmd.arg(file_name).output().expect("frictionless runs");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!("frictionless said: {} {}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    let errors: Vec<String> = report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["errors"].as_array().cloned().unwrap_or_default())
        .map(|e| format!("{} {} {}", e["fieldName"], e["type"], e["note"]))
        .take(5)
        .collect();
    assert_eq!(report["valid"], true, "{file_name}: {errors:?}");
    errors.join("\n")
}

both_databases!(every_real_export_imports_with_a_report_and_again_without_duplicates);

async fn every_real_export_imports_with_a_report_and_again_without_duplicates(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Réseau").await;
    let other = seed_org(&app.db, "Autre").await;
    let token = app.token_for(&f.coordinator).await;
    let api = app.api();

    let mut total = 0;
    for (name, rows) in REAL_FILES {
        let r = import_api(&app, &token, name, real_file(name)).await;
        assert_eq!(r["rows_total"], rows, "{name}: {r}");
        let (accepted, corrected, to_check, rejected) = (
            r["accepted"].as_i64().unwrap(),
            r["corrected"].as_i64().unwrap(),
            r["to_check"].as_i64().unwrap(),
            r["rejected"].as_i64().unwrap(),
        );
        assert_eq!(accepted + corrected + to_check + rejected, rows as i64, "{name}");
        assert_eq!(r["created"].as_i64().unwrap(), rows as i64 - rejected, "{name}");
        // Real files are mostly readable: a few rows at most are rejected, each with its reason.
        assert!(rejected * 20 <= rows as i64, "{name}: {rejected} rejected");
        for row in r["rows"].as_array().unwrap() {
            assert!(!row["messages"].as_array().unwrap().is_empty(), "{row}");
        }
        total += rows as i64 - rejected;
    }
    // At a start, the index of the one organisation that has places is built before any search.
    assert_eq!(acunum::places::index::warm(&app.db).await.unwrap(), 1);
    // The older vocabulary is mapped and said; the France Services list lacks addresses on some rows.
    let reports: serde_json::Value =
        api.get(app.url("/api/v1/places/imports")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(reports.as_array().unwrap().len(), 6);
    let older =
        reports.as_array().unwrap().iter().find(|r| r["filename"] == "client-application-source.lieux.json").unwrap();
    let older: serde_json::Value = api
        .get(app.url(&format!("/api/v1/places/imports/{}", older["id"])))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = older["rows"].to_string();
    assert!(text.contains("devient « Accès internet et matériel informatique »"), "{}", &text[..500]);
    assert!(text.contains("ABONDANCE"), "upper-case communes are written properly");
    let fs =
        reports.as_array().unwrap().iter().find(|r| r["filename"] == "liste-france-services-20221201.csv").unwrap();
    assert!(fs["notes"].to_string().contains("France Services"));
    let count = acunum::places::store::count(&app.db, f.org_id).await.unwrap();
    assert_eq!(count, total);

    // The same file again: nothing created, nothing duplicated; a changed row is updated by its id.
    let name = REAL_FILES[1].0;
    let again = import_api(&app, &token, name, real_file(name)).await;
    assert_eq!(
        (again["created"].as_i64(), again["updated"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(0), Some(188))
    );
    let mut rows: serde_json::Value = serde_json::from_slice(&real_file(name)).unwrap();
    rows[0]["nom"] = "Médiathèque renommée".into();
    let changed = import_api(&app, &token, name, serde_json::to_vec(&rows).unwrap()).await;
    assert_eq!(
        (changed["created"].as_i64(), changed["updated"].as_i64(), changed["unchanged"].as_i64()),
        (Some(0), Some(1), Some(187))
    );
    assert_eq!(acunum::places::store::count(&app.db, f.org_id).await.unwrap(), total);

    // Nearest places around Angoulême: in Charente, by distance, the renamed one findable by text.
    let near: serde_json::Value = api
        .get(app.url("/api/v1/places?near=16000&limit=10"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(near["origin"]["label"], "Angoulême (16000)");
    let places = near["places"].as_array().unwrap();
    assert_eq!(places.len(), 10);
    let distances: Vec<f64> = places.iter().map(|p| p["distance_km"].as_f64().unwrap()).collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
    assert!(places.iter().all(|p| p["code_postal"].as_str().unwrap().starts_with("16")), "{near}");
    let found: serde_json::Value = api
        .get(app.url("/api/v1/places?q=mediatheque%20renommee"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 1);
    // A typology and a service, around Nouméa: the library there.
    let svc = "Accès internet et matériel informatique";
    let nc: serde_json::Value =
        api.get(app.url(&format!(
            "/api/v1/places?near=Noum%C3%A9a&typologie=BIB&service={}&limit=3",
            svc.replace(' ', "%20")
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = &nc["places"][0];
    assert!(first["code_postal"].as_str().unwrap().starts_with("988"), "{nc}");
    assert!(first["typologie"].as_array().unwrap().iter().any(|t| t == "BIB"));
    assert!(first["services"].as_array().unwrap().iter().any(|s| s == svc));
    // Within a radius, and a point given by coordinates.
    let within: serde_json::Value = api
        .get(app.url("/api/v1/places?lat=45.65&lon=0.16&radius_km=5&limit=1000"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(within["places"].as_array().unwrap().iter().all(|p| p["distance_km"].as_f64().unwrap() <= 5.0));
    assert!(!within["places"].as_array().unwrap().is_empty());
    // Bad parameters: structured errors.
    for (q, field) in [
        ("near=Nulle-Part-sur-Rien", "near"),
        ("typologie=BOULANGERIE", "typologie"),
        ("radius_km=-3&near=16000", "radius_km"),
        ("limit=0", "limit"),
        ("lat=95&lon=2", "lat"),
        ("service=Cuisine", "service"),
    ] {
        let r = api.get(app.url(&format!("/api/v1/places?{q}"))).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), 422, "{q}");
        let e: serde_json::Value = r.json().await.unwrap();
        assert_eq!(e["fields"][0]["field"], field, "{q}: {e}");
    }

    // One place, with its fields and the columns outside the schema.
    let id = places[0]["id"].as_i64().unwrap();
    let one: serde_json::Value = api
        .get(app.url(&format!("/api/v1/places/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["fields"]["nom"], places[0]["nom"]);
    assert_eq!(one["fields"].as_object().unwrap().len(), 32);

    // Another organisation sees none of it.
    let other_token = app.token_for(&other.coordinator).await;
    let r = api.get(app.url(&format!("/api/v1/places/{id}"))).bearer_auth(&other_token).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let theirs: serde_json::Value = api
        .get(app.url("/api/v1/places?near=16000"))
        .bearer_auth(&other_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(theirs["places"].as_array().unwrap().is_empty());
    let export = api
        .get(app.url("/api/v1/places/export.csv"))
        .bearer_auth(&other_token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(export.lines().count(), 1, "only the header");

    // The exports validate against the official schema with an independent validator.
    let csv =
        api.get(app.url("/api/v1/places/export.csv")).bearer_auth(&token).send().await.unwrap().bytes().await.unwrap();
    let json =
        api.get(app.url("/api/v1/places/export.json")).bearer_auth(&token).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(String::from_utf8_lossy(&csv).lines().count() as i64, total + 1);
    let items: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(items.as_array().unwrap().len() as i64, total);
    if let Some(fl) = frictionless() {
        validate(&fl, "lieux.csv", &csv, false);
        validate(&fl, "lieux.json", &json, true);
    }
    // An export imports back as it is (same ids and sources: nothing new).
    let back = import_api(&app, &token, "lieux.csv", csv.to_vec()).await;
    assert_eq!(back["rejected"], 0, "{back}");
}

async fn place_by_ext_id(app: &TestApp, token: &str, org: i64, ext_id: &str) -> serde_json::Value {
    let id: i64 = sqlx::query_scalar("SELECT id FROM places WHERE org_id = $1 AND ext_id = $2")
        .bind(org)
        .bind(ext_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let r = app.api().get(app.url(&format!("/api/v1/places/{id}"))).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

both_databases!(places_stay_in_their_commune_whatever_their_codes_say);

/// Wrong postal codes, a wrong INSEE code and homonyms: the commune named wins, the row is imported
/// « à vérifier » with both values, never moved silently; phones that follow the schema's pattern
/// are kept; a search near a name several communes bear offers them.
async fn places_stay_in_their_commune_whatever_their_codes_say(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Réseau").await;
    let token = app.token_for(&f.coordinator).await;
    let csv = "id,nom,adresse,commune,code_postal,code_insee,latitude,longitude,telephone\n\
        a,Médiathèque,1 rue,Angoulême,1600,,,,\n\
        c,EPN,2 rue,Cognac,16000,,,,\n\
        m,Case,3 rue,Mont-Dore,98800,63236,-22.23039,166.52465,+687050709\n\
        s,Mairie,4 rue,Saint-Ouen,80610,,,,\n\
        v,Tiers-lieu,5 rue,Saint-Ouen,,,47.81,1.08,\n\
        b,Espace,6 rue,Bourg-en-Bresse,01500,,46.2010,5.2134,\n\
        ok,Centre,7 rue,Angoulême,16000,16015,45.65,0.156,+33545000000\n";
    let r = import_api(&app, &token, "codes.csv", csv.as_bytes().to_vec()).await;
    assert_eq!((r["rows_total"].as_i64(), r["rejected"].as_i64()), (Some(7), Some(0)), "{r}");
    assert_eq!(r["to_check"].as_i64(), Some(4), "{r}");
    let place = |id: &'static str| place_by_ext_id(&app, &token, f.org_id, id);
    let fields = |p: &serde_json::Value, k: &str| p["fields"][k].as_str().unwrap().to_string();
    // Angoulême, not Trévoux (01600); Cognac, not Angoulême; both to check.
    let a = place("a").await;
    assert_eq!((fields(&a, "code_insee"), fields(&a, "code_postal")), ("16015".into(), "16000".into()), "{a}");
    assert!((a["latitude"].as_f64().unwrap() - 45.65).abs() < 0.1, "{a}");
    assert!(a["to_check"].to_string().contains("Trévoux"), "{a}");
    let c = place("c").await;
    assert_eq!((fields(&c, "code_insee"), fields(&c, "code_postal")), ("16102".into(), "16100".into()), "{c}");
    assert!((c["longitude"].as_f64().unwrap() - -0.33).abs() < 0.1, "{c}");
    // Le Mont-Dore of Nouvelle-Calédonie, not the Puy-de-Dôme's; its phone kept.
    let m = place("m").await;
    assert_eq!((fields(&m, "code_insee"), fields(&m, "commune")), ("98817".into(), "Le Mont-Dore".into()), "{m}");
    assert_eq!(fields(&m, "telephone"), "+687050709");
    assert!(m["to_check"].to_string().contains("63236"), "{m}");
    // Homonyms: the postal code, or the point, decides.
    assert_eq!(fields(&place("s").await, "code_insee"), "80711");
    assert_eq!(fields(&place("v").await, "code_insee"), "41226");
    assert_eq!(fields(&place("b").await, "code_insee"), "01053");
    let ok = place("ok").await;
    assert_eq!(ok["to_check"], serde_json::json!([]), "{ok}");
    // The report and the place's page say it.
    let report = app
        .api()
        .get(app.url(&format!("/api/v1/places/imports/{}", r["id"])))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(report.contains("à vérifier") && report.contains("Trévoux"), "{report}");
    let web = app.logged_in(&f.coordinator).await;
    let id = a["id"].as_i64().unwrap();
    let page = web.get(app.url(&format!("/lieux/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("À vérifier") && page.contains("Trévoux"), "{page}");
    // A search near « Saint-Ouen » is not settled silently: the communes are offered.
    let near = app.api().get(app.url("/api/v1/places?near=Saint-Ouen")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(near.status(), 422);
    let said = near.text().await.unwrap();
    assert!(said.contains("41100") && said.contains("80610"), "{said}");
    let page = web.get(app.url("/lieux?pres_de=Saint-Ouen")).send().await.unwrap();
    assert_eq!(page.status(), 422);
    let page = page.text().await.unwrap();
    assert!(page.contains("pres_de=Saint-Ouen+%2880610%29"), "{page}");
    let chosen: serde_json::Value = app
        .api()
        .get(app.url("/api/v1/places?near=Saint-Ouen%20(80610)"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(chosen["origin"]["label"], "Saint-Ouen (80610)", "{chosen}");
}

both_databases!(bad_files_are_refused_or_reported_and_keep_what_was_imported);

async fn bad_files_are_refused_or_reported_and_keep_what_was_imported(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.places_max_upload_bytes = 256 * 1024).await;
    let f = seed_org(&app.db, "Réseau").await;
    let token = app.token_for(&f.coordinator).await;
    let api = app.api();
    let good = "id,pivot,nom,commune,code_postal,adresse,date_maj\nepn-1,00000000000000,EPN du Centre,Angoulême,16000,1 rue,2024-01-02\n";
    import_api(&app, &token, "good.csv", good.as_bytes().to_vec()).await;

    // Windows-1252 with ";" and a four-digit postal code, a bad SIRET, coordinates outside France,
    // a duplicate id, a row without address: read, corrected or rejected row by row.
    let latin1: Vec<u8> = b"id;pivot;nom;commune;code_postal;adresse;latitude;longitude;date_maj\n\
        m-1;43493312300028;M\xe9diath\xe8que;Bourg-en-Bresse;1000;1 place;46.2;5.22;2024-01-02\n\
        m-2;00000000000000;Fablab;Angoul\xeame;16000;2 rue;40.7;-74.0;2024-01-02\n\
        m-2;00000000000000;Doublon;Angoul\xeame;16000;3 rue;;;2024-01-02\n\
        m-3;00000000000000;Sans adresse;Angoul\xeame;16000;;;;2024-01-02\n\
        m-4;00000000000000;Code faux;Nulle-Part;ABCDE;4 rue;;;2024-01-02\n"
        .to_vec();
    let r = import_api(&app, &token, "latin1.csv", latin1).await;
    assert_eq!(
        (r["rows_total"].as_i64(), r["corrected"].as_i64(), r["rejected"].as_i64()),
        (Some(5), Some(2), Some(3)),
        "{r}"
    );
    let text = r.to_string();
    for needle in ["Windows-1252", "01000", "SIRET", "hors de France", "déjà présent", "adresse est absente", "ABCDE"]
    {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    let m1: serde_json::Value = api
        .get(app.url("/api/v1/places?q=mediatheque"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(m1["places"][0]["nom"], "Médiathèque");
    assert_eq!(m1["places"][0]["code_postal"], "01000");

    // Files that are not places: refused with a reason, nothing changes.
    for (name, bytes) in [
        ("offre.pdf", b"%PDF-1.4 ...".to_vec()),
        ("vide.csv", Vec::new()),
        ("casse.json", b"[{\"id\": ".to_vec()),
        ("autre.csv", b"foo,bar\n1,2\n".to_vec()),
    ] {
        let r = api
            .post(app.url(&format!("/api/v1/places/import?filename={name}")))
            .bearer_auth(&token)
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{name}");
        let e: serde_json::Value = r.json().await.unwrap();
        assert_eq!(e["code"], "invalid");
        assert!(!e["fields"][0]["message"].as_str().unwrap().is_empty());
    }
    // Too large (the limit is configured, here 256 KB): refused before reading.
    let big = vec![b'a'; 400 * 1024];
    let r = api
        .post(app.url("/api/v1/places/import?filename=big.csv"))
        .bearer_auth(&token)
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "payload_too_large");
    // Through the page too, with a French message.
    let web = app.logged_in(&f.coordinator).await;
    let csrf = app.csrf(&web).await;
    let form =
        reqwest::multipart::Form::new().part("fichier", reqwest::multipart::Part::bytes(big).file_name("big.csv"));
    let r = web.post(app.url(&format!("/lieux/import?_csrf={csrf}"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("trop volumineux"));
    let form = reqwest::multipart::Form::new()
        .part("fichier", reqwest::multipart::Part::bytes(b"%PDF-1.4".to_vec()).file_name("x.pdf"));
    let r = web.post(app.url(&format!("/lieux/import?_csrf={csrf}"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Fichier refusé"));
    // Everything imported before is still there.
    assert_eq!(acunum::places::store::count(&app.db, f.org_id).await.unwrap(), 3);

    // The upload page: a file in, the report's page out.
    let form = reqwest::multipart::Form::new()
        .part("fichier", reqwest::multipart::Part::bytes(real_file(REAL_FILES[2].0)).file_name(REAL_FILES[2].0));
    let r = web.post(app.url(&format!("/lieux/import?_csrf={csrf}"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let report = location(&r);
    let html = web.get(app.url(&report)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Rapport d'import") && html.contains("90</strong> ligne(s)"), "{html}");
    // Without the CSRF token, nothing is imported.
    let form = reqwest::multipart::Form::new()
        .part("fichier", reqwest::multipart::Part::bytes(good.as_bytes().to_vec()).file_name("g.csv"));
    let r = web.post(app.url("/lieux/import")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 403);

    // The search page: around a commune, a list and the map; a place's page.
    let html = web.get(app.url("/lieux?pres_de=Noum%C3%A9a&n=5")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Les lieux les plus proches de Nouméa"), "{html}");
    assert!(html.contains("<svg class=\"carte\"") && html.contains("m-origine") && html.contains("m-lieu"));
    assert_eq!(html.matches("<li><a href=\"/lieux/").count(), 5);
    let place = extract(&html, r#"<li><a href="/lieux/(\d+)""#).unwrap();
    let html = web.get(app.url(&format!("/lieux/{place}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Nouvelle-Calédonie") && html.contains("<svg class=\"carte\""));
    let r = web.get(app.url("/lieux?pres_de=Nulle-Part-sur-Rien")).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Commune ou code postal inconnu"));
}

both_databases!(the_nearest_intervenant_who_knows_the_sector_goes_into_the_quote);

async fn the_nearest_intervenant_who_knows_the_sector_goes_into_the_quote(b: Backend) {
    let app = TestApp::spawn(b).await;
    let f = seed_org(&app.db, "Réseau").await;
    let token = app.token_for(&f.coordinator).await;
    let api = app.api();
    let post = |path: &'static str, body: serde_json::Value| {
        let (api, url, token) = (api.clone(), app.url(path), token.clone());
        async move {
            let r = api.post(url).bearer_auth(token).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 201);
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let client = post("/api/v1/clients", serde_json::json!({"name": "Clinique de Cognac", "sector": "sante", "kind": "entreprise", "postal_code": "16100", "city": "Cognac"})).await;
    // Near but without the sector; farther with it; an animator only; one in Lyon with the sector.
    let near = post("/api/v1/intervenants", serde_json::json!({"first_name": "Alex", "last_name": "Proche", "is_mediator": true, "city": "Jarnac", "postal_code": "16200", "sectors": ["industrie"], "active": true})).await;
    let fit = post("/api/v1/intervenants", serde_json::json!({"first_name": "Sam", "last_name": "Santé", "is_mediator": true, "city": "Angoulême", "postal_code": "16000", "sectors": ["sante"], "active": true})).await;
    post("/api/v1/intervenants", serde_json::json!({"first_name": "Ana", "last_name": "Animatrice", "is_animator": true, "city": "Cognac", "postal_code": "16100", "sectors": ["sante"], "active": true})).await;
    post("/api/v1/intervenants", serde_json::json!({"first_name": "Léo", "last_name": "Lyon", "is_mediator": true, "city": "Lyon", "postal_code": "69001", "sectors": ["sante"], "active": true})).await;
    import_api(&app, &token, REAL_FILES[1].0, real_file(REAL_FILES[1].0)).await;

    let cid = client["id"].as_i64().unwrap();
    let n: serde_json::Value = api
        .get(app.url(&format!("/api/v1/clients/{cid}/nearby?role=mediator")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let with: Vec<&str> = n["with_sector"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(with, vec!["Sam Santé", "Léo Lyon"], "{n}");
    assert_eq!(n["others"][0]["intervenant_id"], near["id"]);
    let km = n["with_sector"][0]["distance_km"].as_f64().unwrap();
    assert!((35.0..50.0).contains(&km), "Cognac–Angoulême: {km}");
    assert!(
        n["places"].as_array().unwrap().len() == 10
            && n["places"][0]["code_postal"].as_str().unwrap().starts_with("16")
    );
    let r =
        api.get(app.url(&format!("/api/v1/clients/{cid}/nearby?role=chef"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 422);

    // The page offers a quote with the chosen one; the quote's travel line counts that distance.
    let web = app.logged_in(&f.coordinator).await;
    let html = web
        .get(app.url(&format!("/clients/{cid}/proximite?role=mediator")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let link = format!("/devis/nouveau?client={cid}&amp;intervenant={}", fit["id"]);
    assert!(
        html.contains(&link) && html.contains("m-intervenant") && html.contains(&format!("{} km", km as i64)),
        "{html}"
    );
    let form = web.get(app.url(&link.replace("&amp;", "&"))).send().await.unwrap().text().await.unwrap();
    assert!(form.contains(&format!("value=\"{}\" selected", fit["id"])), "the intervenant is chosen");
    assert!(form.contains("value=\"per_km\" selected"), "travel per km");
    let modules: serde_json::Value =
        api.get(app.url("/api/v1/modules")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let preview: serde_json::Value = api
        .post(app.url("/api/v1/quotes/preview"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "client_id": cid,
            "intervenant_id": fit["id"],
            "items": [{"module_id": modules[0]["id"]}],
            "travel": {"mode": "per_km", "rate_per_km": "0.45"}
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let travel = preview["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "travel")
        .unwrap_or_else(|| panic!("{preview}"));
    assert!(travel["detail"].as_str().unwrap().contains(&format!("× {} km", km as i64)), "{travel}");
}
