//! Values stored as text come back as their domain types or not at all: an unknown level is
//! an error, never STANDARD. And "today" at the till is the day of the till's store, for
//! identify, the quote and the sale alike.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use chrono::{Duration, Timelike, Utc};
use crm_domain::Role;
use crm_tests::{on_both_databases, TestApp};
use sea_orm::ConnectionTrait;
use serde_json::json;

async fn sql(app: &TestApp, statement: &str) {
    app.state
        .db
        .execute_unprepared(statement)
        .await
        .expect("statement");
}

on_both_databases! {
    async fn an_unknown_level_in_the_database_is_an_error_not_a_default(app) {
        let cashier = app.token_for(Role::Cashier).await;
        let created = app
            .call("POST", "/api/v1/customers", Some(&cashier), Some(json!({"phone": "0701234567"})))
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let identify = || app.call("POST", "/api/v1/customers/identify", Some(&cashier),
                                   Some(json!({"phone": "0701234567"})));

        sql(&app, "UPDATE customers SET level = 'PLATINUM'").await;
        // Read as STANDARD, the customer would lose the discount of their real level
        // without anyone knowing; the answer says something is wrong instead.
        identify().await.assert_problem(500, "internal");

        sql(&app, "UPDATE customers SET level = 'GOLD'").await;
        let found = identify().await;
        assert_eq!(found.status, 200, "{}", found.body);
        assert_eq!(found.body["loyalty"]["level"], "GOLD");
        assert_eq!(found.body["loyalty"]["discount_percent"], "5");
    }
}

on_both_databases! {
    async fn the_quote_and_the_sale_use_the_day_of_the_till_s_store(app) {
        app.seed_catalogue().await;
        // A time zone whose date is not UTC's (Abidjan's) right now, by at least an hour:
        // UTC+14 from 11:00 UTC on (already tomorrow), UTC−12 before (still yesterday).
        let now = Utc::now();
        let (zone, offset) = if now.hour() >= 11 {
            ("Etc/GMT-14", Duration::hours(14))
        } else {
            ("Etc/GMT+12", Duration::hours(-12))
        };
        let store_day = (now + offset).date_naive();
        assert_ne!(store_day, now.date_naive());
        sql(&app, &format!("UPDATE stores SET timezone = '{zone}'")).await;

        // A code valid on the store's day only.
        let marketing = app.token_for(Role::Marketing).await;
        let created = app
            .call("POST", "/api/v1/coupons", Some(&marketing), Some(json!({
                "kind": "GENERIC", "code": "JOURJ", "discount_kind": "FIXED", "value": 500,
                "description": "Le jour J", "valid_from": store_day, "valid_to": store_day,
            })))
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.body["status"], "ACTIVE", "{}", created.body);

        let cashier = app.token_for(Role::Cashier).await;
        let lines = json!([{"barcode": TestApp::demo_barcode(0), "quantity": 2}]);
        let quote = app
            .call("POST", "/api/v1/coupons/quote", Some(&cashier),
                  Some(json!({"code": "JOURJ", "lines": lines})))
            .await;
        assert_eq!(quote.status, 200, "{}", quote.body);
        assert_eq!(quote.body["valid"], true, "{}", quote.body);
        assert_eq!(quote.body["discount"], 500);

        let sale = app
            .sell(&cashier, json!({"lines": lines, "coupon_code": "JOURJ",
                                   "payments": [{"method": "ESPECES", "amount": 100_000}]}))
            .await;
        assert_eq!(sale.status, 201, "{}", sale.body);
        assert_eq!(sale.body["coupon_discount"], 500, "{}", sale.body);
        let row = app
            .state
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                app.state.db.get_database_backend(),
                "SELECT CAST(business_date AS TEXT) AS day FROM sales",
            ))
            .await
            .expect("query")
            .expect("the sale");
        let day: String = row.try_get("", "day").expect("day");
        assert_eq!(day, store_day.to_string(), "the sale's business date is the store's day");
    }
}

on_both_databases! {
    async fn an_unknown_sale_status_or_payment_method_is_an_error_not_a_guess(app) {
        app.seed_catalogue().await;
        let cashier = app.token_for(Role::Cashier).await;
        // 4 500 FCFA: paid exactly, as a payment other than cash must be.
        let lines = json!([{"barcode": TestApp::demo_barcode(0), "quantity": 1}]);
        let sale = app
            .sell(&cashier, json!({"lines": lines,
                                   "payments": [{"method": "orange_money", "amount": 4_500}]}))
            .await;
        assert_eq!(sale.status, 201, "{}", sale.body);
        assert_eq!(sale.body["status"], "COMPLETED");
        assert_eq!(sale.body["payments"][0]["method"], "ORANGE_MONEY");
        let receipt = format!("/api/v1/sales/{}", sale.body["id"]);
        let history = "/api/v1/sales/mine?period=today";
        let mine = app.call("GET", history, Some(&cashier), None).await;
        assert_eq!(mine.status, 200, "{}", mine.body);
        assert_eq!(mine.body["sales"][0]["status"], "COMPLETED");
        assert_eq!(mine.body["payment_split"][0]["method"], "ORANGE_MONEY");

        // Neither becomes COMPLETED (or cash) by default: the receipt and the history
        // that show them say something is wrong instead.
        sql(&app, "UPDATE sales SET status = 'VALIDATED'").await;
        app.call("GET", &receipt, Some(&cashier), None).await.assert_problem(500, "internal");
        app.call("GET", history, Some(&cashier), None).await.assert_problem(500, "internal");
        sql(&app, "UPDATE sales SET status = 'COMPLETED'").await;
        sql(&app, "UPDATE payments SET method = 'BITCOIN'").await;
        app.call("GET", &receipt, Some(&cashier), None).await.assert_problem(500, "internal");
        sql(&app, "UPDATE cashier_day_payment SET method = 'BITCOIN'").await;
        app.call("GET", history, Some(&cashier), None).await.assert_problem(500, "internal");

        sql(&app, "UPDATE payments SET method = 'ORANGE_MONEY'").await;
        sql(&app, "UPDATE cashier_day_payment SET method = 'ORANGE_MONEY'").await;
        let again = app.call("GET", &receipt, Some(&cashier), None).await;
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.body["payments"][0]["method"], "ORANGE_MONEY");
    }
}
