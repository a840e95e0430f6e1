//! Coupons (SPEC §3) through the real API, on SQLite and PostgreSQL: the ten checks and
//! their boundaries, redemption in checkout, caps under 50 concurrent tills, refunds
//! giving the use back, the back office, and the bulk issue.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use chrono::{Days, NaiveDate, Utc};
use crm_domain::{Level, Role};
use crm_tests::{on_both_databases, Reply, TestApp};
use serde_json::{json, Value};

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Africa::Abidjan)
        .date_naive()
}

/// A store with the demo catalogue, a cashier, a marketing user, and two customers:
/// GOLD (5 % loyalty) and STANDARD (no loyalty discount).
struct Shop {
    cashier: String,
    marketing: String,
    gold: i64,
    standard: i64,
}

async fn shop(app: &TestApp) -> Shop {
    app.seed_catalogue().await;
    let cashier = app.token_for(Role::Cashier).await;
    let marketing = app.token_for(Role::Marketing).await;
    let mut ids = Vec::new();
    for (phone, level) in [("0701234567", Level::Gold), ("0501020304", Level::Standard)] {
        let created = app
            .call(
                "POST",
                "/api/v1/customers",
                Some(&cashier),
                Some(json!({"phone": phone})),
            )
            .await;
        let id = created.body["customer"]["id"].as_i64().unwrap();
        crm_store::demo::set_standing(&app.state.db, id, level, 0, 0, 0)
            .await
            .unwrap();
        ids.push(id);
    }
    Shop {
        cashier,
        marketing,
        gold: ids[0],
        standard: ids[1],
    }
}

/// A GENERIC 10 % coupon valid today, uncapped globally, merged with `changes`.
fn coupon(changes: Value) -> Value {
    let mut body = json!({
        "kind": "GENERIC",
        "discount_kind": "PERCENT",
        "value": 10,
        "description": "Promo test",
        "valid_from": today(),
        "valid_to": today() + Days::new(30),
    });
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn create(app: &TestApp, shop: &Shop, changes: Value) -> Value {
    let reply = app
        .call(
            "POST",
            "/api/v1/coupons",
            Some(&shop.marketing),
            Some(coupon(changes)),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body
}

/// Riz 5 kg × 2 (ALIMENTAIRE, 9 000) + eau 1,5 L × 3 (BOISSONS, 1 200) = 10 200 FCFA.
fn lines() -> Value {
    json!([
        {"barcode": TestApp::demo_barcode(0), "quantity": 2},
        {"barcode": TestApp::demo_barcode(6), "quantity": 3}
    ])
}

async fn quote(app: &TestApp, shop: &Shop, code: &str, customer: Option<i64>) -> Value {
    let reply = app
        .call(
            "POST",
            "/api/v1/coupons/quote",
            Some(&shop.cashier),
            Some(json!({"code": code, "customer_id": customer, "lines": lines()})),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

async fn refusal(app: &TestApp, shop: &Shop, code: &str, customer: Option<i64>) -> String {
    let q = quote(app, shop, code, customer).await;
    assert_eq!(q["valid"], false, "{q}");
    assert_eq!(q["discount"], 0);
    assert!(q["message"].as_str().is_some_and(|m| !m.is_empty()), "{q}");
    q["reason_code"].as_str().unwrap().to_owned()
}

async fn accepted(app: &TestApp, shop: &Shop, code: &str, customer: Option<i64>) -> i64 {
    let q = quote(app, shop, code, customer).await;
    assert_eq!(q["valid"], true, "{q}");
    q["discount"].as_i64().unwrap()
}

fn sale_body(customer: Option<i64>, code: Option<&str>) -> Value {
    json!({
        "customer_id": customer,
        "lines": lines(),
        "coupon_code": code,
        "payments": [{"method": "ESPECES", "amount": 20_000}]
    })
}

async fn sell(app: &TestApp, token: &str, body: Value) -> Reply {
    app.sell(token, body).await
}

fn code_of(c: &Value) -> String {
    c["code"].as_str().unwrap().to_owned()
}

on_both_databases! {
    async fn each_check_refuses_with_its_own_code_in_spec_order(app) {
        let shop = shop(&app).await;
        let yesterday = today() - Days::new(1);
        let tomorrow = today() + Days::new(1);

        // 1. Unknown code; case and spaces are ignored for known ones.
        assert_eq!(refusal(&app, &shop, "INCONNU", None).await, "coupon.not_found");
        create(&app, &shop, json!({"code": "NOEL2026"})).await;
        assert_eq!(accepted(&app, &shop, " noel 2026 ", None).await, 1_020);

        // 2. Deactivated — and checked before the dates.
        let off = create(&app, &shop, json!({"valid_to": today()})).await;
        let done = app.call("POST", &format!("/api/v1/coupons/{}/deactivate", off["id"]), Some(&shop.marketing), None).await;
        assert_eq!(done.body["status"], "INACTIVE");
        assert_eq!(refusal(&app, &shop, &code_of(&off), None).await, "coupon.inactive");

        // 3. Dates, both ends inclusive.
        let one_day = create(&app, &shop, json!({"valid_from": today(), "valid_to": today()})).await;
        assert!(accepted(&app, &shop, &code_of(&one_day), None).await > 0);
        let ended = create(&app, &shop, json!({"valid_from": yesterday, "valid_to": yesterday})).await;
        assert_eq!(ended["status"], "EXPIRED", "an active coupon past its end shows as expired");
        assert_eq!(refusal(&app, &shop, &code_of(&ended), None).await, "coupon.out_of_dates");
        let later = create(&app, &shop, json!({"valid_from": tomorrow})).await;
        assert_eq!(refusal(&app, &shop, &code_of(&later), None).await, "coupon.out_of_dates");

        // 4. Global cap: the last use is accepted, the next refused.
        let capped = create(&app, &shop, json!({"global_cap": 2, "per_customer_cap": 5})).await;
        for _ in 0..2 {
            assert!(accepted(&app, &shop, &code_of(&capped), None).await > 0);
            assert_eq!(sell(&app, &shop.cashier, sale_body(None, Some(&code_of(&capped)))).await.status, 201);
        }
        assert_eq!(refusal(&app, &shop, &code_of(&capped), None).await, "coupon.global_cap_reached");

        // 5. Per-customer cap: this customer is done, another one is not.
        let once = create(&app, &shop, json!({"per_customer_cap": 1})).await;
        assert_eq!(sell(&app, &shop.cashier, sale_body(Some(shop.standard), Some(&code_of(&once)))).await.status, 201);
        assert_eq!(refusal(&app, &shop, &code_of(&once), Some(shop.standard)).await, "coupon.customer_cap_reached");
        assert!(accepted(&app, &shop, &code_of(&once), Some(shop.gold)).await > 0);

        // 6. Minimum basket (the basket is 10 200): equal passes, one franc more fails.
        let exact = create(&app, &shop, json!({"min_basket": 10_200})).await;
        assert!(accepted(&app, &shop, &code_of(&exact), None).await > 0);
        let above = create(&app, &shop, json!({"min_basket": 10_201})).await;
        assert_eq!(refusal(&app, &shop, &code_of(&above), None).await, "coupon.basket_below_minimum");

        // 7. Required level: GOLD passes; STANDARD and an anonymous sale fail.
        let gold_only = create(&app, &shop, json!({"required_level": "GOLD"})).await;
        assert!(accepted(&app, &shop, &code_of(&gold_only), Some(shop.gold)).await > 0);
        assert_eq!(refusal(&app, &shop, &code_of(&gold_only), Some(shop.standard)).await, "coupon.level_too_low");
        assert_eq!(refusal(&app, &shop, &code_of(&gold_only), None).await, "coupon.level_too_low");

        // 8. SPECIAL: only its holder.
        let personal = create(&app, &shop, json!({"kind": "SPECIAL", "customer_id": shop.standard, "discount_kind": "FIXED", "value": 500})).await;
        assert!(code_of(&personal).starts_with("SPE-"), "{personal}");
        assert_eq!(accepted(&app, &shop, &code_of(&personal), Some(shop.standard)).await, 500);
        assert_eq!(refusal(&app, &shop, &code_of(&personal), Some(shop.gold)).await, "coupon.wrong_customer");
        assert_eq!(refusal(&app, &shop, &code_of(&personal), None).await, "coupon.wrong_customer");

        // 9. Eligible categories.
        let gadgets = create(&app, &shop, json!({"eligible_categories": ["ELECTRONIQUE"]})).await;
        assert_eq!(refusal(&app, &shop, &code_of(&gadgets), None).await, "coupon.no_eligible_line");

        // 10. Stacking with the loyalty discount.
        let alone = create(&app, &shop, json!({"stacks_with_loyalty": false})).await;
        assert_eq!(refusal(&app, &shop, &code_of(&alone), Some(shop.gold)).await, "coupon.no_stacking");
        assert!(accepted(&app, &shop, &code_of(&alone), Some(shop.standard)).await > 0);

        // Quotes consume nothing: only the three sales above used coupons.
        assert_eq!(app.count("coupon_redemptions").await, 3);
    }
}

on_both_databases! {
    async fn checkout_discounts_eligible_lines_and_records_the_use(app) {
        let shop = shop(&app).await;
        // 1 000 FCFA on drinks only; the drinks cost 1 200 − 5 % loyalty = 1 140.
        let drinks = create(&app, &shop, json!({"discount_kind": "FIXED", "value": 1_000, "eligible_categories": ["BOISSONS"]})).await;
        let code = code_of(&drinks);
        let q = quote(&app, &shop, &code.to_lowercase(), Some(shop.gold)).await;
        assert_eq!((q["valid"].clone(), q["discount"].clone()), (json!(true), json!(1_000)));
        assert_eq!(q["eligible_lines"], json!([1]), "only the drinks line");
        assert_eq!(q["subtotal"], 10_200);
        assert_eq!(q["loyalty_discount"], 510);
        assert_eq!(q["total"], 8_690);

        let sale = sell(&app, &shop.cashier, sale_body(Some(shop.gold), Some(&code.to_lowercase()))).await;
        assert_eq!(sale.status, 201, "{}", sale.body);
        let r = &sale.body;
        assert_eq!(r["coupon_code"], code);
        assert_eq!(r["coupon_discount"], 1_000);
        assert_eq!(r["total"], 8_690);
        // Rice gets only its share of the loyalty discount (9 000 × 5 % = 450).
        assert_eq!(r["lines"][0]["discount"], 450);
        assert_eq!(r["lines"][1]["discount"], 60 + 1_000);
        assert_eq!(r["points_earned"], 8);

        let id = drinks["id"].as_i64().unwrap();
        let uses = app.call("GET", &format!("/api/v1/coupons/{id}/redemptions"), Some(&shop.marketing), None).await;
        assert_eq!(uses.body["total"], 1);
        let used = &uses.body["items"][0];
        assert_eq!(used["sale_id"], r["id"]);
        assert_eq!(used["ticket_number"], r["ticket_number"]);
        assert_eq!(used["customer_id"], shop.gold);
        assert_eq!(used["amount"], 1_000);
        assert!(used["released_at"].is_null());
        let again = app.call("GET", &format!("/api/v1/sales/{}", r["id"]), Some(&shop.cashier), None).await;
        assert_eq!(again.body["coupon_code"], code, "the reprinted receipt names the coupon");

        let list = app.call("GET", "/api/v1/coupons", Some(&shop.marketing), None).await;
        assert_eq!(list.body["stats"]["uses"], 1);
        assert_eq!(list.body["stats"]["discount_given"], 1_000);
        assert_eq!(list.body["items"][0]["uses_count"], 1);

        // A refused coupon writes nothing at all.
        let before = (app.count("sales").await, app.count("sale_lines").await, app.count("payments").await, app.count("points_ledger").await);
        let gadgets = create(&app, &shop, json!({"eligible_categories": ["ELECTRONIQUE"]})).await;
        sell(&app, &shop.cashier, sale_body(Some(shop.gold), Some(&code_of(&gadgets)))).await.assert_problem(409, "coupon.no_eligible_line");
        sell(&app, &shop.cashier, sale_body(None, Some("PAS-UN-CODE"))).await.assert_problem(422, "coupon.not_found");
        let after = (app.count("sales").await, app.count("sale_lines").await, app.count("payments").await, app.count("points_ledger").await);
        assert_eq!(before, after);
        assert_eq!(app.count("coupon_redemptions").await, 1);
    }
}

/// Fires `n` sales at once, each on its own connection, and returns the replies.
async fn rush(app: &TestApp, token: &str, n: usize, body: Value) -> Vec<Reply> {
    let calls = (0..n).map(|_| sell(app, token, body.clone()));
    futures::future::join_all(calls).await
}

fn tally(replies: &[Reply], cap_code: &str) -> (usize, usize) {
    let mut ok = 0;
    let mut refused = 0;
    for r in replies {
        match r.status {
            201 => ok += 1,
            409 => {
                r.assert_problem(409, cap_code);
                refused += 1;
            }
            other => panic!("unexpected {other}: {}", r.body),
        }
    }
    (ok, refused)
}

on_both_databases! {
    async fn fifty_tills_never_exceed_a_global_cap_of_ten(app) {
        let shop = shop(&app).await;
        let ten = create(&app, &shop, json!({"global_cap": 10, "per_customer_cap": 100, "discount_kind": "FIXED", "value": 700})).await;
        let replies = rush(&app, &shop.cashier, 50, sale_body(None, Some(&code_of(&ten)))).await;
        assert_eq!(tally(&replies, "coupon.global_cap_reached"), (10, 40));
        assert_eq!(app.count("sales").await, 10, "the refused sales wrote nothing");
        assert_eq!(app.count("sale_lines").await, 20);
        assert_eq!(app.count("payments").await, 10);
        assert_eq!(app.count("coupon_redemptions").await, 10);
        let row = app.call("GET", &format!("/api/v1/coupons/{}", ten["id"]), Some(&shop.marketing), None).await;
        assert_eq!(row.body["uses_count"], 10);
    }
}

on_both_databases! {
    async fn fifty_tills_never_exceed_a_per_customer_cap(app) {
        let shop = shop(&app).await;
        let three = create(&app, &shop, json!({"per_customer_cap": 3, "discount_kind": "FIXED", "value": 700})).await;
        let replies = rush(&app, &shop.cashier, 50, sale_body(Some(shop.standard), Some(&code_of(&three)))).await;
        assert_eq!(tally(&replies, "coupon.customer_cap_reached"), (3, 47));
        assert_eq!(app.count("sales").await, 3);
        assert_eq!(app.count("points_ledger").await, 3, "points only for the sales made");
        assert_eq!(app.count("coupon_redemptions").await, 3);
        // Another customer still has their own three uses.
        assert_eq!(sell(&app, &shop.cashier, sale_body(Some(shop.gold), Some(&code_of(&three)))).await.status, 201);
    }
}

on_both_databases! {
    async fn a_refund_or_cancel_gives_the_use_back(app) {
        let shop = shop(&app).await;
        let single = create(&app, &shop, json!({"global_cap": 1})).await;
        let code = code_of(&single);
        let first = sell(&app, &shop.cashier, sale_body(None, Some(&code))).await;
        assert_eq!(first.status, 201, "{}", first.body);
        sell(&app, &shop.cashier, sale_body(None, Some(&code))).await.assert_problem(409, "coupon.global_cap_reached");

        let director = app.token_for(Role::Director).await;
        let refund = app.call("POST", &format!("/api/v1/sales/{}/refund", first.body["id"]), Some(&director), Some(json!({"reason": "Client mécontent"}))).await;
        assert_eq!(refund.status, 200, "{}", refund.body);
        assert!(accepted(&app, &shop, &code, None).await > 0, "usable once again");
        let second = sell(&app, &shop.cashier, sale_body(None, Some(&code))).await;
        assert_eq!(second.status, 201, "{}", second.body);

        let cancel = app.call("POST", &format!("/api/v1/sales/{}/cancel", second.body["id"]), Some(&shop.cashier), Some(json!({"reason": "Erreur de saisie"}))).await;
        assert_eq!(cancel.status, 200, "{}", cancel.body);
        assert_eq!(sell(&app, &shop.cashier, sale_body(None, Some(&code))).await.status, 201);

        let uses = app.call("GET", &format!("/api/v1/coupons/{}/redemptions", single["id"]), Some(&shop.marketing), None).await;
        assert_eq!(uses.body["total"], 3);
        let released = uses.body["items"].as_array().unwrap().iter().filter(|u| u["released_at"].is_string()).count();
        assert_eq!(released, 2);
        let row = app.call("GET", &format!("/api/v1/coupons/{}", single["id"]), Some(&shop.marketing), None).await;
        assert_eq!(row.body["uses_count"], 1);
    }
}

on_both_databases! {
    async fn the_till_sees_usable_personal_coupons_on_identify(app) {
        let shop = shop(&app).await;
        let mine = create(&app, &shop, json!({"kind": "SPECIAL", "customer_id": shop.gold, "discount_kind": "FIXED", "value": 1_000, "description": "Anniversaire"})).await;
        create(&app, &shop, json!({"kind": "SPECIAL", "customer_id": shop.standard})).await;
        let later = today() + Days::new(3);
        create(&app, &shop, json!({"kind": "SPECIAL", "customer_id": shop.gold, "valid_from": later, "valid_to": later})).await;
        let identify = || app.call("POST", "/api/v1/customers/identify", Some(&shop.cashier), Some(json!({"phone": "07 01 23 45 67"})));
        let profile = identify().await;
        let offered = profile.body["available_coupons"].as_array().unwrap().clone();
        assert_eq!(offered.len(), 1, "only the holder's coupon valid today: {offered:?}");
        assert_eq!(offered[0]["code"], mine["code"]);
        assert_eq!(offered[0]["value"], 1_000);
        assert_eq!(offered[0]["description"], "Anniversaire");

        assert_eq!(sell(&app, &shop.cashier, sale_body(Some(shop.gold), Some(&code_of(&mine)))).await.status, 201);
        let after = identify().await;
        assert_eq!(after.body["available_coupons"], json!([]), "a used coupon is no longer offered");
    }
}

on_both_databases! {
    async fn marketing_creates_lists_and_deactivates_with_an_audit_trail(app) {
        let shop = shop(&app).await;
        let bad = [
            (json!({"value": 0}), "coupon.value_invalid"),
            (json!({"value": 101}), "coupon.value_invalid"),
            (json!({"discount_kind": "FIXED", "value": -5}), "coupon.value_invalid"),
            (json!({"valid_from": today(), "valid_to": today() - Days::new(1)}), "coupon.dates_invalid"),
            (json!({"global_cap": 0}), "coupon.cap_invalid"),
            (json!({"per_customer_cap": 0}), "coupon.cap_invalid"),
            (json!({"min_basket": -1}), "coupon.min_basket_invalid"),
            (json!({"kind": "SPECIAL"}), "coupon.customer_mismatch"),
            (json!({"kind": "SPECIAL", "customer_id": shop.gold, "code": "MONCODE"}), "coupon.code_not_allowed"),
            (json!({"kind": "SPECIAL", "customer_id": 999_999}), "customer.not_found"),
            (json!({"code": "NOËL 2026"}), "coupon.code_invalid"),
            (json!({"kind": "BONUS"}), "coupon.kind_invalid"),
            (json!({"required_level": "PLATINE"}), "coupon.level_invalid"),
            (json!({"eligible_categories": ["JOUETS"]}), "coupon.category_invalid"),
            (json!({"description": "  "}), "coupon.description_invalid"),
            (json!({"value": "dix"}), "request.invalid_body"),
        ];
        for (changes, code) in bad {
            app.call("POST", "/api/v1/coupons", Some(&shop.marketing), Some(coupon(changes))).await.assert_problem(422, code);
        }
        assert_eq!(app.count("coupons").await, 0, "nothing written");

        let noel = create(&app, &shop, json!({"code": "noel2026", "description": "Noël 2026"})).await;
        assert_eq!(noel["code"], "NOEL2026");
        app.call("POST", "/api/v1/coupons", Some(&shop.marketing), Some(coupon(json!({"code": "NOEL2026"})))).await.assert_problem(409, "coupon.code_taken");
        let generated = create(&app, &shop, json!({"discount_kind": "FIXED", "value": 2_000})).await;
        assert!(code_of(&generated).starts_with("GEN-"));
        let special = create(&app, &shop, json!({"kind": "SPECIAL", "customer_id": shop.gold})).await;

        let page = |query: &'static str| {
            let (app, token) = (&app, shop.marketing.clone());
            async move { app.call("GET", &format!("/api/v1/coupons{query}"), Some(&token), None).await }
        };
        assert_eq!(page("").await.body["total"], 3);
        assert_eq!(page("?kind=SPECIAL").await.body["items"][0]["id"], special["id"]);
        assert_eq!(page("?q=no%C3%ABl").await.body["total"], 1, "text matches the description, any case");
        assert_eq!(page("?q=gen-").await.body["items"][0]["id"], generated["id"]);
        page("?kind=BONUS").await.assert_problem(422, "coupon.kind_invalid");

        let off = app.call("POST", &format!("/api/v1/coupons/{}/deactivate", noel["id"]), Some(&shop.marketing), None).await;
        assert_eq!(off.body["status"], "INACTIVE");
        assert_eq!(page("?status=INACTIVE").await.body["total"], 1);
        assert_eq!(page("?status=ACTIVE").await.body["total"], 2);
        let stats = &page("").await.body["stats"];
        assert_eq!((stats["total"].as_i64(), stats["active"].as_i64()), (Some(3), Some(2)));
        app.call("POST", "/api/v1/coupons/999999/deactivate", Some(&shop.marketing), None).await.assert_problem(404, "coupon.not_found");

        let trail = crm_store::audit::for_entity(&app.state.db, "coupon", &noel["id"].to_string()).await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["coupon.create", "coupon.deactivate"]);

        // The director reads but does not write.
        let dg = app.token_for(Role::Director).await;
        assert_eq!(app.call("GET", "/api/v1/coupons", Some(&dg), None).await.status, 200);
        app.call("POST", "/api/v1/coupons", Some(&dg), Some(coupon(json!({})))).await.assert_problem(403, "auth.forbidden");
    }
}

async fn wait_for_job(app: &TestApp, token: &str, id: i64) -> (Value, Vec<i64>) {
    let mut seen = Vec::new();
    for _ in 0..6_000 {
        let job = app
            .call("GET", &format!("/api/v1/jobs/{id}"), Some(token), None)
            .await;
        assert_eq!(job.status, 200, "{}", job.body);
        let done = job.body["done"].as_i64().unwrap();
        if seen.last() != Some(&done) {
            seen.push(done);
        }
        match job.body["status"].as_str().unwrap() {
            "SUCCEEDED" => return (job.body, seen),
            "FAILED" => panic!("job failed: {}", job.body),
            _ => tokio::time::sleep(std::time::Duration::from_millis(5)).await,
        }
    }
    panic!("job {id} did not finish in time");
}

on_both_databases! {
    async fn bulk_issue_serves_ten_thousand_customers_once(app) {
        let shop = shop(&app).await;
        crm_server::demo::generate_customers(&app.state, 10_000).await.unwrap();
        let body = json!({
            "min_level": "STANDARD",
            "discount_kind": "FIXED",
            "value": 1_000,
            "description": "Merci de votre fidélité",
            "valid_from": today(),
            "valid_to": today() + Days::new(30),
        });
        // Two clicks at once start one run; the other is told one is under way.
        let (a, b) = futures::join!(
            app.call("POST", "/api/v1/coupons/bulk-issue", Some(&shop.marketing), Some(body.clone())),
            app.call("POST", "/api/v1/coupons/bulk-issue", Some(&shop.marketing), Some(body.clone()))
        );
        let (started, refused) = if a.status == 202 { (a, b) } else { (b, a) };
        assert_eq!(started.status, 202, "{}", started.body);
        refused.assert_problem(409, "job.already_running");
        let job_id = started.body["id"].as_i64().unwrap();
        let (job, progress) = wait_for_job(&app, &shop.marketing, job_id).await;
        // The two shop customers plus the 10 000 generated ones.
        assert_eq!(job["result"]["issued"], 10_002, "{job}");
        assert_eq!((job["done"].as_i64(), job["total"].as_i64(), job["progress"].as_i64()), (Some(10_002), Some(10_002), Some(100)));
        assert!(progress.len() >= 3, "progress is reported while it runs: {progress:?}");
        assert!(progress.windows(2).all(|w| w[0] < w[1]), "{progress:?}");
        assert_eq!(app.count("coupons").await, 10_002);

        // The CSV of issued codes.
        let csv = app.client.get(app.url(&format!("/api/v1/coupons/export?job_id={job_id}"))).bearer_auth(&shop.marketing).send().await.unwrap();
        assert_eq!(csv.status(), 200);
        assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        // For French Excel: a byte-order mark, `;`, French headers and values, French days.
        let bytes = csv.bytes().await.unwrap();
        let text = std::str::from_utf8(&bytes).unwrap().strip_prefix('\u{feff}').expect("UTF-8 BOM first");
        let mut rows = text.lines();
        assert!(rows.next().unwrap().starts_with("Code;Type;Remise;Valeur (% ou FCFA);Description;Début;Fin;Statut"));
        let rows: Vec<&str> = rows.collect();
        assert_eq!(rows.len(), 10_002);
        let first_day = today().format("%d/%m/%Y").to_string();
        assert!(rows.iter().all(|r| r.starts_with("SPE-") && r.contains(";CLT")));
        assert!(rows[0].contains(&format!(";Personnel;Montant fixe;1000;Merci de votre fidélité;{first_day};")), "{}", rows[0]);
        assert!(rows[0].contains(";Actif;0;"), "{}", rows[0]);

        // The GOLD customer spends theirs; a second run serves only them.
        let offered = app.call("POST", "/api/v1/customers/identify", Some(&shop.cashier), Some(json!({"phone": "0701234567"}))).await;
        let theirs = offered.body["available_coupons"][0]["code"].as_str().unwrap().to_owned();
        assert_eq!(sell(&app, &shop.cashier, sale_body(Some(shop.gold), Some(&theirs))).await.status, 201);
        let again = app.call("POST", "/api/v1/coupons/bulk-issue", Some(&shop.marketing), Some(body.clone())).await;
        assert_eq!(again.status, 202, "{}", again.body);
        let (job, _) = wait_for_job(&app, &shop.marketing, again.body["id"].as_i64().unwrap()).await;
        assert_eq!(job["result"]["issued"], 1, "holders of an unused coupon are skipped: {job}");
        assert_eq!(job["result"]["skipped"], 10_001, "and counted: {job}");
        assert_eq!(app.count("coupons").await, 10_003);

        // A run that finds nobody says whom it skipped.
        let none = app.call("POST", "/api/v1/coupons/bulk-issue", Some(&shop.marketing), Some(body)).await;
        let (job, _) = wait_for_job(&app, &shop.marketing, none.body["id"].as_i64().unwrap()).await;
        assert_eq!((job["result"]["issued"].as_i64(), job["result"]["skipped"].as_i64()), (Some(0), Some(10_002)), "{job}");
        assert_eq!(app.count("coupons").await, 10_003);

        // The GOLD customer's spent coupon shows used up, not active; the filters agree.
        let spent = app.call("GET", &format!("/api/v1/coupons?q={theirs}"), Some(&shop.marketing), None).await;
        assert_eq!(spent.body["items"][0]["status"], "EXHAUSTED", "{}", spent.body);
        let exhausted = app.call("GET", "/api/v1/coupons?status=EXHAUSTED", Some(&shop.marketing), None).await;
        assert_eq!(exhausted.body["total"], 1, "{}", exhausted.body);
        assert_eq!(exhausted.body["items"][0]["code"], theirs.as_str());
        let active = app.call("GET", "/api/v1/coupons?status=ACTIVE&kind=SPECIAL", Some(&shop.marketing), None).await;
        assert_eq!(active.body["total"], 10_002, "{}", active.body);
        assert_eq!(active.body["stats"]["active"], active.body["total"], "{}", active.body);

        let trail = crm_store::audit::for_entity(&app.state.db, "job", &job_id.to_string()).await.unwrap();
        assert_eq!(trail.len(), 1);
        assert_eq!(trail[0].action, "coupon.bulk_issue");
    }
}

on_both_databases! {
    async fn bulk_issue_serves_a_level_and_above(app) {
        let shop = shop(&app).await;
        let body = json!({
            "min_level": "SILVER",
            "discount_kind": "PERCENT",
            "value": 15,
            "description": "Offre Silver et plus",
            "valid_from": today(),
            "valid_to": today(),
        });
        let started = app.call("POST", "/api/v1/coupons/bulk-issue", Some(&shop.marketing), Some(body)).await;
        assert_eq!(started.status, 202, "{}", started.body);
        let (job, _) = wait_for_job(&app, &shop.marketing, started.body["id"].as_i64().unwrap()).await;
        assert_eq!(job["result"]["issued"], 1, "only the GOLD customer: {job}");
        let list = app.call("GET", "/api/v1/coupons?kind=SPECIAL", Some(&shop.marketing), None).await;
        assert_eq!(list.body["items"][0]["customer_id"], shop.gold);

        let bad = [
            (json!({"min_level": "PLATINE"}), "coupon.level_invalid"),
            (json!({"value": 0}), "coupon.value_invalid"),
            (json!({"valid_to": today() - Days::new(1), "valid_from": today() - Days::new(2)}), "coupon.dates_invalid"),
        ];
        for (changes, code) in bad {
            let mut body = json!({"min_level": "SILVER", "discount_kind": "PERCENT", "value": 15, "description": "x", "valid_from": today(), "valid_to": today()});
            for (k, v) in changes.as_object().unwrap() {
                body[k] = v.clone();
            }
            app.call("POST", "/api/v1/coupons/bulk-issue", Some(&shop.marketing), Some(body)).await.assert_problem(422, code);
        }
        assert_eq!(app.count("jobs").await, 1, "refused requests start no job");
        app.call("GET", "/api/v1/jobs/999999", Some(&shop.marketing), None).await.assert_problem(404, "job.not_found");
    }
}

on_both_databases! {
    async fn the_till_lookup_answers_like_the_pool_even_when_its_connection_fails(app) {
        let shop = shop(&app).await;
        let mine = create(&app, &shop, json!({"kind": "SPECIAL", "customer_id": shop.gold})).await;
        // Gold used a generic code twice: the lookup counts the uses by coupon.
        let generic = create(&app, &shop, json!({"per_customer_cap": 3, "stacks_with_loyalty": true})).await;
        for _ in 0..2 {
            let sold = sell(&app, &shop.cashier, sale_body(Some(shop.gold), Some(&code_of(&generic)))).await;
            assert_eq!(sold.status, 201, "{}", sold.body);
        }
        let generic_id = generic["id"].as_i64().unwrap();
        let phone = crm_domain::phone::Phone::parse("07 01 23 45 67", "CI").unwrap();
        let index = app.state.vault.index(&phone);
        let through_pool = crm_store::coupons::holder_by_phone_index(&app.state.db, &index, today()).await.unwrap().unwrap();
        assert_eq!(through_pool.0.id, shop.gold);
        assert_eq!(through_pool.1.len(), 1);
        assert_eq!(through_pool.1[0].code, code_of(&mine));
        assert_eq!((through_pool.2.of(generic_id), through_pool.2.of(mine["id"].as_i64().unwrap())), (2, 0));
        // The server's own lookup (dedicated connections on PostgreSQL).
        let held = app.state.till_lookup.holder_by_phone_index(&app.state.db, &index, today()).await.unwrap().unwrap();
        assert_eq!((held.0.id, held.1.clone(), held.2.clone()), (through_pool.0.id, through_pool.1.clone(), through_pool.2.clone()));
        // A lookup whose PostgreSQL cannot be reached falls back to the pool.
        let broken = crm_store::coupons::TillLookup::new("postgres://nobody@127.0.0.1:1/nowhere", 2);
        let fallback = broken.holder_by_phone_index(&app.state.db, &index, today()).await.unwrap().unwrap();
        assert_eq!((fallback.0.id, fallback.1, fallback.2), (through_pool.0.id, through_pool.1, through_pool.2));
        let unknown = app.state.vault.index(&crm_domain::phone::Phone::parse("0102030405", "CI").unwrap());
        assert!(app.state.till_lookup.holder_by_phone_index(&app.state.db, &unknown, today()).await.unwrap().is_none());
    }
}

on_both_databases! {
    async fn lookups_asked_at_once_share_a_query_and_each_gets_its_own_answer(app) {
        let shop = shop(&app).await;
        // Gold holds three personal coupons; the till offers the soonest to expire first.
        let mut expected = Vec::new();
        for days in [20, 5, 12] {
            let made = create(&app, &shop, json!({"kind": "SPECIAL", "customer_id": shop.gold,
                                                  "valid_to": today() + Days::new(days)})).await;
            expected.push((days, code_of(&made)));
        }
        expected.sort();
        let expected: Vec<String> = expected.into_iter().map(|(_, code)| code).collect();
        let index = |typed: &str| app.state.vault.index(&crm_domain::phone::Phone::parse(typed, "CI").unwrap());
        let (gold, standard, unknown) = (index("0701234567"), index("0501020304"), index("0102030405"));
        // Forty lookups started together on one thread: they queue while the first query
        // runs and go out together. On PostgreSQL the fallback given is an empty database,
        // so only the batched lane can answer right; on SQLite the pool answers each.
        let lookup = crm_store::coupons::TillLookup::new(&app.state.settings.database_url, 1);
        let fallback = match app.backend {
            crm_tests::Backend::Postgres => sea_orm::Database::connect("sqlite::memory:").await.unwrap(),
            crm_tests::Backend::Sqlite => app.state.db.clone(),
        };
        let asked: Vec<&String> = (0..40).map(|i| [&gold, &standard, &unknown, &gold][i % 4]).collect();
        let answers = futures::future::join_all(
            asked.iter().map(|phone| lookup.holder_by_phone_index(&fallback, phone, today())),
        )
        .await;
        for (phone, answer) in asked.iter().zip(answers) {
            let answer = answer.unwrap();
            if *phone == &gold {
                let (customer, coupons, _) = answer.expect("gold is found");
                assert_eq!(customer.id, shop.gold);
                assert_eq!(coupons.iter().map(|c| c.code.clone()).collect::<Vec<_>>(), expected);
            } else if *phone == &standard {
                let (customer, coupons, _) = answer.expect("standard is found");
                assert_eq!(customer.id, shop.standard);
                assert!(coupons.is_empty(), "the standard customer holds no coupon");
            } else {
                assert!(answer.is_none(), "an unknown phone finds nobody");
            }
        }
    }
}

on_both_databases! {
    async fn hostile_quotes_are_refused_cleanly(app) {
        let shop = shop(&app).await;
        let ask = |body: Value| {
            let (app, token) = (&app, shop.cashier.clone());
            async move { app.call("POST", "/api/v1/coupons/quote", Some(&token), Some(body)).await }
        };
        for code in ["'; DROP TABLE coupons; --", "%", "_", &"A".repeat(5_000), ""] {
            let q = ask(json!({"code": code, "lines": lines()})).await;
            assert_eq!(q.status, 200, "{}", q.body);
            assert_eq!(q.body["reason_code"], "coupon.not_found", "{code:.20}");
        }
        let too_many: Vec<Value> = (0..501).map(|_| json!({"barcode": TestApp::demo_barcode(0), "quantity": 1})).collect();
        ask(json!({"code": "X", "lines": too_many})).await.assert_problem(422, "sale.too_many_lines");
        ask(json!({"code": "X", "lines": [{"product_id": 1, "quantity": 0}]})).await.assert_problem(422, "sale.quantity_invalid");
        ask(json!({"code": "X", "lines": [{"product_id": 1, "barcode": "6191000000016", "quantity": 1}]})).await.assert_problem(422, "sale.line_invalid");
        ask(json!({"code": "X", "customer_id": 999_999, "lines": lines()})).await.assert_problem(422, "customer.not_found");
        ask(json!({"code": 12, "lines": lines()})).await.assert_problem(422, "request.invalid_body");
        ask(json!({"code": "X", "lines": lines(), "discount": 5_000})).await.assert_problem(422, "request.invalid_body");
        assert_eq!(app.count("coupons").await, 0);
        assert_eq!(app.count("coupon_redemptions").await, 0);
    }
}

on_both_databases! {
    async fn the_csv_export_neutralises_formulas_and_is_streamed(app) {
        let shop = shop(&app).await;
        // Text typed by people, shaped like spreadsheet formulas.
        let renamed = app
            .call("PATCH", &format!("/api/v1/customers/{}", shop.gold), Some(&shop.marketing),
                  Some(json!({"first_name": "=HYPERLINK(\"http://x\")", "last_name": "Koné"})))
            .await;
        assert_eq!(renamed.status, 200, "{}", renamed.body);
        create(&app, &shop, json!({"kind": "SPECIAL", "customer_id": shop.gold, "description": "+33 remise"})).await;
        for description in ["@SUM(A1)", "-10 % sur tout", "=1+1", "Remise ordinaire"] {
            create(&app, &shop, json!({"description": description})).await;
        }
        let res = app.client.get(app.url("/api/v1/coupons/export")).bearer_auth(&shop.marketing).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.content_length().is_none(), "the body is streamed (chunked), not built whole first");
        let disposition = res.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.starts_with("attachment") && disposition.contains(".csv"), "{disposition}");
        let bytes = res.bytes().await.unwrap();
        let text = std::str::from_utf8(&bytes).unwrap().strip_prefix('\u{feff}').expect("UTF-8 BOM first");
        for neutralised in ["'+33 remise", "'@SUM(A1)", "'-10 % sur tout", "'=1+1", "\"'=HYPERLINK(\"\"http://x\"\") Koné\""] {
            assert!(text.contains(neutralised), "{neutralised:?} missing from:\n{text}");
        }
        assert!(text.contains(";Remise ordinaire;"), "plain text is left alone:\n{text}");
        // No cell starts like a formula: after a separator or at a line start, only the
        // neutralised form (an apostrophe, possibly inside quotes) precedes one.
        for line in text.lines() {
            for cell in line.split(';') {
                let cell = cell.trim_start_matches('"');
                assert!(!cell.starts_with(['=', '+', '@', '\t']), "{cell:?} in {line:?}");
            }
        }
    }
}

on_both_databases! {
    async fn a_customers_export_holds_their_sales_points_and_coupons(app) {
        let shop = shop(&app).await;
        let used = create(&app, &shop, json!({"kind": "SPECIAL", "customer_id": shop.gold})).await;
        let held = create(&app, &shop, json!({"kind": "SPECIAL", "customer_id": shop.gold, "description": "Pour plus tard"})).await;
        let sold = sell(&app, &shop.cashier, sale_body(Some(shop.gold), Some(&code_of(&used)))).await;
        assert_eq!(sold.status, 201, "{}", sold.body);
        let admin = app.token_for(Role::Admin).await;
        let export = app.call("GET", &format!("/api/v1/customers/{}/export", shop.gold), Some(&admin), None).await;
        assert_eq!(export.status, 200, "{}", export.body);
        let body = &export.body;
        let sales = body["sales"].as_array().unwrap();
        assert_eq!(sales.len(), 1, "{body}");
        assert_eq!(sales[0]["ticket_number"], sold.body["ticket_number"]);
        assert_eq!(sales[0]["total"], sold.body["total"]);
        assert_eq!(sales[0]["lines"].as_array().unwrap().len(), 2);
        assert!(!body["points_ledger"].as_array().unwrap().is_empty(), "the sale earned points: {body}");
        let mut held_codes: Vec<&str> = body["coupons_held"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
        held_codes.sort_unstable();
        let mut expected = vec![used["code"].as_str().unwrap(), held["code"].as_str().unwrap()];
        expected.sort_unstable();
        assert_eq!(held_codes, expected);
        let uses = body["coupons_used"].as_array().unwrap();
        assert_eq!(uses.len(), 1, "{body}");
        assert_eq!(uses[0]["code"], used["code"]);
        assert_eq!(uses[0]["sale_id"], sold.body["id"]);
        // Someone else's export holds none of it.
        let other = app.call("GET", &format!("/api/v1/customers/{}/export", shop.standard), Some(&admin), None).await;
        for list in ["sales", "coupons_held", "coupons_used", "points_ledger"] {
            assert_eq!(other.body[list], json!([]), "{list}: {}", other.body);
        }
    }
}

/// A TCP server that accepts connections and never answers: a PostgreSQL that hangs.
async fn silent_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("postgres://nobody@127.0.0.1:{port}/nowhere")
}

on_both_databases! {
    async fn a_slow_or_saturated_till_lookup_lane_answers_through_the_pool(app) {
        use crm_store::coupons::{LaneLimits, TillLookup};
        use std::time::{Duration, Instant};
        let shop = shop(&app).await;
        let index = app.state.vault.index(&crm_domain::phone::Phone::parse("0701234567", "CI").unwrap());
        // Slow: the lane's connection never opens; each request waits its bounded time.
        let slow = TillLookup::with_limits(&silent_server().await, 1, LaneLimits {
            answer_wait: Duration::from_millis(300),
            connect_timeout: Duration::from_secs(60),
            ..LaneLimits::default()
        });
        let started = Instant::now();
        let found = slow.holder_by_phone_index(&app.state.db, &index, today()).await.unwrap().unwrap();
        assert_eq!(found.0.id, shop.gold);
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        // Saturated: one request in the stuck lane, one in its queue of one; the next one
        // does not wait at all.
        let saturated = TillLookup::with_limits(&silent_server().await, 1, LaneLimits {
            queue: 1,
            answer_wait: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(60),
            ..LaneLimits::default()
        });
        let stuck = async {
            let _ = futures::join!(
                saturated.holder_by_phone_index(&app.state.db, &index, today()),
                async {
                    // Once the lane has taken the first one and hangs connecting.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    saturated.holder_by_phone_index(&app.state.db, &index, today()).await
                },
            );
        };
        let late = async {
            tokio::time::sleep(Duration::from_millis(400)).await;
            let started = Instant::now();
            let found = saturated.holder_by_phone_index(&app.state.db, &index, today()).await.unwrap().unwrap();
            (found.0.id, started.elapsed())
        };
        let outcome = tokio::select! {
            _ = stuck => None,
            late = late => Some(late),
        };
        let (id, waited) = outcome.expect("the third lookup answers while the lane is stuck");
        assert_eq!(id, shop.gold);
        assert!(waited < Duration::from_secs(5), "a full queue sends straight to the pool: {waited:?}");
    }
}

on_both_databases! {
    async fn the_till_offers_the_generic_codes_each_customer_can_still_use(app) {
        let shop = shop(&app).await;
        let welcome = create(&app, &shop, json!({"code": "BIENVENUE", "per_customer_cap": 1, "stacks_with_loyalty": true})).await;
        create(&app, &shop, json!({"code": "GOLDONLY", "required_level": "GOLD", "stacks_with_loyalty": true})).await;
        create(&app, &shop, json!({"code": "LATER", "valid_from": today() + Days::new(2), "stacks_with_loyalty": true})).await;
        create(&app, &shop, json!({"code": "NOSTACK", "stacks_with_loyalty": false})).await;
        let offered = |phone: &'static str| {
            let app = &app;
            let cashier = shop.cashier.clone();
            async move {
                let reply = app
                    .call("POST", "/api/v1/customers/identify", Some(&cashier), Some(json!({"phone": phone})))
                    .await;
                assert_eq!(reply.status, 200, "{}", reply.body);
                reply.body["available_coupons"].as_array().unwrap().iter().map(code_of).collect::<Vec<_>>()
            }
        };
        // Not yet valid, level too low, or not stackable with a loyalty discount: not offered.
        assert_eq!(offered("0501020304").await, ["BIENVENUE", "NOSTACK"], "STANDARD customer");
        assert_eq!(offered("0701234567").await, ["BIENVENUE", "GOLDONLY"], "GOLD customer, 5 % loyalty");
        assert_eq!(welcome["kind"], "GENERIC");

        // Once used up by a customer, the code is no longer offered to them, still to others.
        let sold = sell(&app, &shop.cashier, sale_body(Some(shop.standard), Some("BIENVENUE"))).await;
        assert_eq!(sold.status, 201, "{}", sold.body);
        assert_eq!(offered("0501020304").await, ["NOSTACK"]);
        assert_eq!(offered("0701234567").await, ["BIENVENUE", "GOLDONLY"]);
    }
}

on_both_databases! {
    async fn a_generic_code_created_or_deactivated_is_offered_or_not_at_the_next_identify(app) {
        let shop = shop(&app).await;
        let offered = || async {
            let reply = app
                .call("POST", "/api/v1/customers/identify", Some(&shop.cashier), Some(json!({"phone": "0501020304"})))
                .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            reply.body["available_coupons"].as_array().unwrap().iter().map(code_of).collect::<Vec<_>>()
        };
        // The first identify keeps the (empty) list of generic codes in memory…
        assert!(offered().await.is_empty());
        // …which a code created through the API forgets at once, well within the refresh time.
        let started = std::time::Instant::now();
        let made = create(&app, &shop, json!({"code": "RENTREE", "stacks_with_loyalty": true})).await;
        assert_eq!(offered().await, ["RENTREE"]);
        let deactivated = app
            .call("POST", &format!("/api/v1/coupons/{}/deactivate", made["id"]), Some(&shop.marketing), None)
            .await;
        assert_eq!(deactivated.status, 200, "{}", deactivated.body);
        assert!(offered().await.is_empty(), "a deactivated code is no longer offered");
        assert!(started.elapsed() < crm_store::coupons::GENERIC_CODES_REFRESH, "the cache was forgotten, not expired");
    }
}

/// Two API instances on one PostgreSQL, as behind a load balancer: tills on both race a
/// coupon capped at ten uses, and marketing clicks « Émettre » on both at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_keep_caps_exact_and_run_one_bulk_issue() {
    let one = crm_tests::spawn(crm_tests::Backend::Postgres).await;
    let two = one.spawn_beside().await;
    let shop = shop(&one).await;
    let ten = create(
        &one,
        &shop,
        json!({"global_cap": 10, "per_customer_cap": 100, "discount_kind": "FIXED", "value": 700}),
    )
    .await;
    let body = sale_body(None, Some(&code_of(&ten)));
    let (here, there) = futures::join!(
        rush(&one, &shop.cashier, 25, body.clone()),
        rush(&two, &shop.cashier, 25, body.clone())
    );
    let replies: Vec<Reply> = here.into_iter().chain(there).collect();
    assert_eq!(tally(&replies, "coupon.global_cap_reached"), (10, 40));
    assert_eq!(one.count("coupon_redemptions").await, 10);
    assert_eq!(one.count("sales").await, 10);

    crm_server::demo::generate_customers(&one.state, 2_000)
        .await
        .unwrap();
    let issue = json!({
        "min_level": "STANDARD",
        "discount_kind": "FIXED",
        "value": 1_000,
        "description": "Merci de votre fidélité",
        "valid_from": today(),
        "valid_to": today() + Days::new(30),
    });
    let (a, b) = futures::join!(
        one.call(
            "POST",
            "/api/v1/coupons/bulk-issue",
            Some(&shop.marketing),
            Some(issue.clone())
        ),
        two.call(
            "POST",
            "/api/v1/coupons/bulk-issue",
            Some(&shop.marketing),
            Some(issue.clone())
        )
    );
    let (started, refused, runner) = if a.status == 202 {
        (a, b, &one)
    } else {
        (b, a, &two)
    };
    assert_eq!(started.status, 202, "{}", started.body);
    refused.assert_problem(409, "job.already_running");
    let (job, _) = wait_for_job(
        runner,
        &shop.marketing,
        started.body["id"].as_i64().unwrap(),
    )
    .await;
    assert_eq!(job["result"]["issued"], 2_002, "{job}");
    assert_eq!(
        one.count("coupons").await,
        1 + 2_002,
        "one run, one coupon per customer"
    );
}
