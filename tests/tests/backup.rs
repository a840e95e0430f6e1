//! Backups proven the only way that counts: by restoring them. Tills sell through the
//! real server, a backup is taken while a till keeps selling, a second server is started
//! on the restored copy, and every sale acknowledged before the backup is found there,
//! receipt for receipt; a sale caught in flight is either whole or absent.
//!
//! SQLite uses `crm backup` (the same `crm_server::backup::to_file`); PostgreSQL uses the
//! `pg_dump` / `pg_restore` commands that docs/operations.md gives.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_domain::Role;
use crm_tests::{pg_admin_url, spawn, spawn_with, Backend, TestApp};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};

/// Sales rung up before the backup starts.
const SALES_BEFORE: usize = 12;
/// Sales the busy till makes at least while the backup runs.
const SALES_DURING: usize = 4;
const PHONE: &str = "0701234567";

/// What the tills did: who sold, the customer, and the receipts they were handed.
struct Shop {
    cashier: String,
    customer_id: i64,
    before: Vec<Value>,
}

/// Rings up one sale (a different basket each time) and returns the receipt on a 2xx.
async fn sell(app: &TestApp, token: &str, customer_id: i64, n: usize) -> Option<Value> {
    let body = json!({
        "customer_id": n.is_multiple_of(2).then_some(customer_id),
        "lines": [
            {"barcode": TestApp::demo_barcode(n % 16), "quantity": 1 + n % 3},
            {"barcode": TestApp::demo_barcode((n + 5) % 16), "quantity": 1}
        ],
        "payments": [{"method": "ESPECES", "amount": 1_000_000}]
    });
    let reply = app
        .client
        .post(app.url("/api/v1/sales"))
        .bearer_auth(token)
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&body)
        .send()
        .await
        .expect("request sent");
    let status = reply.status();
    let receipt: Value = reply.json().await.unwrap_or(Value::Null);
    assert!(status.as_u16() < 500, "checkout failed: {status} {receipt}");
    status.is_success().then_some(receipt)
}

/// A catalogue, a cashier, a customer, and sales acknowledged before any backup.
async fn open_shop(app: &TestApp) -> Shop {
    app.seed_catalogue().await;
    let cashier = app.token_for(Role::Cashier).await;
    let created = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(&cashier),
            Some(json!({"phone": PHONE, "first_name": "Aya"})),
        )
        .await;
    let customer_id = created.body["customer"]["id"]
        .as_i64()
        .expect("customer created");
    let mut before = Vec::new();
    for n in 0..SALES_BEFORE {
        before.push(sell(app, &cashier, customer_id, n).await.expect("sale"));
    }
    Shop {
        cashier,
        customer_id,
        before,
    }
}

/// Runs `backup` while a till keeps selling; returns the receipts of the sales made
/// meanwhile (each of them may or may not be in the copy).
async fn back_up_while_selling(
    app: &TestApp,
    shop: &Shop,
    backup: impl std::future::Future<Output = ()>,
) -> Vec<Value> {
    let done = AtomicBool::new(false);
    let backup = async {
        backup.await;
        done.store(true, Ordering::SeqCst);
    };
    let busy_till = async {
        let mut receipts = Vec::new();
        let mut n = SALES_BEFORE;
        while !done.load(Ordering::SeqCst) || receipts.len() < SALES_DURING {
            if let Some(receipt) = sell(app, &shop.cashier, shop.customer_id, n).await {
                receipts.push(receipt);
            }
            n += 1;
        }
        receipts
    };
    let ((), during) = futures::join!(backup, busy_till);
    during
}

/// The fields of a receipt that a restore must give back unchanged.
fn essentials(receipt: &Value) -> Value {
    json!({
        "id": receipt["id"], "ticket_number": receipt["ticket_number"],
        "status": receipt["status"], "created_at": receipt["created_at"],
        "lines": receipt["lines"], "payments": receipt["payments"],
        "subtotal": receipt["subtotal"], "total": receipt["total"],
        "points_earned": receipt["points_earned"],
    })
}

/// Every sale acknowledged before the backup is in `restored` as it was sold; a sale made
/// during the backup is whole or absent; no other sale is there; the customer is found
/// by phone (the phone keys went along) with her points.
async fn assert_restored(restored: &TestApp, shop: &Shop, during: &[Value]) {
    let mut found = 0;
    for receipt in &shop.before {
        let id = receipt["id"].as_i64().expect("sale id");
        let reply = restored
            .call(
                "GET",
                &format!("/api/v1/sales/{id}"),
                Some(&shop.cashier),
                None,
            )
            .await;
        assert_eq!(
            reply.status, 200,
            "sale {id} is missing from the backup: {}",
            reply.body
        );
        assert_eq!(essentials(&reply.body), essentials(receipt));
        found += 1;
    }
    for receipt in during {
        let id = receipt["id"].as_i64().expect("sale id");
        let reply = restored
            .call(
                "GET",
                &format!("/api/v1/sales/{id}"),
                Some(&shop.cashier),
                None,
            )
            .await;
        match reply.status {
            200 => {
                assert_eq!(essentials(&reply.body), essentials(receipt));
                found += 1;
            }
            404 => {}
            other => panic!("sale {id} made during the backup: {other} {}", reply.body),
        }
    }
    assert_eq!(
        restored.count("sales").await,
        found,
        "the copy holds exactly the sales it should"
    );
    for part in ["sale_lines", "payments"] {
        let incomplete = restored
            .count(&format!(
                "sales WHERE id NOT IN (SELECT sale_id FROM {part})"
            ))
            .await;
        assert_eq!(incomplete, 0, "a restored sale lacks its {part}");
    }

    let identified = restored
        .call(
            "POST",
            "/api/v1/customers/identify",
            Some(&shop.cashier),
            Some(json!({"phone": PHONE})),
        )
        .await;
    assert_eq!(identified.status, 200, "{}", identified.body);
    assert_eq!(identified.body["customer"]["id"], shop.customer_id);
}

/// Settings of a server on a restored copy: the same secrets as the original, as an
/// operator restoring a backup keeps them (the phones are encrypted with them).
fn same_secrets(original: &TestApp) -> impl FnOnce(&mut crm_server::Settings) + '_ {
    move |settings| {
        settings.jwt_secret = original.state.settings.jwt_secret.clone();
        settings.phone_key = original.state.settings.phone_key.clone();
        settings.phone_index_key = original.state.settings.phone_index_key.clone();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_backup_taken_while_tills_sell_restores_every_sale() {
    let app = spawn(Backend::Sqlite).await;
    let shop = open_shop(&app).await;
    let copy = app.data_dir.join("backup.sqlite");
    let during = back_up_while_selling(&app, &shop, async {
        let bytes = crm_server::backup::to_file(&app.state.db, &copy)
            .await
            .expect("backup written");
        assert!(bytes > 0);
    })
    .await;

    let again = crm_server::backup::to_file(&app.state.db, &copy).await;
    assert!(
        matches!(again, Err(crm_server::backup::BackupError::Exists(_))),
        "an existing file is never overwritten: {again:?}"
    );

    let restored = spawn_with(Backend::Sqlite, |settings| {
        same_secrets(&app)(settings);
        settings.database_url = format!("sqlite://{}?mode=rw", copy.display());
    })
    .await;
    assert_restored(&restored, &shop, &during).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backup_command_sends_postgresql_to_pg_dump() {
    let app = spawn(Backend::Postgres).await;
    let refused = crm_server::backup::to_file(&app.state.db, &app.data_dir.join("x")).await;
    let message = refused.expect_err("no copy of PostgreSQL").to_string();
    assert!(
        message.contains("pg_dump") && message.contains("docs/operations.md"),
        "{message}"
    );
}

/// Runs a PostgreSQL client tool as docs/operations.md shows it.
fn run_tool(program: &str, args: &[&str]) {
    let output = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} cannot start ({e}): install postgresql-client"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pg_dump_taken_while_tills_sell_restores_every_sale() {
    let app = spawn(Backend::Postgres).await;
    let shop = open_shop(&app).await;
    let dump = app.data_dir.join("crm.dump");
    let source_url = app.state.settings.database_url.clone();
    let dump_arg = dump.display().to_string();
    let during = back_up_while_selling(&app, &shop, async {
        let (url, file) = (source_url.clone(), dump_arg.clone());
        tokio::task::spawn_blocking(move || {
            run_tool("pg_dump", &["--format=custom", "--file", &file, &url]);
        })
        .await
        .expect("pg_dump ran");
    })
    .await;

    let admin = pg_admin_url();
    let name = format!("crm_restore_{}", uuid::Uuid::new_v4().simple());
    let target_url = format!("{}/{name}", admin.rsplit_once('/').expect("a URL").0);
    let server = Database::connect(&admin).await.expect("PostgreSQL");
    server
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("database for the restore");
    let restore_url = target_url.clone();
    tokio::task::spawn_blocking(move || {
        run_tool(
            "pg_restore",
            &["--no-owner", "--dbname", &restore_url, &dump_arg],
        );
    })
    .await
    .expect("pg_restore ran");

    let restored = spawn_with(Backend::Postgres, |settings| {
        same_secrets(&app)(settings);
        settings.database_url = target_url;
    })
    .await;
    assert_restored(&restored, &shop, &during).await;
    drop(restored);
    server
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .expect("restored database dropped");
}
