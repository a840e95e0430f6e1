//! Test harness: the real `crm` server, in-process on a random port, against a fresh
//! database per test — a temporary SQLite file, or a database created on the local
//! PostgreSQL (`CRM_TEST_PG`, default `postgres://postgres@127.0.0.1:5432/postgres`) and
//! dropped afterwards. Migrations run exactly as in production.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test support: a setup step or an expected JSON field that is missing must fail \
              the test loudly, at the line that says what was expected"
)]

pub mod webdriver;

use crm_domain::{Role, Scope};
use crm_server::{Application, Settings};
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;
use std::path::PathBuf;

/// Which database a test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A temporary SQLite file.
    Sqlite,
    /// A fresh database on the local PostgreSQL server.
    Postgres,
}

/// The JWT secret every test server signs with, so tests can forge tokens.
pub const JWT_SECRET: &str = "test-secret-for-forged-token-checks";

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// HTTP client.
    pub client: reqwest::Client,
    /// Backend in use.
    pub backend: Backend,
    /// Server state (database pool, keys).
    pub state: crm_server::startup::AppStateHandle,
    /// The SQLite file, for SQLite tests.
    pub sqlite_file: Option<PathBuf>,
    /// Data directory (removed on drop).
    pub data_dir: PathBuf,
    pg_database: Option<(String, String)>,
}

/// The PostgreSQL server tests create their databases on.
pub fn pg_admin_url() -> String {
    std::env::var("CRM_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn with_database(url: &str, database: &str) -> String {
    let (base, _) = url
        .rsplit_once('/')
        .expect("CRM_TEST_PG must end with /<database>");
    format!("{base}/{database}")
}

/// Settings for a test server on `database_url`, with everything else isolated.
pub fn test_settings(database_url: String, data_dir: PathBuf) -> Settings {
    Settings {
        database_url,
        bind: "127.0.0.1:0".into(),
        data_dir,
        spa_dir: spa_dir(),
        jwt_secret: Some(JWT_SECRET.into()),
        phone_key: Some(crm_server::pii::generate_key()),
        phone_index_key: Some(crm_server::pii::generate_key()),
        workers: 2,
        ..Settings::default()
    }
}

/// The built SPA (`CRM_SPA_DIR`, default `frontend/dist` of the workspace).
pub fn spa_dir() -> PathBuf {
    std::env::var_os("CRM_SPA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../frontend/dist"))
}

/// A server on SQLite seeded with the demo store, and a headless Chromium to drive the
/// built SPA it serves (`cargo xtask spa`).
pub async fn demo_store_in_browser() -> (TestApp, webdriver::Browser) {
    assert!(
        spa_dir().join("index.html").is_file(),
        "the SPA is not built in {}: run `cargo xtask spa`",
        spa_dir().display()
    );
    let app = spawn_with(Backend::Sqlite, |s| s.seed_demo = true).await;
    let browser = webdriver::Browser::start()
        .await
        .expect("headless Chromium starts");
    (app, browser)
}

/// Starts a server on a fresh database of `backend`.
pub async fn spawn(backend: Backend) -> TestApp {
    spawn_with(backend, |_| {}).await
}

/// Starts a server on a fresh database, after `adjust` has changed its settings.
pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let data_dir = std::env::temp_dir().join(format!("crm-test-{id}"));
    std::fs::create_dir_all(&data_dir).expect("temp dir");
    let (database_url, sqlite_file, pg_database) = match backend {
        Backend::Sqlite => {
            let file = data_dir.join("crm.sqlite");
            (
                format!("sqlite://{}?mode=rwc", file.display()),
                Some(file),
                None,
            )
        }
        Backend::Postgres => {
            let admin = pg_admin_url();
            let name = format!("crm_test_{id}");
            let conn = Database::connect(&admin).await.unwrap_or_else(|e| {
                panic!("PostgreSQL unreachable at {admin} ({e}); start it or set CRM_TEST_PG")
            });
            conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            conn.close().await.ok();
            (with_database(&admin, &name), None, Some((admin, name)))
        }
    };
    let mut settings = test_settings(database_url, data_dir.clone());
    adjust(&mut settings);
    let app = Application::build(settings).await.expect("server starts");
    let base_url = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base_url,
        client: reqwest::Client::new(),
        backend,
        state,
        sqlite_file,
        data_dir,
        pg_database,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some((admin, name)) = self.pg_database.take() {
            // Drop runs outside async context: use a throwaway runtime on its own thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let conn = Database::connect(&admin).await.ok()?;
                    conn.execute_unprepared(&format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    ))
                    .await
                    .ok()
                })
            })
            .join();
        }
    }
}

/// A response read whole: status, content type, JSON body (or `Value::Null`).
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Content-Type header.
    pub content_type: String,
    /// Body parsed as JSON, `Null` when not JSON.
    pub body: Value,
}

impl Reply {
    /// The problem `code` of an error body.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// Asserts a problem+json error with this status and code.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(
            self.status, status,
            "unexpected status, body: {}",
            self.body
        );
        assert_eq!(
            self.content_type, "application/problem+json",
            "body: {}",
            self.body
        );
        assert_eq!(self.code(), code, "body: {}", self.body);
        assert!(
            self.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "a readable detail is expected: {}",
            self.body
        );
    }
}

impl TestApp {
    /// Starts another server on this test's database, with the same settings and keys
    /// (a second API instance behind the same balancer), its own port, caches and data
    /// folder. It serves until the test ends.
    pub async fn spawn_beside(&self) -> TestApp {
        let data_dir =
            std::env::temp_dir().join(format!("crm-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&data_dir).expect("temp dir");
        let mut settings = self.state.settings.clone();
        settings.bind = "127.0.0.1:0".into();
        settings.data_dir = data_dir.clone();
        let app = Application::build(settings)
            .await
            .expect("second server starts");
        let base_url = format!("http://127.0.0.1:{}", app.port());
        let state = app.state();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            base_url,
            client: reqwest::Client::new(),
            backend: self.backend,
            state,
            // The database is the first server's: it drops it.
            sqlite_file: None,
            data_dir,
            pg_database: None,
        }
    }

    /// Absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        read(req.send().await.expect("request sent")).await
    }

    /// `POST /api/v1/sales` with this `Idempotency-Key` (or without the header).
    pub async fn checkout(&self, token: &str, key: Option<&str>, body: Value) -> Reply {
        let mut req = self
            .client
            .post(self.url("/api/v1/sales"))
            .bearer_auth(token)
            .json(&body);
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        read(req.send().await.expect("request sent")).await
    }

    /// `POST /api/v1/sales` under a fresh `Idempotency-Key`.
    pub async fn sell(&self, token: &str, body: Value) -> Reply {
        let key = uuid::Uuid::new_v4().to_string();
        self.checkout(token, Some(&key), body).await
    }

    /// Sends raw bytes as the body with a content type.
    pub async fn call_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let mut req = self
            .client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        read(req.send().await.expect("request sent")).await
    }

    /// Creates a staff account directly (as `crm user create` does).
    pub async fn create_user(&self, username: &str, role: Role, password: &str) {
        crm_server::accounts::create_user(&self.state.db, username, role, password, None)
            .await
            .expect("user created");
    }

    /// Logs in and returns the whole response body.
    pub async fn login_body(&self, username: &str, password: &str) -> Value {
        let reply = self
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(serde_json::json!({"username": username, "password": password})),
            )
            .await;
        assert_eq!(
            reply.status, 200,
            "login of {username} failed: {}",
            reply.body
        );
        reply.body
    }

    /// Creates a user of `role` and returns an access token for it.
    pub async fn token_for(&self, role: Role) -> String {
        let username = format!(
            "{}-{}",
            role.as_str().to_lowercase(),
            uuid::Uuid::new_v4().simple()
        );
        self.create_user(&username, role, "motdepasse-test").await;
        self.login_body(&username, "motdepasse-test").await["access_token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// Creates a service account with `scopes` and returns an access token for it.
    pub async fn service_token(&self, scopes: &[Scope]) -> String {
        let issued = crm_server::accounts::create_service_account(&self.state.db, "test", scopes)
            .await
            .expect("service account");
        let reply = self
            .call(
                "POST",
                "/api/v1/auth/token",
                None,
                Some(serde_json::json!({"client_id": issued.client_id, "client_secret": issued.client_secret})),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["access_token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// Seeds a store with one till and the demo catalogue (16 products).
    pub async fn seed_catalogue(&self) {
        crm_store::stores::ensure(
            &self.state.db,
            "ABJ01",
            "Supermarché Plateau",
            "Abidjan",
            "Africa/Abidjan",
        )
        .await
        .expect("store");
        crm_server::demo::seed_catalogue(&self.state)
            .await
            .expect("catalogue");
    }

    /// The barcode of the `i`-th demo product.
    pub fn demo_barcode(i: usize) -> String {
        crm_domain::barcode::ean13(crm_server::demo::DEMO_PRODUCTS[i].0).expect("12 digits")
    }

    /// Number of rows in `table` (to prove that refused requests wrote nothing).
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .state
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.state.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count query")
            .expect("one row");
        row.try_get::<i64>("", "n").expect("count")
    }
}

async fn read(res: reqwest::Response) -> Reply {
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = res.bytes().await.unwrap_or_default();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        content_type,
        body,
    }
}

/// One operation of the OpenAPI document the server serves.
pub struct DocumentedOperation {
    /// `GET`, `POST`…
    pub method: &'static str,
    /// The path as the document writes it (`/api/v1/coupons/{id}`).
    pub path: String,
    /// Whether it declares a security requirement (a bearer token).
    pub secured: bool,
}

/// Every operation of `crm_server::openapi::document()`, in path order.
pub fn documented_operations() -> Vec<DocumentedOperation> {
    let doc = crm_server::openapi::document();
    let mut operations = Vec::new();
    for (path, item) in &doc.paths.paths {
        let methods = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
            ("HEAD", &item.head),
            ("OPTIONS", &item.options),
            ("TRACE", &item.trace),
        ];
        for (method, operation) in methods {
            if let Some(operation) = operation {
                let secured = operation
                    .security
                    .as_ref()
                    .or(doc.security.as_ref())
                    .is_some_and(|requirements| !requirements.is_empty());
                operations.push(DocumentedOperation {
                    method,
                    path: path.clone(),
                    secured,
                });
            }
        }
    }
    operations
}

/// A documented path with every parameter (`{id}`, `{key}`…) replaced by `value`.
pub fn fill_path(path: &str, value: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                value
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Runs the test body once on SQLite and once on PostgreSQL, as two tests.
#[macro_export]
macro_rules! on_both_databases {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        // Always compiled in a test binary; `cfg(test)` marks the scenario, which is not a
        // `#[test]` function itself, as test code for clippy (clippy.toml).
        #[cfg(test)]
        mod $name {
            #[allow(unused_imports, reason = "a scenario may use nothing of its test file")]
            use super::*;
            async fn scenario($app: $crate::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                scenario($crate::spawn($crate::Backend::Sqlite).await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                scenario($crate::spawn($crate::Backend::Postgres).await).await
            }
        }
    };
}
