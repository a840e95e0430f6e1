//! Checkout, receipts, refunds and "Mes ventes", on SQLite and PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_domain::{Level, Role, Scope};
use crm_tests::{on_both_databases, TestApp};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

/// A cashier's token and a GOLD customer (5 % loyalty discount).
async fn till(app: &TestApp) -> (String, i64) {
    app.seed_catalogue().await;
    let cashier = app.token_for(Role::Cashier).await;
    let created = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(&cashier),
            Some(json!({"phone": "0701234567", "first_name": "Aya"})),
        )
        .await;
    let id = created.body["customer"]["id"].as_i64().unwrap();
    crm_store::demo::set_standing(&app.state.db, id, Level::Gold, 0, 0, 0)
        .await
        .unwrap();
    (cashier, id)
}

async fn sell(app: &TestApp, token: &str, body: Value) -> crm_tests::Reply {
    app.sell(token, body).await
}

async fn sell_keyed(
    app: &TestApp,
    token: &str,
    key: Option<&str>,
    body: Value,
) -> crm_tests::Reply {
    app.checkout(token, key, body).await
}

/// Riz 5 kg (4 500) × 2 + eau 1,5 L (400) × 3, by barcode = 10 200 FCFA before discount.
fn basket(customer_id: Option<i64>, cash: i64) -> Value {
    json!({
        "customer_id": customer_id,
        "lines": [
            {"barcode": TestApp::demo_barcode(0), "quantity": 2},
            {"barcode": TestApp::demo_barcode(6), "quantity": 3}
        ],
        "payments": [{"method": "ESPECES", "amount": cash}]
    })
}

on_both_databases! {
    async fn checkout_prices_from_the_catalogue_and_credits_the_customer(app) {
        let (cashier, customer) = till(&app).await;
        let reply = sell_keyed(&app, &cashier, Some("k-1"), basket(Some(customer), 10_000)).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let r = &reply.body;
        assert_eq!(r["subtotal"], 10_200);
        assert_eq!(r["loyalty_percent"], "5");
        assert_eq!(r["loyalty_discount"], 510, "5 % of 10 200");
        assert_eq!(r["total"], 9_690);
        assert_eq!(r["paid"], 10_000);
        assert_eq!(r["change"], 310, "monnaie rendue");
        assert_eq!(r["points_earned"], 9, "1 point per 1 000 FCFA, floor");
        assert_eq!(r["status"], "COMPLETED");
        assert!(r["ticket_number"].as_str().unwrap().starts_with("TKT-ABJ01-"));
        assert!(r["ticket_number"].as_str().unwrap().ends_with("-0001"));
        // VAT is included in the prices: 18 % of the discounted base.
        let vat = &r["vat"][0];
        assert_eq!(vat["rate_bp"], 1800);
        assert_eq!(vat["base"], 9_690);
        assert_eq!(vat["vat"], 1_478, "9 690 × 18 / 118 = 1 478.1 → 1 478");
        let line_discounts: i64 = r["lines"].as_array().unwrap().iter().map(|l| l["discount"].as_i64().unwrap()).sum();
        assert_eq!(line_discounts, 510, "the discount is spread over the lines exactly");
        assert_eq!(r["customer"]["points_balance"], 9);

        let marketing = app.token_for(Role::Marketing).await;
        let after = app.call("GET", &format!("/api/v1/customers/{customer}"), Some(&marketing), None).await;
        assert_eq!(after.body["customer"]["points"], 9);
        assert_eq!(after.body["customer"]["lifetime_spend"], 9_690);
        assert_eq!(after.body["customer"]["purchases_count"], 1);
        assert!(after.body["customer"]["last_visit_at"].is_string());
        let ledger = crm_store::customers::points_ledger(&app.state.db, customer).await.unwrap();
        assert_eq!(ledger.len(), 1);
        assert_eq!((ledger[0].kind.as_str(), ledger[0].points), ("EARN", 9));
    }
}

on_both_databases! {
    async fn an_anonymous_sale_earns_no_points_on_the_receipt_nor_in_the_database(app) {
        let (cashier, _) = till(&app).await;
        let reply = sell(&app, &cashier, basket(None, 10_200)).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_eq!(reply.body["total"], 10_200);
        assert_eq!(reply.body["points_earned"], 0, "10 200 FCFA, but nobody to credit");
        let id = reply.body["id"].as_i64().unwrap();
        let stored = crm_store::sales::detail(&app.state.db, id).await.unwrap().unwrap();
        assert_eq!(stored.sale.points_earned, 0);
        assert_eq!(app.count("points_ledger").await, 0, "no ledger movement either");
    }
}

on_both_databases! {
    async fn mixed_payments_and_anonymous_sales(app) {
        let (cashier, _) = till(&app).await;
        let body = json!({
            "lines": [{"barcode": TestApp::demo_barcode(11), "quantity": 1}],
            "payments": [{"method": "ORANGE_MONEY", "amount": 10_000, "reference": "OM-123"},
                         {"method": "ESPECES", "amount": 6_000}]
        });
        let reply = sell(&app, &cashier, body).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_eq!(reply.body["total"], 15_000, "no discount for an anonymous sale");
        assert_eq!(reply.body["change"], 1_000);
        assert!(reply.body["customer"].is_null());
        assert_eq!(reply.body["points_earned"], 0, "no customer, no points");
        assert_eq!(reply.body["payments"][0]["reference"], "OM-123");
        let card_over = json!({
            "lines": [{"barcode": TestApp::demo_barcode(6), "quantity": 1}],
            "payments": [{"method": "CARTE", "amount": 1_000}]
        });
        sell(&app, &cashier, card_over).await.assert_problem(422, "payment.non_cash_overpayment");
    }
}

on_both_databases! {
    async fn one_idempotency_key_gives_one_sale_and_one_set_of_points(app) {
        let (cashier, customer) = till(&app).await;
        let first = sell_keyed(&app, &cashier, Some("retry-me"), basket(Some(customer), 10_000)).await;
        assert_eq!(first.status, 201);
        let again = sell_keyed(&app, &cashier, Some("retry-me"), basket(Some(customer), 10_000)).await;
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.body["id"], first.body["id"]);
        assert_eq!(again.body["ticket_number"], first.body["ticket_number"]);
        assert_eq!(app.count("sales").await, 1);
        assert_eq!(crm_store::customers::find(&app.state.db, customer).await.unwrap().unwrap().points, 9);

        // The same key for another basket is refused, and writes nothing.
        let other = sell_keyed(&app, &cashier, Some("retry-me"), basket(Some(customer), 20_000)).await;
        other.assert_problem(409, "idempotency.conflict");
        assert_eq!(app.count("sales").await, 1);
    }
}

on_both_databases! {
    async fn a_checkout_without_a_key_is_refused_and_writes_nothing(app) {
        let (cashier, customer) = till(&app).await;
        sell_keyed(&app, &cashier, None, basket(Some(customer), 10_000)).await.assert_problem(428, "idempotency.key_required");
        sell_keyed(&app, &cashier, Some("   "), basket(Some(customer), 10_000)).await.assert_problem(428, "idempotency.key_required");
        sell_keyed(&app, &cashier, Some(&"k".repeat(101)), basket(Some(customer), 10_000)).await.assert_problem(422, "idempotency.invalid_key");
        assert_eq!(app.count("sales").await, 0);
        assert_eq!(app.count("points_ledger").await, 0);
    }
}

/// Sets a column of every till (`active = false` closes them).
async fn close_tills(app: &TestApp) {
    let db = &app.state.db;
    db.execute_unprepared(if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        "UPDATE tills SET active = 0"
    } else {
        "UPDATE tills SET active = false"
    })
    .await
    .unwrap();
}

on_both_databases! {
    async fn a_used_key_replays_the_first_receipt_whatever_changed_since(app) {
        let (cashier, customer) = till(&app).await;
        let marketing = app.token_for(Role::Marketing).await;
        let admin = app.token_for(Role::Admin).await;
        let today = chrono::Utc::now().date_naive();
        let coupon = app.call("POST", "/api/v1/coupons", Some(&marketing), Some(json!({
            "kind": "GENERIC", "discount_kind": "FIXED", "value": 500, "description": "Une seule fois",
            "valid_from": today, "valid_to": today + chrono::Duration::days(30), "global_cap": 1
        }))).await;
        assert_eq!(coupon.status, 201, "{}", coupon.body);
        let mut body = basket(Some(customer), 10_000);
        body["coupon_code"] = coupon.body["code"].clone();
        let first = sell_keyed(&app, &cashier, Some("F9-1"), body.clone()).await;
        assert_eq!(first.status, 201, "{}", first.body);
        assert_eq!(first.body["coupon_discount"], 500);

        // Everything the checkout checked changes: the coupon's only use is spent, a
        // product is repriced and the other withdrawn, the customer erased, the till closed.
        let rice = first.body["lines"][0]["product_id"].as_i64().unwrap();
        let water = first.body["lines"][1]["product_id"].as_i64().unwrap();
        assert_eq!(app.call("PATCH", &format!("/api/v1/products/{rice}"), Some(&admin), Some(json!({"price": 9_999}))).await.status, 200);
        assert_eq!(app.call("PATCH", &format!("/api/v1/products/{water}"), Some(&admin), Some(json!({"active": false}))).await.status, 200);
        let erased = app.call("POST", &format!("/api/v1/customers/{customer}/erase"), Some(&marketing), None).await;
        assert!(erased.status < 300, "{}", erased.body);
        close_tills(&app).await;

        // The lost answer is asked for again: the first receipt, nothing written.
        let again = sell_keyed(&app, &cashier, Some("F9-1"), body.clone()).await;
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.body["id"], first.body["id"]);
        assert_eq!(again.body["total"], first.body["total"]);
        assert_eq!(again.body["coupon_discount"], 500);
        // The same key for another basket is still a conflict, checked before anything else.
        let mut other = body.clone();
        other["payments"][0]["amount"] = json!(20_000);
        sell_keyed(&app, &cashier, Some("F9-1"), other).await.assert_problem(409, "idempotency.conflict");
        // A new key goes through every check, and fails on the first change it meets.
        sell_keyed(&app, &cashier, Some("F9-2"), body).await.assert_problem(422, "till.not_found");
        assert_eq!(app.count("sales").await, 1);
        assert_eq!(app.count("coupon_redemptions").await, 1);
        assert_eq!(app.count("points_ledger").await, 1);
    }
}

on_both_databases! {
    async fn a_till_asks_what_became_of_a_key(app) {
        let (cashier, customer) = till(&app).await;
        let other = app.token_for(Role::Cashier).await;
        let admin = app.token_for(Role::Admin).await;
        app.call("GET", "/api/v1/sales/by-key/lost-1", Some(&cashier), None).await.assert_problem(404, "sale.not_found");
        let sold = sell_keyed(&app, &cashier, Some("lost-1"), basket(Some(customer), 10_000)).await;
        assert_eq!(sold.status, 201);
        let found = app.call("GET", "/api/v1/sales/by-key/lost-1", Some(&cashier), None).await;
        assert_eq!(found.status, 200, "{}", found.body);
        assert_eq!(found.body, sold.body, "the receipt the till never got");

        // Keys are per seller: a colleague's key is not theirs to look at.
        app.call("GET", "/api/v1/sales/by-key/lost-1", Some(&other), None).await.assert_problem(404, "sale.not_found");
        let seller = sold.body["cashier_id"].as_i64().unwrap();
        let path = format!("/api/v1/sales/by-key/lost-1?cashier_id={seller}");
        app.call("GET", &path, Some(&other), None).await.assert_problem(403, "auth.forbidden");
        assert_eq!(app.call("GET", &path, Some(&admin), None).await.body["id"], sold.body["id"]);
        for role in [Role::Marketing, Role::Director] {
            let token = app.token_for(role).await;
            app.call("GET", &path, Some(&token), None).await.assert_problem(403, "auth.forbidden");
        }
        app.call("GET", &path, None, None).await.assert_problem(401, "auth.missing_token");
    }
}

on_both_databases! {
    async fn a_service_account_with_pos_sells_under_its_own_name(app) {
        let (_, customer) = till(&app).await;
        let pos = app.service_token(&[Scope::Pos]).await;
        let users_before = app.count("users").await;
        // Its first sales, at once: one technical seller is created, not several.
        let replies = futures::future::join_all((0..4).map(|i| {
            let key = format!("svc-{i}");
            let pos = pos.clone();
            let app = &app;
            async move { sell_keyed(app, &pos, Some(&key), basket(Some(customer), 10_000)).await }
        }))
        .await;
        for reply in &replies {
            assert_eq!(reply.status, 201, "{}", reply.body);
            assert_eq!(reply.body["cashier_name"], "test", "the receipt names the account");
        }
        assert_eq!(app.count("users").await, users_before + 1);
        let replay = sell_keyed(&app, &pos, Some("svc-0"), basket(Some(customer), 10_000)).await;
        assert_eq!(replay.status, 200, "{}", replay.body);
        assert_eq!(replay.body["id"], replies[0].body["id"]);
        assert_eq!(app.call("GET", "/api/v1/sales/by-key/svc-1", Some(&pos), None).await.body["id"], replies[1].body["id"]);
        assert_eq!(app.count("sales").await, 4);
        // The technical seller cannot log in.
        let seller = replay.body["cashier_id"].as_i64().unwrap();
        let username = crm_store::users::find(&app.state.db, seller).await.unwrap().unwrap().username;
        let login = app.call("POST", "/api/v1/auth/login", None, Some(json!({"username": username, "password": "!service-account"}))).await;
        assert_eq!(login.status, 401, "{}", login.body);
        // Its sales show in the managers' history like a cashier's.
        let director = app.token_for(Role::Director).await;
        let history = app.call("GET", &format!("/api/v1/sales?cashier_id={seller}&period=today"), Some(&director), None).await;
        assert_eq!(history.body["summary"]["sales_count"], 4, "{}", history.body);
        assert_eq!(history.body["sales"][0]["cashier_name"], "test");

        // Without the pos scope: refused, nothing written.
        let reader = app.service_token(&[Scope::SalesRead, Scope::CrmRead]).await;
        sell_keyed(&app, &reader, Some("svc-x"), basket(None, 20_000)).await.assert_problem(403, "auth.forbidden");
        app.call("GET", "/api/v1/sales/by-key/svc-0", Some(&reader), None).await.assert_problem(403, "auth.forbidden");
        assert_eq!(app.count("sales").await, 4);
    }
}

on_both_databases! {
    async fn concurrent_retries_with_one_key_record_one_sale(app) {
        let (cashier, customer) = till(&app).await;
        let replies = futures::future::join_all((0..8).map(|_| sell_keyed(&app, &cashier, Some("double-click"), basket(Some(customer), 10_000)))).await;
        assert!(replies.iter().all(|r| r.status == 201 || r.status == 200), "{replies:?}");
        assert_eq!(replies.iter().filter(|r| r.status == 201).count(), 1);
        assert_eq!(app.count("sales").await, 1);
        assert_eq!(crm_store::customers::find(&app.state.db, customer).await.unwrap().unwrap().points, 9);
    }
}

on_both_databases! {
    async fn bad_baskets_are_refused_and_write_nothing(app) {
        let (cashier, customer) = till(&app).await;
        let cases = [
            (basket(Some(customer), 5_000), 422, "payment.insufficient"),
            (json!({"lines": [{"product_id": 999_999, "quantity": 1}], "payments": [{"method": "ESPECES", "amount": 1_000}]}), 422, "product.not_found"),
            (json!({"lines": [{"barcode": "0000000000000", "quantity": 1}], "payments": [{"method": "ESPECES", "amount": 1_000}]}), 422, "product.not_found"),
            (json!({"lines": [{"product_id": 1, "quantity": -2}], "payments": [{"method": "ESPECES", "amount": 1_000}]}), 422, "sale.quantity_invalid"),
            (json!({"lines": [{"product_id": 1, "quantity": 0}], "payments": [{"method": "ESPECES", "amount": 1_000}]}), 422, "sale.quantity_invalid"),
            (json!({"lines": [{"product_id": 1, "quantity": 1, "unit_price": 1}], "payments": [{"method": "ESPECES", "amount": 1}]}), 422, "request.invalid_body"),
            (json!({"lines": [], "payments": [{"method": "ESPECES", "amount": 1_000}]}), 422, "sale.empty"),
            (json!({"lines": [{"product_id": 1, "quantity": 1}], "payments": [{"method": "BITCOIN", "amount": 10_000}]}), 422, "payment.method_invalid"),
            (json!({"lines": [{"product_id": 1, "quantity": 1}], "payments": [{"method": "ESPECES", "amount": -5}]}), 422, "payment.amount_invalid"),
            (json!({"customer_id": 999_999, "lines": [{"product_id": 1, "quantity": 1}], "payments": [{"method": "ESPECES", "amount": 10_000}]}), 422, "customer.not_found"),
            (json!({"lines": [{"product_id": 1, "quantity": 1}], "payments": [{"method": "ESPECES", "amount": 10_000}], "coupon_code": "NOEL"}), 422, "coupon.not_found"),
        ];
        for (body, status, code) in cases {
            sell(&app, &cashier, body).await.assert_problem(status, code);
        }
        assert_eq!(app.count("sales").await, 0);
        assert_eq!(app.count("sale_lines").await, 0);
        assert_eq!(app.count("payments").await, 0);
        assert_eq!(app.count("points_ledger").await, 0);
        assert_eq!(crm_store::customers::find(&app.state.db, customer).await.unwrap().unwrap().points, 0);
    }
}

/// Moves a sale to an earlier business day (as if made `days` ago) and recomputes the
/// daily totals, the way the store would hold it.
async fn age_sale(app: &TestApp, id: i64, days: i64) {
    let db = &app.state.db;
    let day = chrono::Utc::now().date_naive() - chrono::Duration::days(days);
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        db.get_database_backend(),
        match db.get_database_backend() {
            sea_orm::DbBackend::Sqlite => "UPDATE sales SET business_date = ? WHERE id = ?",
            _ => "UPDATE sales SET business_date = $1 WHERE id = $2",
        },
        [day.into(), id.into()],
    ))
    .await
    .unwrap();
    crm_store::sales::rebuild_rollups(db).await.unwrap();
}

on_both_databases! {
    async fn a_refund_needs_a_manager_and_goes_back_the_way_it_was_paid(app) {
        let (cashier, customer) = till(&app).await;
        let other_cashier = app.token_for(Role::Cashier).await;
        let marketing = app.token_for(Role::Marketing).await;
        let director = app.token_for(Role::Director).await;
        // 10 200 − 5 % = 9 690, paid 5 000 by Orange Money and 6 000 cash (1 310 change).
        let sale = sell(&app, &cashier, json!({
            "customer_id": customer,
            "lines": [
                {"barcode": TestApp::demo_barcode(0), "quantity": 2},
                {"barcode": TestApp::demo_barcode(6), "quantity": 3}
            ],
            "payments": [{"method": "ORANGE_MONEY", "amount": 5_000, "reference": "OM-9"},
                         {"method": "ESPECES", "amount": 6_000}]
        })).await;
        assert_eq!(sale.status, 201, "{}", sale.body);
        let id = sale.body["id"].as_i64().unwrap();
        let path = format!("/api/v1/sales/{id}/refund");
        let reason = Some(json!({"reason": "Produit défectueux"}));

        // A cashier, even the one who sold, cannot refund: they cancel on the day.
        app.call("POST", &path, Some(&cashier), reason.clone()).await.assert_problem(403, "sale.refund_needs_manager");
        app.call("POST", &path, Some(&marketing), reason.clone()).await.assert_problem(403, "auth.forbidden");
        app.call("GET", &format!("/api/v1/sales/{id}"), Some(&other_cashier), None).await.assert_problem(403, "auth.forbidden");
        app.call("POST", &path, Some(&director), Some(json!({"reason": "x", "method": "BITCOIN"}))).await.assert_problem(422, "payment.method_invalid");
        app.call("POST", &path, Some(&director), Some(json!({"reason": " "}))).await.assert_problem(422, "validation.failed");
        app.call("POST", "/api/v1/sales/999999/refund", Some(&director), reason.clone()).await.assert_problem(404, "sale.not_found");
        assert_eq!(crm_store::customers::find(&app.state.db, customer).await.unwrap().unwrap().points, 9, "refused refunds change nothing");

        let refunded = app.call("POST", &path, Some(&director), reason.clone()).await;
        assert_eq!(refunded.status, 200, "{}", refunded.body);
        assert_eq!(refunded.body["status"], "REFUNDED");
        let refund = &refunded.body["refund"];
        assert_eq!(refund["total"], 9_690);
        assert_eq!(refund["reason"], "Produit défectueux");
        assert_eq!(refund["payments"], json!([{"method": "ORANGE_MONEY", "amount": 5_000}, {"method": "ESPECES", "amount": 4_690}]), "the way it was paid, cash net of change");
        let c = crm_store::customers::find(&app.state.db, customer).await.unwrap().unwrap();
        assert_eq!((c.points, c.lifetime_spend, c.purchases_count), (0, 0, 0));
        let ledger = crm_store::customers::points_ledger(&app.state.db, customer).await.unwrap();
        assert_eq!(ledger.iter().map(|e| e.points).collect::<Vec<_>>(), vec![9, -9]);
        let audit = crm_store::audit::for_entity(&app.state.db, "sale", &id.to_string()).await.unwrap();
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].action, "sale.refund");
        let director_id = app.call("GET", "/api/v1/me", Some(&director), None).await.body["user"]["id"].as_i64().unwrap();
        assert_eq!(audit[0].actor_user_id, Some(director_id), "the manager who refunded is on record");

        app.call("POST", &path, Some(&director), reason.clone()).await.assert_problem(409, "sale.already_reversed");
        app.call("POST", &format!("/api/v1/sales/{id}/cancel"), Some(&cashier), reason).await.assert_problem(409, "sale.already_reversed");
        assert_eq!(crm_store::customers::find(&app.state.db, customer).await.unwrap().unwrap().points, 0, "points reversed once");
        // The reprint shows the refund.
        let reprint = app.call("GET", &format!("/api/v1/sales/{id}"), Some(&cashier), None).await;
        assert_eq!(reprint.body["refund"], refunded.body["refund"]);

        // Refunded the day it was made: the sale and the money out both show today.
        let history = app.call("GET", "/api/v1/sales/mine?period=today", Some(&cashier), None).await;
        let s = &history.body["summary"];
        assert_eq!((s["sales_count"].as_i64(), s["revenue"].as_i64()), (Some(1), Some(9_690)));
        assert_eq!((s["refunds_count"].as_i64(), s["refunded"].as_i64(), s["net_revenue"].as_i64()), (Some(1), Some(9_690), Some(0)));
        assert_eq!(history.body["sales"][0]["status"], "REFUNDED");
    }
}

on_both_databases! {
    async fn a_later_refund_is_money_out_on_its_own_day(app) {
        let (cashier, customer) = till(&app).await;
        let director = app.token_for(Role::Director).await;
        let old = sell(&app, &cashier, basket(Some(customer), 10_000)).await; // 9 690
        let old_id = old.body["id"].as_i64().unwrap();
        age_sale(&app, old_id, 3).await;
        app.call("POST", &format!("/api/v1/sales/{old_id}/cancel"), Some(&cashier), Some(json!({"reason": "Trop tard"})))
            .await
            .assert_problem(409, "sale.cancel_too_late");
        sell(&app, &cashier, json!({
            "lines": [{"barcode": TestApp::demo_barcode(6), "quantity": 5}],
            "payments": [{"method": "WAVE", "amount": 2_000}]
        })).await; // 2 000 today, by Wave

        let refunded = app.call("POST", &format!("/api/v1/sales/{old_id}/refund"), Some(&director), Some(json!({"reason": "Retour", "method": "especes"}))).await;
        assert_eq!(refunded.status, 200, "{}", refunded.body);
        assert_eq!(refunded.body["refund"]["payments"], json!([{"method": "ESPECES", "amount": 9_690}]), "the method named, for the whole amount");
        let today = chrono::Utc::now().date_naive();
        assert_eq!(refunded.body["refund"]["business_date"], today.to_string());

        let check = |history: Value| {
            let s = &history["summary"];
            assert_eq!(s["sales_count"], 1, "{history}");
            assert_eq!(s["revenue"], 2_000);
            assert_eq!(s["refunds_count"], 1);
            assert_eq!(s["refunded"], 9_690);
            assert_eq!(s["net_revenue"], 2_000 - 9_690, "money out today");
            let day = history["per_day"].as_array().unwrap().last().unwrap().clone();
            assert_eq!((day["revenue"].as_i64(), day["refunded"].as_i64()), (Some(2_000), Some(9_690)));
            let split = history["payment_split"].as_array().unwrap();
            let cash = split.iter().find(|p| p["method"] == "ESPECES").expect("cash handed back shows");
            assert_eq!((cash["amount"].as_i64(), cash["count"].as_i64(), cash["refunded"].as_i64()), (Some(0), Some(0), Some(9_690)));
            assert_eq!(split.iter().find(|p| p["method"] == "WAVE").unwrap()["refunded"], 0);
        };
        check(app.call("GET", "/api/v1/sales/mine?period=today", Some(&cashier), None).await.body);
        // The day of the sale keeps it: it was made that day.
        let week = app.call("GET", "/api/v1/sales/mine?period=7d", Some(&cashier), None).await.body;
        assert_eq!(week["summary"]["sales_count"], 2);
        assert_eq!(week["summary"]["net_revenue"], 9_690 + 2_000 - 9_690);
        // The running totals are those a rebuild from the sales gives.
        crm_store::sales::rebuild_rollups(&app.state.db).await.unwrap();
        check(app.call("GET", "/api/v1/sales/mine?period=today", Some(&cashier), None).await.body);
        assert_eq!(app.count("refund_payments").await, 1, "the rebuild adds no refund record");
    }
}

on_both_databases! {
    async fn a_sale_recorded_without_payments_is_refunded_in_cash(app) {
        // An imported sale that a coupon covered may have no payment row.
        let (cashier, _) = till(&app).await;
        let director = app.token_for(Role::Director).await;
        let sale = sell(&app, &cashier, basket(None, 20_000)).await;
        let id = sale.body["id"].as_i64().unwrap();
        app.state.db.execute_unprepared(&format!("DELETE FROM payments WHERE sale_id = {id}")).await.unwrap();
        let refunded = app.call("POST", &format!("/api/v1/sales/{id}/refund"), Some(&director), Some(json!({"reason": "Retour"}))).await;
        assert_eq!(refunded.status, 200, "{}", refunded.body);
        assert_eq!(refunded.body["refund"]["payments"], json!([{"method": "ESPECES", "amount": 10_200}]));
        let today = app.call("GET", "/api/v1/sales/mine?period=today", Some(&cashier), None).await;
        crm_store::sales::rebuild_rollups(&app.state.db).await.unwrap();
        let rebuilt = app.call("GET", "/api/v1/sales/mine?period=today", Some(&cashier), None).await;
        assert_eq!(today.body["summary"]["refunds_count"], 1);
        assert_eq!(rebuilt.body["summary"]["refunds_count"], 1, "the rebuild counts it too");
        assert_eq!(rebuilt.body["summary"]["refunded"], 10_200);
    }
}

on_both_databases! {
    async fn same_day_cancel_and_its_guards(app) {
        let (cashier, customer) = till(&app).await;
        let sale = sell(&app, &cashier, basket(Some(customer), 10_000)).await;
        let id = sale.body["id"].as_i64().unwrap();
        app.call("POST", &format!("/api/v1/sales/{id}/cancel"), Some(&cashier), Some(json!({"reason": " "})))
            .await
            .assert_problem(422, "validation.failed");
        let cancelled = app.call("POST", &format!("/api/v1/sales/{id}/cancel"), Some(&cashier), Some(json!({"reason": "Erreur de saisie"}))).await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.body);
        assert_eq!(cancelled.body["status"], "CANCELLED");
        assert_eq!(crm_store::customers::find(&app.state.db, customer).await.unwrap().unwrap().points, 0);
    }
}

on_both_databases! {
    async fn ticket_numbers_are_unique_under_concurrent_tills(app) {
        let (cashier, _) = till(&app).await;
        let replies = futures::future::join_all((0..10).map(|_| sell(&app, &cashier, basket(None, 20_000)))).await;
        let mut tickets: Vec<String> = replies
            .iter()
            .map(|r| {
                assert_eq!(r.status, 201, "{}", r.body);
                r.body["ticket_number"].as_str().unwrap().to_owned()
            })
            .collect();
        tickets.sort();
        let suffixes: Vec<String> = tickets.iter().map(|t| t.rsplit('-').next().unwrap().to_owned()).collect();
        let expected: Vec<String> = (1..=10).map(|i| format!("{i:04}")).collect();
        assert_eq!(suffixes, expected, "one sequence per store and day, no gap, no duplicate");
    }
}

on_both_databases! {
    async fn mes_ventes_sums_the_cashiers_own_sales(app) {
        let (cashier, customer) = till(&app).await;
        let other = app.token_for(Role::Cashier).await;
        sell(&app, &cashier, basket(Some(customer), 10_000)).await; // 9 690, cash
        sell(&app, &cashier, json!({
            "lines": [{"barcode": TestApp::demo_barcode(6), "quantity": 5}],
            "payments": [{"method": "WAVE", "amount": 2_000}]
        })).await; // 2 000, Wave
        sell(&app, &other, basket(None, 20_000)).await; // someone else's

        let mine = app.call("GET", "/api/v1/sales/mine?period=today", Some(&cashier), None).await;
        assert_eq!(mine.status, 200, "{}", mine.body);
        let s = &mine.body["summary"];
        assert_eq!(s["sales_count"], 2);
        assert_eq!(s["revenue"], 11_690);
        assert_eq!(s["discounts"], 510);
        assert_eq!(s["average_basket"], 5_845);
        assert_eq!(mine.body["per_day"].as_array().unwrap().len(), 1);
        assert_eq!(mine.body["per_day"][0]["revenue"], 11_690);
        assert_eq!(mine.body["top_products"][0]["name"], "Eau minérale 1,5 L", "8 bottles beat 2 bags of rice");
        assert_eq!(mine.body["top_products"][0]["quantity"], 8);
        let split = mine.body["payment_split"].as_array().unwrap();
        let cash = split.iter().find(|p| p["method"] == "ESPECES").unwrap();
        assert_eq!(cash["amount"], 9_690, "cash kept, net of change");
        assert_eq!(split.iter().find(|p| p["method"] == "WAVE").unwrap()["amount"], 2_000);
        assert_eq!(mine.body["total"], 2);
        assert_eq!(mine.body["sales"].as_array().unwrap().len(), 2);

        for period in ["week", "month", "7d", "30d"] {
            let r = app.call("GET", &format!("/api/v1/sales/mine?period={period}"), Some(&cashier), None).await;
            assert_eq!(r.body["summary"]["sales_count"], 2, "{period}");
        }
        let today = chrono::Utc::now().date_naive();
        let custom = app.call("GET", &format!("/api/v1/sales/mine?period=custom&from={}&to={today}", today - chrono::Duration::days(3)), Some(&cashier), None).await;
        assert_eq!(custom.body["summary"]["revenue"], 11_690);
        assert_eq!(custom.body["per_day"].as_array().unwrap().len(), 4);
        let past = app.call("GET", "/api/v1/sales/mine?period=custom&from=2025-01-01&to=2025-01-31", Some(&cashier), None).await;
        assert_eq!(past.body["summary"]["sales_count"], 0);
        app.call("GET", "/api/v1/sales/mine?period=decade", Some(&cashier), None).await.assert_problem(422, "period.invalid");
        app.call("GET", &format!("/api/v1/sales/mine?period=custom&from={today}&to=2025-01-01"), Some(&cashier), None).await.assert_problem(422, "period.invalid");

        // A cashier cannot look at a colleague; the DG can.
        let other_id = app.call("GET", "/api/v1/me", Some(&other), None).await.body["user"]["id"].as_i64().unwrap();
        app.call("GET", &format!("/api/v1/sales/mine?cashier_id={other_id}"), Some(&cashier), None).await.assert_problem(403, "auth.forbidden");
        let director = app.token_for(Role::Director).await;
        let theirs = app.call("GET", &format!("/api/v1/sales?cashier_id={other_id}&period=today"), Some(&director), None).await;
        assert_eq!(theirs.body["summary"]["revenue"], 10_200);

        // The whole store: every seller's sales, each named; no id to know beforehand.
        let own_today = app.call("GET", "/api/v1/sales/mine?period=today", Some(&cashier), None).await;
        let revenue = |r: &crm_tests::Reply| r.body["summary"]["revenue"].as_i64().unwrap();
        let count = |r: &crm_tests::Reply| r.body["summary"]["sales_count"].as_i64().unwrap();
        let store = app.call("GET", "/api/v1/sales?period=today", Some(&director), None).await;
        assert_eq!(store.status, 200, "{}", store.body);
        assert_eq!(store.body["cashier_id"], Value::Null);
        assert_eq!(revenue(&store), revenue(&own_today) + revenue(&theirs));
        assert_eq!(count(&store), count(&own_today) + count(&theirs));
        assert_eq!(store.body["total"].as_i64(), Some(count(&store)));
        let today_row = store.body["per_day"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(today_row["revenue"].as_i64(), Some(revenue(&store)), "days add every seller up");
        let named: std::collections::BTreeSet<&str> = store.body["sales"].as_array().unwrap().iter().map(|s| s["cashier_name"].as_str().unwrap()).collect();
        assert_eq!(named.len(), 2, "each sale names its seller: {named:?}");
        let sellers = app.call("GET", "/api/v1/sales/sellers", Some(&director), None).await;
        assert_eq!(sellers.status, 200, "{}", sellers.body);
        let ids: Vec<i64> = sellers.body.as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
        assert!(ids.contains(&other_id), "{}", sellers.body);
        assert!(sellers.body.as_array().unwrap().iter().all(|s| s["name"].as_str().is_some_and(|n| !n.is_empty())));
        app.call("GET", "/api/v1/sales/sellers", Some(&cashier), None).await.assert_problem(403, "auth.forbidden");
    }
}

on_both_databases! {
    async fn catalogue_search_barcode_lookup_and_admin_changes(app) {
        app.seed_catalogue().await;
        let cashier = app.token_for(Role::Cashier).await;
        let admin = app.token_for(Role::Admin).await;
        let found = app.call("GET", &format!("/api/v1/products?barcode={}", TestApp::demo_barcode(0)), Some(&cashier), None).await;
        assert_eq!(found.body["items"][0]["sku"], "RIZ-5KG");
        assert_eq!(found.body["items"][0]["cost"], 0, "the till does not see costs");
        let search = app.call("GET", "/api/v1/products?q=riz", Some(&cashier), None).await;
        assert_eq!(search.body["total"], 1);

        let created = app.call("POST", "/api/v1/products", Some(&admin), Some(json!({
            "sku": "GARI-1KG", "barcode": "4006381333931", "name": "Gari 1 kg", "category": "ALIMENTAIRE", "price": 700, "cost": 500
        }))).await;
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.body["vat_rate_bp"], 1800);
        let id = created.body["id"].as_i64().unwrap();
        app.call("POST", "/api/v1/products", Some(&admin), Some(json!({
            "sku": "GARI-1KG", "name": "Autre", "category": "ALIMENTAIRE", "price": 700
        }))).await.assert_problem(409, "product.duplicate");
        let bad = app.call("POST", "/api/v1/products", Some(&admin), Some(json!({
            "sku": "X", "barcode": "4006381333932", "name": "", "category": "JOUETS", "price": -1
        }))).await;
        bad.assert_problem(422, "validation.failed");
        assert_eq!(bad.body["errors"].as_array().unwrap().len(), 4);

        let off = app.call("PATCH", &format!("/api/v1/products/{id}"), Some(&admin), Some(json!({"active": false, "price": 750}))).await;
        assert_eq!(off.body["active"], false);
        assert_eq!(off.body["price"], 750);
        let gone = app.call("GET", "/api/v1/products?barcode=4006381333931", Some(&cashier), None).await;
        assert_eq!(gone.body["total"], 0, "an inactive product cannot be sold");
        app.call("POST", "/api/v1/products", Some(&cashier), Some(json!({"sku": "Y", "name": "Y", "category": "MAISON", "price": 1}))).await.assert_problem(403, "auth.forbidden");
    }
}

on_both_databases! {
    async fn generated_demo_sales_are_consistent_and_the_till_carries_on(app) {
        crm_server::demo::seed_if_empty(&app.state).await.unwrap();
        crm_server::demo::generate_customers(&app.state, 200).await.unwrap();
        crm_server::demo::generate_sales(&app.state, 3_000).await.unwrap();
        let db = &app.state.db;
        let scalar = |sql: &'static str| async move {
            db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap()
                .try_get::<i64>("", "n")
                .unwrap()
        };
        // The 3 000 ring-ups, and one more sale for each congratulation coupon spent.
        let congratulations_spent = scalar(
            "SELECT COUNT(*) AS n FROM coupon_redemptions r JOIN coupons k ON k.id = r.coupon_id \
             WHERE k.issue_job_id IS NOT NULL",
        )
        .await;
        assert!(congratulations_spent > 0, "some congratulation coupons are spent");
        let sales = app.count("sales").await;
        assert_eq!(sales, 3_000 + congratulations_spent);
        assert!(app.count("sale_lines").await >= sales);
        assert_eq!(app.count("payments").await, sales);

        // A year of month-end analyses, applied: levels moved and their history is kept.
        let analyses = scalar("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'LOYALTY_ANALYSIS' AND status = 'SUCCEEDED'").await;
        assert!((11..=12).contains(&analyses), "one analysis per month ended in the year: {analyses}");
        assert_eq!(scalar("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'LOYALTY_ANALYSIS' AND status <> 'SUCCEEDED'").await, 0);
        assert!(scalar("SELECT COUNT(DISTINCT changed_at) AS n FROM level_changes").await >= 2, "levels changed at several month ends");
        // Coupon uses as the checkout records them: the monthly promos, once per customer
        // each, and the congratulations, by their holder within their dates; every sale's
        // coupon discount is its use's amount; every coupon counts its uses that still count.
        assert!(scalar("SELECT COUNT(*) AS n FROM coupon_redemptions r JOIN coupons k ON k.id = r.coupon_id WHERE k.kind = 'GENERIC'").await > 0);
        assert_eq!(scalar(
            "SELECT COUNT(*) AS n FROM (SELECT coupon_id, customer_id FROM coupon_redemptions \
             GROUP BY coupon_id, customer_id HAVING COUNT(*) > 1) twice",
        ).await, 0);
        assert_eq!(scalar(
            "SELECT COUNT(*) AS n FROM coupon_redemptions r JOIN coupons k ON k.id = r.coupon_id JOIN sales s ON s.id = r.sale_id \
             WHERE s.business_date < k.valid_from OR s.business_date > k.valid_to \
             OR (k.customer_id IS NOT NULL AND k.customer_id <> s.customer_id) OR s.customer_id IS NULL",
        ).await, 0);
        assert_eq!(scalar(
            "SELECT COUNT(*) AS n FROM sales s WHERE s.coupon_discount <> \
             COALESCE((SELECT SUM(r.amount) FROM coupon_redemptions r WHERE r.sale_id = s.id), 0)",
        ).await, 0);
        assert_eq!(scalar(
            "SELECT COUNT(*) AS n FROM coupons k WHERE k.uses_count <> \
             (SELECT COUNT(*) FROM coupon_redemptions r WHERE r.coupon_id = k.id AND r.released_at IS NULL)",
        ).await, 0);
        assert_eq!(scalar(
            "SELECT COUNT(*) AS n FROM coupon_redemptions r JOIN sales s ON s.id = r.sale_id \
             WHERE (s.status = 'REFUNDED') <> (r.released_at IS NOT NULL)",
        ).await, 0, "a refunded sale's coupon use no longer counts");
        // …so the dashboard's year has coupons used and a customer base that moved.
        let director = app.login_body("dg", "Direction2026!").await["access_token"].as_str().unwrap().to_owned();
        let year = app.call("GET", "/api/v1/kpis?period=365d", Some(&director), None).await;
        assert_eq!(year.status, 200, "{}", year.body);
        let coupons = &year.body["coupons"]["current"];
        assert!(coupons["generic"]["numerator"].as_i64().unwrap() > 0, "{coupons}");
        assert!(coupons["special"]["numerator"].as_i64().unwrap() > 0, "{coupons}");
        assert!(coupons["redemptions"].as_i64().unwrap() > 0, "{coupons}");
        let series = year.body["customer_base"]["series"].as_array().unwrap();
        assert_ne!(series.first().unwrap()["levels"], series.last().unwrap()["levels"], "levels over the year");

        // Every customer's spend, visits and points are those of their completed sales.
        let mismatches = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM customers c WHERE c.lifetime_spend <> \
                 COALESCE((SELECT SUM(s.total) FROM sales s WHERE s.customer_id = c.id AND s.status = 'COMPLETED'), 0) \
                 OR c.purchases_count <> (SELECT COUNT(*) FROM sales s WHERE s.customer_id = c.id AND s.status = 'COMPLETED')",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(mismatches, 0);
        let duplicates = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) - COUNT(DISTINCT ticket_number) AS n FROM sales",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(duplicates, 0);
        // Anonymous demo sales credit nobody; the others credit their customer.
        let points = scalar;
        assert_eq!(points("SELECT COUNT(*) AS n FROM sales WHERE customer_id IS NULL AND points_earned > 0").await, 0);
        assert!(points("SELECT COUNT(*) AS n FROM sales WHERE customer_id IS NOT NULL AND points_earned > 0").await > 0);
        assert!(points("SELECT COUNT(*) AS n FROM sales WHERE customer_id IS NULL AND total >= 1000").await > 0);

        // The demo cashier's 30 days add up, and a new sale still goes through.
        let cashier = app.login_body("caisse", "Caisse2026!").await["access_token"].as_str().unwrap().to_owned();
        let month = app.call("GET", "/api/v1/sales/mine?period=30d", Some(&cashier), None).await;
        assert_eq!(month.status, 200, "{}", month.body);
        assert!(month.body["summary"]["sales_count"].as_i64().unwrap() > 0);
        let per_day: i64 = month.body["per_day"].as_array().unwrap().iter().map(|d| d["revenue"].as_i64().unwrap()).sum();
        assert_eq!(per_day, month.body["summary"]["revenue"].as_i64().unwrap());
        let sale = sell(&app, &cashier, basket(None, 20_000)).await;
        assert_eq!(sale.status, 201, "{}", sale.body);
        assert!(sale.body["id"].as_i64().unwrap() > 3_000, "ids continue after the generated ones");
    }
}
