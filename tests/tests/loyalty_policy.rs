//! The loyalty policy through the API, on SQLite and PostgreSQL: read and replaced whole
//! by an administrator (with its audit entry), refused field by field when it breaks a
//! rule, applied at once by identify, the quote and the sale of the instance that saved
//! it — and by any instance that reads it afresh — and never read as the default when
//! the stored row is damaged.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_domain::loyalty::LoyaltyPolicy;
use crm_domain::{Level, Money, Role};
use crm_tests::{on_both_databases, TestApp};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

const POLICY: &str = "/api/v1/loyalty/policy";

fn spec() -> Value {
    serde_json::to_value(LoyaltyPolicy::default()).unwrap()
}

/// The SPEC's policy with GOLD at 7.5 % (SPEC: 5 %).
fn gold_at_7_5() -> Value {
    let mut policy = spec();
    policy["discount_percent"]["gold"] = json!("7.5");
    policy
}

/// Riz 5 kg (4 500) × 2 + eau 1,5 L (400) × 3 = 10 200 FCFA before discount.
fn lines() -> Value {
    json!([
        {"barcode": TestApp::demo_barcode(0), "quantity": 2},
        {"barcode": TestApp::demo_barcode(6), "quantity": 3}
    ])
}

/// A till with a cashier and a GOLD customer on `0701234567`.
async fn gold_customer(app: &TestApp) -> (String, i64) {
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

async fn identify(app: &TestApp, base_url: &str, cashier: &str) -> Value {
    let reply = app
        .client
        .post(format!("{base_url}/api/v1/customers/identify"))
        .bearer_auth(cashier)
        .json(&json!({"phone": "07 01 23 45 67"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    reply.json().await.unwrap()
}

on_both_databases! {
    async fn a_new_gold_discount_applies_at_identify_quote_and_checkout(app) {
        let (cashier, customer) = gold_customer(&app).await;
        let admin = app.token_for(Role::Admin).await;
        let marketing = app.token_for(Role::Marketing).await;

        // Before any change: the SPEC's figures, and the till gives GOLD 5 %.
        let read = app.call("GET", POLICY, Some(&marketing), None).await;
        assert_eq!((read.status, &read.body), (200, &spec()));
        let profile = identify(&app, &app.base_url, &cashier).await;
        assert_eq!(profile["loyalty"]["discount_percent"], "5");

        let saved = app.call("PUT", POLICY, Some(&admin), Some(gold_at_7_5())).await;
        assert_eq!((saved.status, &saved.body), (200, &gold_at_7_5()));
        let read = app.call("GET", POLICY, Some(&marketing), None).await;
        assert_eq!(read.body, gold_at_7_5());

        // This instance applies it at once, without waiting for its cache to expire.
        let profile = identify(&app, &app.base_url, &cashier).await;
        assert_eq!(profile["loyalty"]["level"], "GOLD");
        assert_eq!(profile["loyalty"]["discount_percent"], "7.5");
        let expected = Money::fcfa(10_200).percent("7.5".parse().unwrap()).francs();
        assert_eq!(expected, 765, "7.5 % of 10 200");
        let quote = app
            .call(
                "POST",
                "/api/v1/coupons/quote",
                Some(&cashier),
                Some(json!({"code": "AUCUN", "customer_id": customer, "lines": lines()})),
            )
            .await;
        assert_eq!(quote.status, 200, "{}", quote.body);
        assert_eq!(quote.body["loyalty_discount"], expected);
        let sale = app
            .sell(
                &cashier,
                json!({"customer_id": customer, "lines": lines(),
                       "payments": [{"method": "ESPECES", "amount": 10_200}]}),
            )
            .await;
        assert_eq!(sale.status, 201, "{}", sale.body);
        assert_eq!(sale.body["loyalty_percent"], "7.5");
        assert_eq!(sale.body["loyalty_discount"], expected);
        assert_eq!(sale.body["total"], 10_200 - expected);

        // Another instance on the same database reads the saved policy, not the SPEC's.
        let other = app.spawn_beside().await;
        let profile = identify(&app, &other.base_url, &cashier).await;
        assert_eq!(profile["loyalty"]["discount_percent"], "7.5");

        // The change is audited, with the policy in force before and the new one.
        let trail = crm_store::audit::for_entity(&app.state.db, "settings", "loyalty_policy")
            .await
            .unwrap();
        assert_eq!(trail.len(), 1);
        assert_eq!(trail[0].action, "loyalty.policy_update");
        assert!(trail[0].actor_user_id.is_some());
        let state = |s: &Option<String>| serde_json::from_str::<Value>(s.as_deref().unwrap()).unwrap();
        assert_eq!(state(&trail[0].before), spec());
        assert_eq!(state(&trail[0].after), gold_at_7_5());
    }
}

/// Each rule of `LoyaltyPolicy::validate`, broken once: the field the problem names.
fn broken_policies() -> Vec<(&'static str, Value)> {
    let with = |change: &dyn Fn(&mut Value)| {
        let mut policy = spec();
        change(&mut policy);
        policy
    };
    vec![
        ("points", with(&|p| p["points"]["amount"] = json!(11))),
        ("points", with(&|p| p["points"]["frequency"] = json!(39))),
        (
            "thresholds.silver",
            with(&|p| p["thresholds"]["silver"] = json!(0)),
        ),
        ("thresholds", with(&|p| p["thresholds"]["gold"] = json!(25))),
        ("thresholds", with(&|p| p["thresholds"]["vip"] = json!(40))),
        (
            "thresholds.vip",
            with(&|p| p["thresholds"]["vip"] = json!(101)),
        ),
        (
            "discount_percent",
            with(&|p| p["discount_percent"]["vip"] = json!("50.5")),
        ),
        (
            "discount_percent",
            with(&|p| p["discount_percent"]["silver"] = json!("-1")),
        ),
        (
            "discount_percent",
            with(&|p| p["discount_percent"]["gold"] = json!("5.125")),
        ),
        (
            "congratulation_percent",
            with(&|p| p["congratulation_percent"]["gold"] = json!("51")),
        ),
        (
            "congratulation_percent",
            with(&|p| p["congratulation_percent"]["gold"] = json!("2.5")),
        ),
        (
            "congratulation_validity_days",
            with(&|p| p["congratulation_validity_days"] = json!(0)),
        ),
        (
            "congratulation_validity_days",
            with(&|p| p["congratulation_validity_days"] = json!(366)),
        ),
        (
            "congratulation_min_basket",
            with(&|p| p["congratulation_min_basket"] = json!(-1)),
        ),
        (
            "soft_landing_days",
            with(&|p| p["soft_landing_days"] = json!(366)),
        ),
    ]
}

on_both_databases! {
    async fn a_policy_that_breaks_a_rule_is_refused_naming_its_field(app) {
        let admin = app.token_for(Role::Admin).await;
        let audit_before = app.count("audit_log").await;
        for (field, policy) in broken_policies() {
            let reply = app.call("PUT", POLICY, Some(&admin), Some(policy.clone())).await;
            reply.assert_problem(422, "loyalty.policy_invalid");
            assert_eq!(reply.body["errors"][0]["field"], field, "{policy}");
            let detail = reply.body["detail"].as_str().unwrap();
            assert!(detail.contains(field), "the detail names the field: {detail}");
        }
        // Not a policy at all: the body's shape is refused before the rules.
        let mut no_points = spec();
        no_points.as_object_mut().unwrap().remove("points");
        app.call("PUT", POLICY, Some(&admin), Some(no_points)).await
            .assert_problem(422, "request.invalid_body");
        let mut out_of_range = spec();
        out_of_range["thresholds"]["vip"] = json!(300);
        app.call("PUT", POLICY, Some(&admin), Some(out_of_range)).await
            .assert_problem(422, "request.invalid_body");

        // Nothing was written: no setting, no audit entry, the SPEC still in force.
        assert_eq!(app.count("settings").await, 0);
        assert_eq!(app.count("audit_log").await, audit_before);
        let read = app.call("GET", POLICY, Some(&admin), None).await;
        assert_eq!(read.body, spec());
    }
}

on_both_databases! {
    async fn only_administrators_change_the_policy(app) {
        for role in [Role::Cashier, Role::Marketing, Role::Director] {
            let token = app.token_for(role).await;
            app.call("PUT", POLICY, Some(&token), Some(gold_at_7_5())).await
                .assert_problem(403, "auth.forbidden");
        }
        app.call("GET", POLICY, Some(&app.token_for(Role::Cashier).await), None).await
            .assert_problem(403, "auth.forbidden");
        assert_eq!(app.count("settings").await, 0);
    }
}

on_both_databases! {
    async fn concurrent_saves_leave_an_unbroken_audit_trail(app) {
        let admin = app.token_for(Role::Admin).await;
        let policies: Vec<Value> = (1..=6)
            .map(|n| {
                let mut policy = spec();
                policy["discount_percent"]["gold"] = json!(n.to_string());
                policy
            })
            .collect();
        let replies = futures::future::join_all(
            policies.iter().map(|p| app.call("PUT", POLICY, Some(&admin), Some(p.clone()))),
        )
        .await;
        assert!(replies.iter().all(|r| r.status == 200), "{replies:?}");

        // Each entry's "before" is the previous entry's "after": no save was lost between
        // another's read and write.
        let trail = crm_store::audit::for_entity(&app.state.db, "settings", "loyalty_policy")
            .await
            .unwrap();
        assert_eq!(trail.len(), policies.len());
        let state = |s: &Option<String>| serde_json::from_str::<Value>(s.as_deref().unwrap()).unwrap();
        let mut in_force = spec();
        for entry in &trail {
            assert_eq!(state(&entry.before), in_force);
            in_force = state(&entry.after);
        }
        let read = app.call("GET", POLICY, Some(&admin), None).await;
        assert_eq!(read.body, in_force, "the last save in the trail is the one in force");
    }
}

on_both_databases! {
    async fn a_damaged_stored_policy_is_an_error_never_the_default(app) {
        let (cashier, _) = gold_customer(&app).await;
        let admin = app.token_for(Role::Admin).await;
        // Valid JSON, but points summing to 101: the database was changed behind the API.
        let mut damaged = spec();
        damaged["points"]["amount"] = json!(11);
        let db = &app.state.db;
        db.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            match app.backend {
                crm_tests::Backend::Sqlite => "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
                crm_tests::Backend::Postgres => "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)",
            },
            ["loyalty_policy".into(), damaged.to_string().into(), chrono::Utc::now().into()],
        ))
        .await
        .unwrap();

        app.call("GET", POLICY, Some(&admin), None).await.assert_problem(500, "internal");
        // A fresh instance (nothing cached) cannot apply it at the till either.
        let other = app.spawn_beside().await;
        let reply = app
            .client
            .post(other.url("/api/v1/customers/identify"))
            .bearer_auth(&cashier)
            .json(&json!({"phone": "0701234567"}))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 500, "never the SPEC's discounts in its place");

        // An administrator repairs it by saving a valid policy; the damaged one is kept
        // in the audit trail.
        let saved = app.call("PUT", POLICY, Some(&admin), Some(gold_at_7_5())).await;
        assert_eq!(saved.status, 200, "{}", saved.body);
        assert_eq!(app.call("GET", POLICY, Some(&admin), None).await.body, gold_at_7_5());
        let trail = crm_store::audit::for_entity(db, "settings", "loyalty_policy").await.unwrap();
        assert_eq!(trail[0].before.as_deref().map(|s| serde_json::from_str::<Value>(s).unwrap()), Some(damaged));
    }
}
