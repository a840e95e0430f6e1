//! Crash safety of checkout, proved on the real `crm serve` process: 8 tills post sales
//! (some with capped coupons), the server is killed with SIGKILL mid-stream and started
//! again on the same database. Then every sale that got a 2xx is there exactly once with
//! its points and coupon use, no sale is half-written (lines, payments, points and
//! coupon use all there or none), the caps hold, and sending every key again — those
//! whose answer was lost included — creates at most one sale per key. On SQLite (a
//! file) and on a fresh PostgreSQL database.
//!
//! It lives beside `cli.rs` because only this package's tests are handed the path of the
//! built `crm` binary (`CARGO_BIN_EXE_crm`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test: a setup step or an expected field that is missing must fail it loudly"
)]

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Concurrent tills.
const TILLS: usize = 8;
/// Traffic before the kill.
const BEFORE_KILL: Duration = Duration::from_millis(1_500);
/// The capped coupon: uses in all, and per customer.
const GLOBAL_CAP: i64 = 12;
const PER_CUSTOMER_CAP: i64 = 2;

/// One database and data folder, and the `crm serve` running on them.
struct Server {
    database_url: String,
    data_dir: PathBuf,
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
    /// Starts `crm serve` (the demo store seeded on first start) and waits until it answers.
    async fn start(database_url: &str, data_dir: &Path) -> Server {
        let port = free_port();
        let log = std::fs::File::create(data_dir.join(format!("serve-{port}.log"))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_crm"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("CRM_DATABASE_URL", database_url)
            .env("CRM_DATA_DIR", data_dir)
            .env("CRM_SEED_DEMO", "true")
            .env("CRM_WORKERS", "2")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("crm serve starts");
        let server = Server {
            database_url: database_url.to_owned(),
            data_dir: data_dir.to_owned(),
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

    /// SIGKILL: no shutdown, no flush, whatever was in flight is cut.
    fn kill(mut self) -> (String, PathBuf) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().ok();
        (self.database_url.clone(), self.data_dir.clone())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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

/// What a till sent, and what it heard back (`None`: the answer was lost).
struct Attempt {
    key: String,
    body: Value,
    answer: Option<(u16, Value)>,
}

async fn checkout(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> Option<(u16, Value)> {
    let res = client
        .post(format!("{base}/api/v1/sales"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .ok()?;
    let status = res.status().as_u16();
    let body = res.json().await.ok()?;
    Some((status, body))
}

async fn ids(db: &DatabaseConnection, sql: &str) -> Vec<i64> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<i64>("", "id").unwrap())
        .collect()
}

async fn number(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

/// Till `till`'s `n`-th basket: 1–3 products, a customer most of the time, the capped
/// coupon one time in three, paid cash with room to spare.
fn basket(till: usize, n: usize, products: &[i64], customers: &[i64], coupon: &str) -> Value {
    let pick = |i: usize| products[(till * 7 + n * 3 + i) % products.len()];
    let lines: Vec<Value> = (0..1 + (till + n) % 3)
        .map(|i| json!({"product_id": pick(i), "quantity": 1 + (n + i) % 2}))
        .collect();
    let customer = (!n.is_multiple_of(4)).then(|| customers[(till + n) % customers.len()]);
    let mut body = json!({
        "customer_id": customer,
        "lines": lines,
        "payments": [{"method": "ESPECES", "amount": 500_000}]
    });
    if n.is_multiple_of(3) {
        body["coupon_code"] = json!(coupon);
    }
    body
}

/// Every check that does not depend on what the tills heard: each sale is whole.
async fn assert_no_half_written_sale(db: &DatabaseConnection) {
    let checks = [
        (
            "sales whose lines do not add up to the total",
            "SELECT COUNT(*) AS n FROM sales s WHERE s.total <> \
             (SELECT COALESCE(SUM(l.line_total - l.discount), -1) FROM sale_lines l WHERE l.sale_id = s.id)",
        ),
        (
            "sales whose payments kept do not add up to the total",
            "SELECT COUNT(*) AS n FROM sales s WHERE s.total <> \
             (SELECT COALESCE(SUM(p.applied_amount), -1) FROM payments p WHERE p.sale_id = s.id)",
        ),
        (
            "customers' sales without their points",
            "SELECT COUNT(*) AS n FROM sales s WHERE s.customer_id IS NOT NULL AND s.points_earned > 0 AND \
             (SELECT COUNT(*) FROM points_ledger e WHERE e.sale_id = s.id AND e.kind = 'EARN' AND e.points = s.points_earned) <> 1",
        ),
        (
            "sales with a coupon discount and not exactly one use",
            "SELECT COUNT(*) AS n FROM sales s WHERE s.coupon_discount > 0 AND \
             (SELECT COUNT(*) FROM coupon_redemptions r WHERE r.sale_id = s.id) <> 1",
        ),
        (
            "coupon uses without their sale",
            "SELECT COUNT(*) AS n FROM coupon_redemptions r WHERE r.sale_id IS NULL OR NOT EXISTS \
             (SELECT 1 FROM sales s WHERE s.id = r.sale_id AND s.coupon_discount > 0)",
        ),
        (
            "coupons over their caps, or whose count is not their uses",
            "SELECT COUNT(*) AS n FROM coupons c WHERE c.uses_count > COALESCE(c.global_cap, c.uses_count) OR c.uses_count <> \
             (SELECT COUNT(*) FROM coupon_redemptions r WHERE r.coupon_id = c.id AND r.released_at IS NULL)",
        ),
        (
            "customers over the per-customer cap",
            "SELECT COUNT(*) AS n FROM (SELECT r.coupon_id, r.customer_id FROM coupon_redemptions r \
             JOIN coupons c ON c.id = r.coupon_id WHERE r.released_at IS NULL AND r.customer_id IS NOT NULL AND c.per_customer_cap > 0 \
             GROUP BY r.coupon_id, r.customer_id, c.per_customer_cap HAVING COUNT(*) > COALESCE(c.per_customer_cap, COUNT(*))) t",
        ),
        (
            "keys with more than one sale",
            "SELECT COUNT(*) AS n FROM (SELECT cashier_id, idempotency_key FROM sales WHERE idempotency_key IS NOT NULL \
             GROUP BY cashier_id, idempotency_key HAVING COUNT(*) > 1) t",
        ),
    ];
    for (what, sql) in checks {
        assert_eq!(number(db, sql).await, 0, "{what}");
    }
}

/// Points held less points in the ledger: a sale moves both or neither, so this stays put.
async fn points_off_ledger(db: &DatabaseConnection) -> i64 {
    number(
        db,
        "SELECT CAST((SELECT COALESCE(SUM(points), 0) FROM customers) - \
         (SELECT COALESCE(SUM(points), 0) FROM points_ledger) AS BIGINT) AS n",
    )
    .await
}

async fn survives_sigkill(database_url: String, data_dir: PathBuf) {
    let client = reqwest::Client::new();
    let server = Server::start(&database_url, &data_dir).await;
    let base = server.base_url.clone();
    let db = Database::connect(&database_url).await.unwrap();
    let cashier = login(&client, &base, "caisse", "Caisse2026!").await;
    let marketing = login(&client, &base, "marketing", "Marketing2026!").await;
    let today = chrono::Utc::now().date_naive();
    let coupon: Value = client
        .post(format!("{base}/api/v1/coupons"))
        .bearer_auth(&marketing)
        .json(&json!({
            "kind": "GENERIC", "discount_kind": "FIXED", "value": 300, "description": "Crash test",
            "valid_from": today, "valid_to": today + chrono::Duration::days(10),
            "global_cap": GLOBAL_CAP, "per_customer_cap": PER_CUSTOMER_CAP
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = coupon["code"].as_str().expect("coupon created").to_owned();
    let products = ids(
        &db,
        "SELECT id FROM products WHERE active = true ORDER BY id",
    )
    .await;
    let customers = ids(&db, "SELECT id FROM customers ORDER BY id").await;
    assert!(
        !products.is_empty() && !customers.is_empty(),
        "demo store seeded"
    );
    let off_ledger = points_off_ledger(&db).await;

    // 8 tills post until the server dies under them.
    let kill_at = Instant::now() + BEFORE_KILL;
    let tills = (0..TILLS).map(|till| {
        let (client, base, cashier, code) =
            (client.clone(), base.clone(), cashier.clone(), code.clone());
        let (products, customers) = (products.clone(), customers.clone());
        tokio::spawn(async move {
            let mut attempts = Vec::new();
            for n in 0.. {
                let key = format!("crash-{till}-{n}");
                let body = basket(till, n, &products, &customers, &code);
                let answer = checkout(&client, &base, &cashier, &key, &body).await;
                let lost = answer.is_none();
                attempts.push(Attempt { key, body, answer });
                if lost || Instant::now() > kill_at + Duration::from_secs(5) {
                    break;
                }
            }
            attempts
        })
    });
    let tills: Vec<_> = tills.collect();
    tokio::time::sleep_until(tokio::time::Instant::from_std(kill_at)).await;
    let (database_url, data_dir) = server.kill();
    let mut attempts: Vec<Attempt> = Vec::new();
    for till in tills {
        attempts.extend(till.await.unwrap());
    }
    let succeeded: Vec<&Attempt> = attempts
        .iter()
        .filter(|a| a.answer.as_ref().is_some_and(|(s, _)| *s == 201))
        .collect();
    let lost = attempts.iter().filter(|a| a.answer.is_none()).count();
    assert!(
        succeeded.len() >= TILLS,
        "traffic flowed before the kill: {} sales",
        succeeded.len()
    );
    assert!(lost > 0, "the kill cut requests in flight");
    for a in &attempts {
        if let Some((status, body)) = &a.answer {
            assert!(
                *status == 201
                    || (*status == 409
                        && body["code"]
                            .as_str()
                            .is_some_and(|c| c.starts_with("coupon."))),
                "{}: {status} {body}",
                a.key
            );
        }
    }

    // Restarted on the same database.
    let server = Server::start(&database_url, &data_dir).await;
    let base = server.base_url.clone();
    let db = Database::connect(&database_url).await.unwrap();
    assert_no_half_written_sale(&db).await;
    assert_eq!(
        points_off_ledger(&db).await,
        off_ledger,
        "every point credited has its ledger entry"
    );
    let recorded: HashMap<String, i64> = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT idempotency_key AS k, id FROM sales WHERE idempotency_key LIKE 'crash-%'",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get("", "k").unwrap(), r.try_get("", "id").unwrap()))
        .collect();
    for a in &succeeded {
        let (_, receipt) = a.answer.as_ref().unwrap();
        assert_eq!(
            recorded.get(&a.key),
            receipt["id"].as_i64().as_ref(),
            "{} was answered 201: it is there",
            a.key
        );
    }
    let sales_before = number(&db, "SELECT COUNT(*) AS n FROM sales").await;
    eprintln!(
        "{} checkouts sent: {} answered 201, {} refused by a coupon cap, {} cut by the kill, of which {} were recorded",
        attempts.len(),
        succeeded.len(),
        attempts.iter().filter(|a| a.answer.as_ref().is_some_and(|(s, _)| *s == 409)).count(),
        lost,
        attempts.iter().filter(|a| a.answer.is_none() && recorded.contains_key(&a.key)).count(),
    );

    // Every key is sent again, twice: the lost ones may be recorded now, once.
    let cashier = login(&client, &base, "caisse", "Caisse2026!").await;
    for round in 0..2 {
        for a in &attempts {
            let (status, receipt) = checkout(&client, &base, &cashier, &a.key, &a.body)
                .await
                .expect("the restarted server answers");
            match recorded.get(&a.key) {
                Some(id) => {
                    assert_eq!(status, 200, "{}: {receipt}", a.key);
                    assert_eq!(receipt["id"].as_i64(), Some(*id), "{}", a.key);
                }
                None if round == 1 && status == 201 => panic!("{} recorded twice", a.key),
                None => assert!(
                    [200, 201, 409].contains(&status),
                    "{}: {status} {receipt}",
                    a.key
                ),
            }
        }
    }
    let sales_after = number(&db, "SELECT COUNT(*) AS n FROM sales").await;
    let never_recorded = attempts
        .iter()
        .filter(|a| !recorded.contains_key(&a.key))
        .count() as i64;
    assert!(
        sales_after - sales_before <= never_recorded,
        "at most one new sale per key not recorded before"
    );
    assert_no_half_written_sale(&db).await;
    assert_eq!(points_off_ledger(&db).await, off_ledger);
    drop(server);
    db.close().await.ok();
}

fn sandbox() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("crm-crash-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_survives_sigkill_mid_checkout() {
    let dir = sandbox();
    let url = format!("sqlite://{}?mode=rwc", dir.join("crm.sqlite").display());
    survives_sigkill(url, dir.clone()).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_survives_sigkill_mid_checkout() {
    let admin = std::env::var("CRM_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("crm_crash_{}", uuid::Uuid::new_v4().simple());
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
    survives_sigkill(format!("{base}/{name}"), dir.clone()).await;
    conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .ok();
    let _ = std::fs::remove_dir_all(dir);
}
