//! Phone numbers are personal data: never in clear in the database, never in the logs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_domain::Role;
use crm_tests::{on_both_databases, Backend, TestApp};
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// Everything every subscriber-visible log line (tracing and `log`) wrote, at TRACE.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || SharedWriter(writer.clone()))
            .try_init();
        buffer
    })
    .clone()
}

struct SharedWriter(Arc<Mutex<Vec<u8>>>);

impl Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The digits of the test number in every way it could appear.
const NEEDLES: [&str; 4] = [
    "707123456",
    "07 07 12 34 56",
    "07.07.12.34.56",
    "2250707123456",
];

async fn exercise_every_phone_path(app: &TestApp) {
    let cashier = app.token_for(Role::Cashier).await;
    let marketing = app.token_for(Role::Marketing).await;
    let created = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(&cashier),
            Some(json!({"phone": "07 07 12 34 56", "first_name": "Awa"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["customer"]["id"].as_i64().unwrap();
    for typed in [
        "0707123456",
        "+225 07 07 12 34 56",
        "002250707123456",
        "07.07.12.34.56",
    ] {
        let r = app
            .call(
                "POST",
                "/api/v1/customers/identify",
                Some(&cashier),
                Some(json!({"phone": typed})),
            )
            .await;
        assert_eq!(r.status, 200);
    }
    // Unknown and invalid numbers go through the error paths too.
    app.call(
        "POST",
        "/api/v1/customers/identify",
        Some(&cashier),
        Some(json!({"phone": "0707123457"})),
    )
    .await;
    app.call(
        "POST",
        "/api/v1/customers/identify",
        Some(&cashier),
        Some(json!({"phone": "0707123"})),
    )
    .await;
    let search = app
        .call(
            "GET",
            "/api/v1/customers?q=0707123456",
            Some(&marketing),
            None,
        )
        .await;
    assert_eq!(search.body["total"], 1);
    let export = app
        .call(
            "GET",
            &format!("/api/v1/customers/{id}/export"),
            Some(&marketing),
            None,
        )
        .await;
    assert_eq!(
        export.body["customer"]["phone"], "07 07 12 34 56",
        "allowed roles do get the number back"
    );
    app.call(
        "PATCH",
        &format!("/api/v1/customers/{id}"),
        Some(&marketing),
        Some(json!({"city": "Korhogo"})),
    )
    .await;
}

fn assert_absent(haystack: &str, place: &str) {
    for needle in NEEDLES {
        assert!(
            !haystack.contains(needle),
            "the phone ({needle}) appears in {place}"
        );
    }
}

on_both_databases! {
    async fn the_phone_is_neither_in_the_logs_nor_in_clear_in_the_database(app) {
        let logs = captured_logs();
        exercise_every_phone_path(&app).await;

        let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
        assert!(text.contains("served"), "the request log was captured (otherwise this test proves nothing)");
        assert!(text.contains("/api/v1/customers/identify"));
        assert_absent(&text, "the logs");

        match app.backend {
            Backend::Sqlite => {
                let file = app.sqlite_file.clone().unwrap();
                let mut bytes = std::fs::read(&file).unwrap();
                for suffix in ["-wal", "-shm"] {
                    if let Ok(more) = std::fs::read(format!("{}{suffix}", file.display())) {
                        bytes.extend(more);
                    }
                }
                let raw = String::from_utf8_lossy(&bytes);
                assert!(raw.contains("Awa"), "the file holds the customer (otherwise this test proves nothing)");
                assert_absent(&raw, "the SQLite file");
            }
            Backend::Postgres => {
                let db = &app.state.db;
                for table in ["customers", "audit_log", "points_ledger"] {
                    let rows = db
                        .query_all_raw(sea_orm::Statement::from_string(
                            db.get_database_backend(),
                            format!("SELECT row_to_json(t)::text AS j FROM {table} t"),
                        ))
                        .await
                        .unwrap();
                    let dump: String = rows.iter().map(|r| r.try_get::<String>("", "j").unwrap()).collect();
                    if table == "customers" {
                        assert!(dump.contains("Awa"));
                    }
                    assert_absent(&dump, table);
                }
            }
        }
    }
}
