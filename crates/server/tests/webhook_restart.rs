//! Webhooks survive a crash (issue 16): the real `crm serve` records a sale while its
//! delivery worker is asleep, is killed with SIGKILL before sending it, and is started
//! again on the same database — the event, written in the sale's transaction, reaches
//! the receiver after the restart. On SQLite (a file) and on a fresh PostgreSQL database.
//!
//! It lives beside `crash_safety.rs`: only this package's tests get `CARGO_BIN_EXE_crm`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test: a setup step or an expected field that is missing must fail it loudly"
)]

use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `crm serve` on one database, its worker polling every `poll_ms`.
struct Server {
    base_url: String,
    child: Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Server {
    async fn start(database_url: &str, data_dir: &Path, poll_ms: u64) -> Server {
        let port = free_port();
        let log = std::fs::File::create(data_dir.join(format!("serve-{port}.log"))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_crm"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("CRM_DATABASE_URL", database_url)
            .env("CRM_DATA_DIR", data_dir)
            .env("CRM_SEED_DEMO", "true")
            .env("CRM_WORKERS", "2")
            .env("CRM_WEBHOOKS__POLL_MS", poll_ms.to_string())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("crm serve starts");
        let server = Server {
            base_url: format!("http://127.0.0.1:{port}"),
            child,
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = client
                .get(format!("{}/readyz", server.base_url))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                return server;
            }
            assert!(Instant::now() < deadline, "crm serve did not get ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: no shutdown, whatever was in memory is gone.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().ok();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A receiver answering 200 to everything, keeping the bodies.
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = got.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Ok(n) = stream.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + length {
                        let body = &buf[end + 4..end + 4 + length];
                        kept.lock()
                            .unwrap()
                            .push(serde_json::from_slice(body).unwrap());
                        break;
                    }
                }
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (url, got)
}

async fn login(client: &reqwest::Client, base: &str, username: &str, password: &str) -> String {
    let reply: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reply["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("login of {username}: {reply}"))
        .to_owned()
}

async fn number(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

async fn delivered_after_restart(database_url: String, data_dir: PathBuf) {
    let client = reqwest::Client::new();
    let (url, got) = receiver().await;
    // The worker runs its first round at start, then sleeps ten minutes: the sale below
    // is never sent by this process.
    let server = Server::start(&database_url, &data_dir, 600_000).await;
    let base = server.base_url.clone();
    let admin = login(&client, &base, "admin", "Admin2026!").await;
    let registered = client
        .post(format!("{base}/api/v1/webhooks"))
        .bearer_auth(&admin)
        .json(&json!({"url": url, "events": ["sale.completed"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let db = Database::connect(&database_url).await.unwrap();
    let product = number(&db, "SELECT MIN(id) AS n FROM products WHERE active = true").await;
    let cashier = login(&client, &base, "caisse", "Caisse2026!").await;
    let receipt: Value = client
        .post(format!("{base}/api/v1/sales"))
        .bearer_auth(&cashier)
        .header("Idempotency-Key", "before-the-kill")
        .json(&json!({
            "lines": [{"product_id": product, "quantity": 1}],
            "payments": [{"method": "ESPECES", "amount": 500_000}]
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sale_id = receipt["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{receipt}"));
    server.kill();
    assert!(
        got.lock().unwrap().is_empty(),
        "nothing sent before the kill"
    );
    assert_eq!(
        number(&db, "SELECT COUNT(*) AS n FROM outbox_events WHERE kind = 'sale.completed' AND dispatched_at IS NULL").await,
        1,
        "the event waits in the outbox"
    );

    let server = Server::start(&database_url, &data_dir, 100).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let events = got.lock().unwrap().clone();
        if let Some(event) = events.first() {
            assert_eq!(event["type"], "sale.completed");
            assert_eq!(event["data"]["sale_id"], sale_id);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the event was not delivered after the restart"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(got.lock().unwrap().len(), 1, "delivered once");
    assert_eq!(
        number(
            &db,
            "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'DELIVERED'"
        )
        .await,
        1
    );
    drop(server);
    db.close().await.ok();
}

fn sandbox() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("crm-hook-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_delivers_after_a_sigkill() {
    let dir = sandbox();
    let url = format!("sqlite://{}?mode=rwc", dir.join("crm.sqlite").display());
    delivered_after_restart(url, dir.clone()).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_delivers_after_a_sigkill() {
    let admin = std::env::var("CRM_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("crm_hook_{}", uuid::Uuid::new_v4().simple());
    let conn = Database::connect(&admin)
        .await
        .expect("PostgreSQL reachable (CRM_TEST_PG)");
    conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let (base, _) = admin
        .rsplit_once('/')
        .expect("CRM_TEST_PG ends with /<database>");
    let dir = sandbox();
    delivered_after_restart(format!("{base}/{name}"), dir.clone()).await;
    conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .ok();
    let _ = std::fs::remove_dir_all(dir);
}
