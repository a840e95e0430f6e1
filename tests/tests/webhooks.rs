//! Webhooks (issue 16), on SQLite and PostgreSQL: a receiver in the test — a tiny HTTP
//! server on a random port — gets `sale.completed` signed within seconds of the checkout;
//! one that answers 500 three times gets the same event a fourth time and the delivery is
//! marked delivered; a redeliver sends it again; retries stop after the window; only
//! administrators manage endpoints, and bad addresses or events are refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_domain::Role;
use crm_tests::{Backend, TestApp};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server whose worker polls often and retries fast, as a test needs.
async fn spawn(backend: Backend, retry_window_secs: u64) -> TestApp {
    crm_tests::spawn_with(backend, |s| {
        s.webhooks.poll_ms = 50;
        s.webhooks.retry_ms = vec![150];
        s.webhooks.retry_window_secs = retry_window_secs;
        s.webhooks.timeout_ms = 2000;
    })
    .await
}

/// Runs the scenario once on each database.
macro_rules! on_both {
    ($(async fn $name:ident($app:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports, reason = "a scenario may use nothing of its test file")]
            use super::*;
            async fn scenario($app: TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                scenario(spawn(Backend::Sqlite, 3600).await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                scenario(spawn(Backend::Postgres, 3600).await).await
            }
        }
    )*};
}

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
    }
}

/// A receiver: answers each request with the next status of its script, 200 once the
/// script is used up, and keeps what it got.
#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(script: &[u16]) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(
            script.iter().copied().collect::<VecDeque<u16>>(),
        ));
        let kept = got.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let (kept, script) = (kept.clone(), script.clone());
                tokio::spawn(async move {
                    let Some(received) = read_request(&mut stream).await else {
                        return;
                    };
                    let status = script.lock().unwrap().pop_front().unwrap_or(200);
                    kept.lock().unwrap().push(received);
                    let answer = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Receiver { url, got }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` requests came, at most `within`.
    async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{} request(s) received in {within:?}, {n} expected",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// Reads one HTTP/1.1 request: headers (lower-cased names) and a `content-length` body.
async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let headers: HashMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(Received {
        headers,
        body: buf[head_end..head_end + length].to_vec(),
    })
}

/// Registers an endpoint for `events` as an administrator; returns (id, secret).
async fn register(app: &TestApp, admin: &str, url: &str, events: &[&str]) -> (i64, String) {
    let reply = app
        .call(
            "POST",
            "/api/v1/webhooks",
            Some(admin),
            Some(json!({"url": url, "events": events})),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let secret = reply.body["secret"].as_str().unwrap().to_owned();
    (reply.body["endpoint"]["id"].as_i64().unwrap(), secret)
}

/// An anonymous sale of two products (riz × 1, eau × 2) by a new cashier.
async fn sale(app: &TestApp) -> Value {
    let cashier = app.token_for(Role::Cashier).await;
    let reply = app
        .sell(
            &cashier,
            json!({
                "lines": [
                    {"barcode": TestApp::demo_barcode(0), "quantity": 1},
                    {"barcode": TestApp::demo_barcode(6), "quantity": 2}
                ],
                "payments": [{"method": "ESPECES", "amount": 10_000}]
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body
}

/// Checks `X-CRM-Signature` as a receiver would: HMAC-SHA256 of `{timestamp}.{body}`.
fn assert_signed(received: &Received, secret: &str) {
    let timestamp = received.header("x-crm-timestamp");
    let age = chrono::Utc::now().timestamp() - timestamp.parse::<i64>().unwrap();
    assert!((0..60).contains(&age), "a fresh timestamp: {timestamp}");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(&received.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        received.header("x-crm-signature"),
        format!("sha256={expected}")
    );
}

/// Waits until the worker has dispatched every event recorded so far.
async fn undispatched_none(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    let db = &app.state.db;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM outbox_events WHERE dispatched_at IS NULL",
            ))
            .await
            .unwrap()
            .unwrap();
        if row.try_get::<i64>("", "n").unwrap() == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "events left undispatched");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The endpoint's delivery log, polled until `done` holds of its first (newest) row.
async fn delivery_when(
    app: &TestApp,
    admin: &str,
    endpoint: i64,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = app
            .call(
                "GET",
                &format!("/api/v1/webhooks/{endpoint}/deliveries"),
                Some(admin),
                None,
            )
            .await;
        assert_eq!(log.status, 200, "{}", log.body);
        let first = log.body["items"][0].clone();
        if done(&first) {
            return first;
        }
        assert!(Instant::now() < deadline, "delivery log: {}", log.body);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

on_both! {
    async fn a_sale_reaches_the_receiver_signed_within_seconds(app) {
        app.seed_catalogue().await;
        let admin = app.token_for(Role::Admin).await;
        let receiver = Receiver::start(&[]).await;
        let (endpoint, secret) = register(&app, &admin, &receiver.url, &["sale.completed"]).await;
        assert!(secret.len() >= 32, "a long secret: {secret}");

        let receipt = sale(&app).await;
        let sold = Instant::now();
        let got = receiver.wait_for(1, Duration::from_secs(5)).await;
        assert!(sold.elapsed() < Duration::from_secs(5));
        let event = got[0].json();
        assert_eq!(event["type"], "sale.completed");
        assert_eq!(event["data"]["sale_id"], receipt["id"]);
        assert_eq!(event["data"]["ticket_number"], receipt["ticket_number"]);
        assert_eq!(event["data"]["total"], receipt["total"]);
        assert!(event["created_at"].is_string());
        assert_eq!(got[0].header("x-crm-event-id"), event["id"].as_str().unwrap());
        assert_eq!(got[0].header("x-crm-event-type"), "sale.completed");
        assert_eq!(got[0].header("content-type"), "application/json");
        assert_signed(&got[0], &secret);

        let delivered = delivery_when(&app, &admin, endpoint, |d| d["status"] == "DELIVERED").await;
        assert_eq!(delivered["attempts"], 1);
        assert_eq!(delivered["last_status_code"], 200);
        assert_eq!(delivered["event_id"], event["id"]);
        assert_eq!(delivered["event_type"], "sale.completed");
        assert!(delivered["next_attempt_at"].is_null());

        // The secret is shown once: the list does not hold it.
        let list = app.call("GET", "/api/v1/webhooks", Some(&admin), None).await;
        assert_eq!(list.status, 200);
        assert_eq!(list.body["items"][0]["events"], json!(["sale.completed"]));
        assert!(!list.body.to_string().contains(&secret));
        let stored = crm_store::webhooks::find_endpoint(&app.state.db, endpoint).await.unwrap().unwrap();
        assert!(!stored.secret.contains(&secret), "kept encrypted");
        assert_eq!(app.state.vault.open_text(&stored.secret).unwrap(), secret);

        // Only subscribed events are sent: a new customer is no sale.
        let cashier = app.token_for(Role::Cashier).await;
        let created = app.call("POST", "/api/v1/customers", Some(&cashier),
            Some(json!({"phone": "0701234567", "first_name": "Aya"}))).await;
        assert_eq!(created.status, 201, "{}", created.body);
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(receiver.received().len(), 1);
    }

    async fn a_receiver_failing_three_times_gets_the_event_again_and_it_is_delivered(app) {
        app.seed_catalogue().await;
        let admin = app.token_for(Role::Admin).await;
        let receiver = Receiver::start(&[500, 500, 500]).await;
        let (endpoint, secret) = register(&app, &admin, &receiver.url, &["sale.completed"]).await;
        sale(&app).await;
        let got = receiver.wait_for(4, Duration::from_secs(10)).await;
        let ids: Vec<String> = got.iter().map(|r| r.json()["id"].as_str().unwrap().to_owned()).collect();
        assert!(ids.iter().all(|id| *id == ids[0]), "one event, sent again: {ids:?}");
        for attempt in &got {
            assert_signed(attempt, &secret);
        }
        let delivered = delivery_when(&app, &admin, endpoint, |d| d["status"] == "DELIVERED").await;
        assert_eq!(delivered["attempts"], 4);
        assert_eq!(delivered["last_status_code"], 200);
        assert!(delivered["last_error"].is_null());
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(receiver.received().len(), 4, "once delivered, never sent again");
    }

    async fn a_delivery_is_sent_again_on_request_with_the_same_event_id(app) {
        app.seed_catalogue().await;
        let admin = app.token_for(Role::Admin).await;
        let receiver = Receiver::start(&[]).await;
        let (endpoint, _) = register(&app, &admin, &receiver.url, &["sale.completed", "sale.refunded"]).await;
        let receipt = sale(&app).await;
        let first = receiver.wait_for(1, Duration::from_secs(5)).await[0].json();
        let delivered = delivery_when(&app, &admin, endpoint, |d| d["status"] == "DELIVERED").await;

        let again = app.call("POST", &format!("/api/v1/webhooks/deliveries/{}/redeliver", delivered["id"]),
            Some(&admin), None).await;
        assert_eq!(again.status, 202, "{}", again.body);
        assert_eq!(again.body["status"], "PENDING");
        let got = receiver.wait_for(2, Duration::from_secs(5)).await;
        assert_eq!(got[1].json()["id"], first["id"], "the receiver can deduplicate");
        let redelivered = delivery_when(&app, &admin, endpoint, |d| d["status"] == "DELIVERED" && d["attempts"] == 2).await;
        assert_eq!(redelivered["id"], delivered["id"]);
        app.call("POST", "/api/v1/webhooks/deliveries/999999/redeliver", Some(&admin), None)
            .await
            .assert_problem(404, "webhook.delivery_not_found");

        // A cancel is a `sale.refunded` event, with the sale's new status.
        let cancelled = app.call("POST", &format!("/api/v1/sales/{}/cancel", receipt["id"]), Some(&admin),
            Some(json!({"reason": "erreur de saisie"}))).await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.body);
        let got = receiver.wait_for(3, Duration::from_secs(5)).await;
        let refunded = got[2].json();
        assert_eq!(refunded["type"], "sale.refunded");
        assert_eq!(refunded["data"]["sale_id"], receipt["id"]);
        assert_eq!(refunded["data"]["status"], "CANCELLED");
    }

    async fn customers_are_announced_without_their_phone(app) {
        let admin = app.token_for(Role::Admin).await;
        let receiver = Receiver::start(&[]).await;
        register(&app, &admin, &receiver.url, &["customer.created"]).await;
        let cashier = app.token_for(Role::Cashier).await;
        let created = app.call("POST", "/api/v1/customers", Some(&cashier),
            Some(json!({"phone": "0701234567", "first_name": "Aya"}))).await;
        assert_eq!(created.status, 201, "{}", created.body);
        let got = receiver.wait_for(1, Duration::from_secs(5)).await;
        let event = got[0].json();
        assert_eq!(event["type"], "customer.created");
        assert_eq!(event["data"]["customer_id"], created.body["customer"]["id"]);
        assert_eq!(event["data"]["level"], "STANDARD");
        let text = String::from_utf8_lossy(&got[0].body).to_string();
        for leak in ["0701234567", "701234567", "Aya"] {
            assert!(!text.contains(leak), "{leak} in {text}");
        }
        // Found again (same phone): no second event.
        let again = app.call("POST", "/api/v1/customers", Some(&cashier),
            Some(json!({"phone": "0701234567"}))).await;
        assert_eq!(again.status, 200, "{}", again.body);
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(receiver.received().len(), 1);
    }

    async fn only_administrators_manage_webhooks_and_bad_ones_are_refused(app) {
        let admin = app.token_for(Role::Admin).await;
        let body = json!({"url": "https://erp.example.ci/hooks", "events": ["sale.completed"]});
        for role in [Role::Cashier, Role::Marketing, Role::Director] {
            let token = app.token_for(role).await;
            app.call("POST", "/api/v1/webhooks", Some(&token), Some(body.clone()))
                .await
                .assert_problem(403, "auth.forbidden");
            app.call("GET", "/api/v1/webhooks", Some(&token), None)
                .await
                .assert_problem(403, "auth.forbidden");
        }
        for url in ["ftp://erp.example.ci/", "erp.example.ci/hooks", "", "https://"] {
            app.call("POST", "/api/v1/webhooks", Some(&admin),
                Some(json!({"url": url, "events": ["sale.completed"]})))
                .await
                .assert_problem(422, "webhook.url_invalid");
        }
        for events in [json!(["sale.deleted"]), json!([]), json!(["sale.completed", "SALE"])] {
            app.call("POST", "/api/v1/webhooks", Some(&admin),
                Some(json!({"url": "https://erp.example.ci/hooks", "events": events})))
                .await
                .assert_problem(422, "webhook.event_unknown");
        }
        assert_eq!(app.count("webhook_endpoints").await, 0, "nothing written");

        let (id, _) = register(&app, &admin, "https://erp.example.ci/hooks", &["sale.completed", "coupon.redeemed"]).await;
        let deleted = app.call("DELETE", &format!("/api/v1/webhooks/{id}"), Some(&admin), None).await;
        assert_eq!(deleted.status, 204);
        app.call("DELETE", &format!("/api/v1/webhooks/{id}"), Some(&admin), None)
            .await
            .assert_problem(404, "webhook.not_found");
        app.call("GET", &format!("/api/v1/webhooks/{id}/deliveries"), Some(&admin), None)
            .await
            .assert_problem(404, "webhook.not_found");
        let list = app.call("GET", "/api/v1/webhooks", Some(&admin), None).await;
        assert_eq!(list.body["items"], json!([]));
        let audit = crm_store::audit::for_entity(&app.state.db, "webhook", &id.to_string()).await.unwrap();
        let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["webhook.create", "webhook.delete"]);
        assert!(!audit[0].after.as_deref().unwrap_or("").contains("whsec_"), "no secret in the audit log");
    }

    async fn coupons_levels_and_analyses_are_events_too(app) {
        app.seed_catalogue().await;
        let admin = app.token_for(Role::Admin).await;
        let marketing = app.token_for(Role::Marketing).await;
        let cashier = app.token_for(Role::Cashier).await;
        let receiver = Receiver::start(&[]).await;
        register(&app, &admin, &receiver.url,
            &["coupon.redeemed", "customer.level_changed", "loyalty.analysis.finished"]).await;

        // A coupon used at checkout.
        let today = chrono::Utc::now().date_naive();
        let coupon = app.call("POST", "/api/v1/coupons", Some(&marketing), Some(json!({
            "kind": "GENERIC", "discount_kind": "FIXED", "value": 500, "description": "Bienvenue",
            "valid_from": today, "valid_to": today + chrono::Duration::days(30)
        }))).await;
        assert_eq!(coupon.status, 201, "{}", coupon.body);
        let receipt = app.sell(&cashier, json!({
            "lines": [{"barcode": TestApp::demo_barcode(0), "quantity": 1}],
            "coupon_code": coupon.body["code"],
            "payments": [{"method": "ESPECES", "amount": 10_000}]
        })).await;
        assert_eq!(receipt.status, 201, "{}", receipt.body);
        let redeemed = receiver.wait_for(1, Duration::from_secs(5)).await[0].json();
        assert_eq!(redeemed["type"], "coupon.redeemed");
        assert_eq!(redeemed["data"]["coupon_id"], coupon.body["id"]);
        assert_eq!(redeemed["data"]["sale_id"], receipt.body["id"]);
        assert_eq!(redeemed["data"]["discount"], 500);

        // A VIP who bought nothing is demoted by the analysis: two events.
        let created = app.call("POST", "/api/v1/customers", Some(&cashier),
            Some(json!({"phone": "0701234567"}))).await;
        let customer = created.body["customer"]["id"].as_i64().unwrap();
        crm_store::demo::set_standing(&app.state.db, customer, crm_domain::Level::Vip, 0, 0, 0)
            .await
            .unwrap();
        let started = app.call("POST", "/api/v1/loyalty/analyses", Some(&marketing),
            Some(json!({"dry_run": false, "generate_coupons": false}))).await;
        assert_eq!(started.status, 202, "{}", started.body);
        let got = receiver.wait_for(3, Duration::from_secs(10)).await;
        let events: Vec<Value> = got[1..].iter().map(Received::json).collect();
        let changed = events.iter().find(|e| e["type"] == "customer.level_changed").expect("a level change");
        assert_eq!(changed["data"]["customer_id"], customer);
        assert_eq!(changed["data"]["from_level"], "VIP");
        assert_eq!(changed["data"]["to_level"], "GOLD");
        assert_eq!(changed["data"]["analysis_id"], started.body["id"]);
        let finished = events.iter().find(|e| e["type"] == "loyalty.analysis.finished").expect("the end");
        assert_eq!(finished["data"]["analysis_id"], started.body["id"]);
        assert_eq!(finished["data"]["dry_run"], false);
        assert_eq!(finished["data"]["summary"]["demotions"], 1);
    }

    async fn a_receiver_that_never_answers_does_not_slow_the_till(app) {
        app.seed_catalogue().await;
        let admin = app.token_for(Role::Admin).await;
        // Accepts connections and never answers: every attempt takes the whole timeout.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                held.push(stream);
            }
        });
        let (endpoint, _) = register(&app, &admin, &url, &["sale.completed"]).await;
        let cashier = app.token_for(Role::Cashier).await;
        let mut slowest = Duration::ZERO;
        for _ in 0..12 {
            let started = Instant::now();
            let reply = app.sell(&cashier, json!({
                "lines": [{"barcode": TestApp::demo_barcode(6), "quantity": 1}],
                "payments": [{"method": "ESPECES", "amount": 1_000}]
            })).await;
            assert_eq!(reply.status, 201, "{}", reply.body);
            slowest = slowest.max(started.elapsed());
        }
        assert!(slowest < Duration::from_secs(1), "a checkout took {slowest:?}");
        // The attempts are under way (or timed out and rescheduled) meanwhile.
        let pending = delivery_when(&app, &admin, endpoint, |d| d["status"] == "PENDING").await;
        assert_eq!(pending["event_type"], "sale.completed");
    }

    async fn a_refused_checkout_records_no_event(app) {
        app.seed_catalogue().await;
        let cashier = app.token_for(Role::Cashier).await;
        let refused = app.sell(&cashier, json!({
            "lines": [{"barcode": TestApp::demo_barcode(0), "quantity": 1}],
            "payments": [{"method": "CARTE", "amount": 1}]
        })).await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert_eq!(app.count("outbox_events").await, 0, "no event without its change");
        sale(&app).await;
        assert_eq!(app.count("outbox_events").await, 1, "no change without its event");
    }

    async fn the_log_forgets_ended_deliveries_and_unwanted_events_after_their_retention(app) {
        app.seed_catalogue().await;
        let admin = app.token_for(Role::Admin).await;
        // A sale before any endpoint: an event nobody wants, dispatched to no one.
        sale(&app).await;
        undispatched_none(&app).await;
        let receiver = Receiver::start(&[]).await;
        let (endpoint, _) = register(&app, &admin, &receiver.url, &["sale.completed"]).await;
        sale(&app).await;
        delivery_when(&app, &admin, endpoint, |d| d["status"] == "DELIVERED").await;
        // A third delivery stays pending: its receiver is gone.
        let (gone, _) = register(&app, &admin, "http://127.0.0.1:9/gone", &["sale.completed"]).await;
        sale(&app).await;
        delivery_when(&app, &admin, gone, |d| d["status"] == "PENDING").await;
        delivery_when(&app, &admin, endpoint, |d| d["status"] == "DELIVERED" && d["attempts"] == 1).await;
        let log = app.call("GET", &format!("/api/v1/webhooks/{endpoint}/deliveries"), Some(&admin), None).await;
        assert_eq!(log.body["total"], 2, "the sale before the endpoint is not sent: {}", log.body);
        let db = &app.state.db;
        let deliveries = app.count("webhook_deliveries").await;
        assert!(deliveries >= 2, "{deliveries}");

        // Nothing is older than its retention yet.
        let long_ago = chrono::Utc::now() - chrono::Duration::days(30);
        assert_eq!(crm_store::webhooks::purge(db, long_ago).await.unwrap(), (0, 0));
        assert_eq!(app.count("outbox_events").await, 3);

        // Past it: the ended deliveries and the events no delivery refers to go; the
        // pending delivery and its event stay.
        let later = chrono::Utc::now() + chrono::Duration::seconds(1);
        let (removed, events) = crm_store::webhooks::purge(db, later).await.unwrap();
        assert!(removed >= 2, "{removed}");
        let left = app.call("GET", &format!("/api/v1/webhooks/{gone}/deliveries"), Some(&admin), None).await;
        assert!(left.body["items"].as_array().unwrap().iter().any(|d| d["status"] == "PENDING"), "{}", left.body);
        assert_eq!(events, 2, "the unwanted event and the delivered one");
        assert_eq!(app.count("outbox_events").await, 1, "the pending delivery's event stays");
        let done = app.call("GET", &format!("/api/v1/webhooks/{endpoint}/deliveries"), Some(&admin), None).await;
        assert!(done.body["items"].as_array().unwrap().iter().all(|d| d["status"] != "DELIVERED"), "{}", done.body);
    }
}

/// Runs on each database with a retry window of one second.
macro_rules! with_short_window {
    ($name:ident, $backend:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let app = spawn($backend, 1).await;
            app.seed_catalogue().await;
            let admin = app.token_for(Role::Admin).await;
            let receiver = Receiver::start(&[500; 100]).await;
            let (endpoint, _) = register(&app, &admin, &receiver.url, &["sale.completed"]).await;
            sale(&app).await;
            let failed = delivery_when(&app, &admin, endpoint, |d| d["status"] == "FAILED").await;
            assert!(failed["attempts"].as_i64().unwrap() >= 2, "{failed}");
            assert_eq!(failed["last_status_code"], 500);
            assert_eq!(failed["last_error"], "HTTP 500");
            let attempts = receiver.received().len();
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert_eq!(
                receiver.received().len(),
                attempts,
                "no attempt once failed"
            );
        }
    };
}

with_short_window!(retries_stop_after_the_window_sqlite, Backend::Sqlite);
with_short_window!(retries_stop_after_the_window_postgres, Backend::Postgres);

/// A receiver whose port refuses connections gets one batch of attempts, then is left
/// alone for its pause (the first wait of the retry schedule, here a minute): the events
/// made meanwhile wait as pending deliveries instead of each being attempted and failed
/// beside the tills' writes.
async fn a_refusing_receiver_is_left_alone_between_attempts(backend: Backend) {
    let app = crm_tests::spawn_with(backend, |s| {
        s.webhooks.poll_ms = 20;
        s.webhooks.retry_ms = vec![60_000];
        s.webhooks.concurrency = 4;
    })
    .await;
    app.seed_catalogue().await;
    let admin = app.token_for(Role::Admin).await;
    // A port free a moment ago and closed again: every connection is refused at once.
    let url = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hooks", listener.local_addr().unwrap())
    };
    let (endpoint, _) = register(&app, &admin, &url, &["sale.completed"]).await;
    let cashier = app.token_for(Role::Cashier).await;
    for _ in 0..20 {
        let reply = app
            .sell(
                &cashier,
                json!({"lines": [{"barcode": TestApp::demo_barcode(6), "quantity": 1}],
                       "payments": [{"method": "ESPECES", "amount": 1_000}]}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        // Slow enough for the worker to see the sales a few at a time.
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    undispatched_none(&app).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let count = |sql: String| {
        let db = app.state.db.clone();
        async move {
            use sea_orm::ConnectionTrait;
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    sql,
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<i64>("", "n").unwrap()
        }
    };
    let deliveries = format!("FROM webhook_deliveries WHERE endpoint_id = {endpoint}");
    assert_eq!(
        count(format!(
            "SELECT COUNT(*) AS n {deliveries} AND status = 'PENDING'"
        ))
        .await,
        20,
        "every event waits for the receiver"
    );
    let attempted = count(format!(
        "SELECT COUNT(*) AS n {deliveries} AND attempts > 0"
    ))
    .await;
    assert!(
        (1..=4).contains(&attempted),
        "one batch of at most 4 attempts (the worker's slots), then the pause: {attempted} attempted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_receiver_is_left_alone_between_attempts_sqlite() {
    a_refusing_receiver_is_left_alone_between_attempts(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_receiver_is_left_alone_between_attempts_postgres() {
    a_refusing_receiver_is_left_alone_between_attempts(Backend::Postgres).await;
}
