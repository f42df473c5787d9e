//! The test harness: an application on a fresh database (SQLite always; PostgreSQL when
//! `ACUNUM_TEST_POSTGRES` gives a server), served on a random port, and HTTP clients with their
//! own cookie jars.

use std::net::SocketAddr;

use acunum::app::{AppState, router};

use acunum::auth::Role;
use acunum::auth::store::{NewUser, create_user};
use acunum::config::Config;
use acunum::db::Db;
use acunum::org::OrgInput;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an async test body on SQLite and, when configured, on PostgreSQL.
#[macro_export]
macro_rules! both_databases {
    ($($name:ident),* $(,)?) => { $(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::helpers::postgres_url().is_none() {
                    eprintln!("ACUNUM_TEST_POSTGRES is not set: PostgreSQL variant skipped");
                    return;
                }
                super::$name($crate::helpers::Backend::Postgres).await;
            }
        }
    )* };
}

pub fn postgres_url() -> Option<String> {
    std::env::var("ACUNUM_TEST_POSTGRES").ok().filter(|s| !s.is_empty())
}

pub const PASSWORD: &str = "mot-de-passe-de-test";

/// A fresh, migrated database; for PostgreSQL, a schema of its own in the test database.
pub async fn fresh_db(backend: Backend) -> (Db, String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite://{}", dir.path().join("acunum.db").display());
            let db = Db::connect(&url, 4).await.expect("sqlite");
            db.migrate().await.expect("migrate");
            (db, url, Some(dir))
        }
        Backend::Postgres => {
            let base = postgres_url().expect("ACUNUM_TEST_POSTGRES");
            let schema = format!(
                "t_{}",
                acunum::auth::random_token()
                    .to_lowercase()
                    .replace(['-', '_'], "")
                    .chars()
                    .take(16)
                    .collect::<String>()
            );
            let admin = Db::connect(&base, 1).await.expect("postgres");
            sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&admin.pool).await.expect("schema");
            admin.pool.close().await;
            let sep = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
            let db = Db::connect(&url, 4).await.expect("postgres schema");
            db.migrate().await.expect("migrate");
            (db, url, None)
        }
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub db: Db,
    pub url: String,
    pub state: AppState,
    /// The messages received by the test's SMTP server.
    pub mails: Mails,
    _dir: Option<tempfile::TempDir>,
}

pub type Mails = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// A minimal SMTP server that keeps what it receives (enough for lettre's plain SMTP).
pub async fn smtp_sink() -> (u16, Mails) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("smtp bind");
    let port = listener.local_addr().expect("addr").port();
    let mails: Mails = Default::default();
    let store = mails.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut lines = BufReader::new(r).lines();
                let _ = w.write_all(b"220 acunum-test ESMTP\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(buf) = data.as_mut() {
                        if line == "." {
                            store.lock().unwrap().push(std::mem::take(buf));
                            data = None;
                            let _ = w.write_all(b"250 OK\r\n").await;
                        } else {
                            buf.push_str(&line);
                            buf.push('\n');
                        }
                        continue;
                    }
                    let upper = line.to_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-acunum-test\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("DATA") {
                        data = Some(String::new());
                        b"354 go\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    let _ = w.write_all(reply).await;
                }
            });
        }
    });
    (port, mails)
}

pub fn test_config(url: &str) -> Config {
    Config { database_url: url.to_string(), base_url: "http://acunum.test".into(), ..Config::default() }
}

/// Serves `db` on a random local port.
pub async fn serve(db: Db, config: Config) -> (SocketAddr, AppState) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = AppState::new(db, config);
    let served = state.clone();
    tokio::spawn(async move {
        axum::serve(listener, router(served).into_make_service_with_connect_info::<SocketAddr>()).await.expect("serve");
    });
    (addr, state)
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, |_| {}).await
    }

    /// The same, with a configuration changed by `set`.
    pub async fn spawn_with(backend: Backend, set: impl FnOnce(&mut Config)) -> TestApp {
        let (db, url, dir) = fresh_db(backend).await;
        let (smtp, mails) = smtp_sink().await;
        let mut config = test_config(&url);
        config.smtp_url = format!("smtp://127.0.0.1:{smtp}");
        set(&mut config);
        let (addr, state) = serve(db.clone(), config).await;
        TestApp { addr, db, url, state, mails, _dir: dir }
    }

    /// A second server process on the same database (what a load balancer would see).
    pub async fn second_instance(&self) -> SocketAddr {
        let db = Db::connect(&self.url, 4).await.expect("connect");
        serve(db, test_config(&self.url)).await.0
    }

    /// Stops the application's clock at `ts` (Unix seconds): a training of 2027 is run today as if
    /// it were then, and every record is dated by that clock.
    pub fn set_now(&self, ts: i64) {
        self.state.clock.set(ts);
    }

    /// Stops the clock `offset` seconds after the start of a half-day (negative: before it).
    pub async fn during_half(&self, hid: i64, offset: i64) {
        let start: i64 = sqlx::query_scalar("SELECT start_at FROM half_days WHERE id = $1")
            .bind(hid)
            .fetch_one(&self.db.pool)
            .await
            .expect("half-day");
        self.set_now(start + offset);
    }

    /// Stops the clock `offset` seconds after the end of a half-day.
    pub async fn after_half(&self, hid: i64, offset: i64) {
        let end: i64 = sqlx::query_scalar("SELECT end_at FROM half_days WHERE id = $1")
            .bind(hid)
            .fetch_one(&self.db.pool)
            .await
            .expect("half-day");
        self.set_now(end + offset);
    }

    /// Runs the due jobs (e-mails, reminders) now.
    pub async fn run_jobs(&self) -> usize {
        acunum::worker::run_pending(&self.state).await.expect("jobs")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A browser-like client: its own cookies, no automatic redirects.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    pub async fn get(&self, c: &reqwest::Client, path: &str) -> reqwest::Response {
        c.get(self.url(path)).send().await.expect("get")
    }

    /// The CSRF token of the client's session (read from any page).
    pub async fn csrf(&self, c: &reqwest::Client) -> String {
        let mut r = self.get(c, "/connexion").await;
        if r.status() == 303 {
            r = self.get(c, "/compte").await;
        }
        let html = r.text().await.expect("text");
        extract(&html, r#"name="csrf-token" content="([^"]+)""#).expect("csrf meta")
    }

    /// Posts a form with the session's CSRF token.
    pub async fn post_form(&self, c: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf(c).await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("_csrf", &token));
        c.post(self.url(path)).form(&all).send().await.expect("post")
    }

    pub async fn login(&self, c: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
        self.post_form(c, "/connexion", &[("email", email), ("password", password)]).await
    }

    /// A logged-in client.
    pub async fn logged_in(&self, email: &str) -> reqwest::Client {
        let c = self.client();
        let r = self.login(&c, email, PASSWORD).await;
        assert_eq!(r.status(), 303, "login of {email} failed");
        c
    }

    /// A client for the JSON API with a bearer token.
    pub fn api(&self) -> reqwest::Client {
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
    }

    pub async fn token_for(&self, email: &str) -> String {
        let user = acunum::auth::store::user_by_email(&self.db, email).await.expect("db").expect("user");
        let token = acunum::auth::random_token();
        acunum::auth::store::create_token(&self.db, user.id, "test", &token).await.expect("token");
        token
    }
}

/// An organisation with its coordinator and an intervenant account, and the ACUNUM catalogue.
pub struct OrgFixture {
    pub org_id: i64,
    pub slug: String,
    pub coordinator: String,
    pub intervenant: String,
}

static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

pub fn password_hash() -> String {
    HASH.get_or_init(|| acunum::auth::hash_password(PASSWORD).expect("hash")).clone()
}

pub async fn seed_org(db: &Db, name: &str) -> OrgFixture {
    let org = acunum::org::store::create(
        db,
        &OrgInput {
            name: name.into(),
            vat_exempt: true,
            siret: "73282932000074".into(),
            nda: "75160123416".into(),
            ..Default::default()
        },
    )
    .await
    .expect("org");
    acunum::catalogue::store::seed_default(db, org.id).await.expect("catalogue");
    let hash = password_hash();
    let key = org.slug.clone();
    let coordinator = format!("coord@{key}.test");
    let intervenant = format!("interv@{key}.test");
    create_user(
        db,
        NewUser {
            org_id: Some(org.id),
            email: &coordinator,
            name: "Coordination",
            role: Role::Coordinator,
            password_hash: &hash,
        },
    )
    .await
    .expect("user");
    create_user(
        db,
        NewUser {
            org_id: Some(org.id),
            email: &intervenant,
            name: "Intervenant",
            role: Role::Intervenant,
            password_hash: &hash,
        },
    )
    .await
    .expect("user");
    OrgFixture { org_id: org.id, slug: org.slug, coordinator, intervenant }
}

pub async fn seed_admin(db: &Db) -> String {
    let email = "admin@reseau.test".to_string();
    create_user(
        db,
        NewUser { org_id: None, email: &email, name: "Admin", role: Role::Admin, password_hash: &password_hash() },
    )
    .await
    .expect("admin");
    email
}

/// The first capture of `pattern` in `text`.
pub fn extract(text: &str, pattern: &str) -> Option<String> {
    regex::Regex::new(pattern).ok()?.captures(text).map(|c| c[1].to_string())
}

/// The path a redirect points to.
pub fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}
