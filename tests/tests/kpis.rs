//! The KPI dashboard (SPEC §5) through the real API, on SQLite and PostgreSQL: every KPI
//! on a small hand-built history whose figures are worked out below by hand, for a
//! period and the previous one, with and without a segment; the edge cases (an empty
//! period, only anonymous sales, a segment nobody is in); the exports, the .xlsx read
//! back; and `kpi_daily` kept exact by sales, refunds and cancellations.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use calamine::{Data, DataType, Reader, Xlsx};
use chrono::{NaiveDate, Utc};
use crm_domain::{Level, Role};
use crm_tests::{on_both_databases, Backend, TestApp};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value as SqlValue};
use serde_json::{json, Value};

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

async fn exec(app: &TestApp, sql: &str, values: Vec<SqlValue>) {
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_owned(),
    };
    db.execute_raw(Statement::from_sql_and_values(backend, sql.clone(), values))
        .await
        .expect(&sql);
}

/// Noon UTC (= Abidjan) of `day`.
fn noon(day: NaiveDate) -> chrono::DateTime<Utc> {
    day.and_hms_opt(12, 0, 0).unwrap().and_utc()
}

/// The shop of the history: a store, a cashier, a director, marketing, two products.
struct Shop {
    cashier: String,
    director: String,
    marketing: String,
    /// 10 000 FCFA, cost 6 000.
    big: i64,
    /// 2 000 FCFA, cost 1 500.
    small: i64,
}

async fn shop(app: &TestApp) -> Shop {
    app.seed_catalogue().await;
    let admin = app.token_for(Role::Admin).await;
    let mut ids = Vec::new();
    for (sku, price, cost) in [("KPI-BIG", 10_000, 6_000), ("KPI-SMALL", 2_000, 1_500)] {
        let reply = app
            .call(
                "POST",
                "/api/v1/products",
                Some(&admin),
                Some(json!({"sku": sku, "name": sku, "category": "ALIMENTAIRE", "price": price, "cost": cost})),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        ids.push(reply.body["id"].as_i64().unwrap());
    }
    Shop {
        cashier: app.token_for(Role::Cashier).await,
        director: app.token_for(Role::Director).await,
        marketing: app.token_for(Role::Marketing).await,
        big: ids[0],
        small: ids[1],
    }
}

/// A customer registered at noon on `registered`, at `level`.
async fn customer(
    app: &TestApp,
    shop: &Shop,
    phone: &str,
    registered: NaiveDate,
    level: Level,
) -> i64 {
    let created = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(&shop.cashier),
            Some(json!({"phone": phone})),
        )
        .await;
    let id = created.body["customer"]["id"]
        .as_i64()
        .expect("customer id");
    exec(
        app,
        "UPDATE customers SET registered_at = $1 WHERE id = $2",
        vec![noon(registered).into(), id.into()],
    )
    .await;
    set_level(app, id, level).await;
    id
}

async fn set_level(app: &TestApp, id: i64, level: Level) {
    crm_store::demo::set_standing(&app.state.db, id, level, 0, 0, 0)
        .await
        .unwrap();
}

/// A level change as the analysis records it.
async fn level_change(app: &TestApp, id: i64, from: Level, to: Level, at: chrono::DateTime<Utc>) {
    exec(
        app,
        "INSERT INTO level_changes (customer_id, from_level, to_level, score, changed_at) VALUES ($1, $2, $3, 50, $4)",
        vec![id.into(), from.as_str().into(), to.as_str().into(), at.into()],
    )
    .await;
}

/// Sells `lines` (product, quantity) through the checkout, then moves the sale (and its
/// coupon use) to noon on `on`: the history is built today and dated afterwards.
async fn sell(
    app: &TestApp,
    shop: &Shop,
    on: NaiveDate,
    customer: Option<i64>,
    lines: &[(i64, i64)],
    coupon: Option<&str>,
) -> (i64, i64) {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(p, q)| json!({"product_id": p, "quantity": q}))
        .collect();
    let reply = app
        .sell(
            &shop.cashier,
            json!({"customer_id": customer, "lines": lines, "coupon_code": coupon,
                   "payments": [{"method": "ESPECES", "amount": 50_000}]}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.body["id"].as_i64().unwrap();
    exec(
        app,
        "UPDATE sales SET business_date = $1, created_at = $2 WHERE id = $3",
        vec![on.into(), noon(on).into(), id.into()],
    )
    .await;
    exec(
        app,
        "UPDATE coupon_redemptions SET at = $1 WHERE sale_id = $2",
        vec![noon(on).into(), id.into()],
    )
    .await;
    (id, reply.body["total"].as_i64().unwrap())
}

async fn coupon(app: &TestApp, shop: &Shop, body: Value) -> String {
    let mut full = json!({"discount_kind": "FIXED", "value": 1_000, "description": "KPI",
        "valid_from": day(1, 1), "valid_to": day(12, 31), "stacks_with_loyalty": true});
    for (k, v) in body.as_object().unwrap() {
        full[k] = v.clone();
    }
    let reply = app
        .call("POST", "/api/v1/coupons", Some(&shop.marketing), Some(full))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.body["id"].as_i64().unwrap();
    // Created before the periods looked at.
    exec(
        app,
        "UPDATE coupons SET created_at = $1 WHERE id = $2",
        vec![noon(day(2, 1)).into(), id.into()],
    )
    .await;
    reply.body["code"].as_str().unwrap().to_owned()
}

/// Customers A (registered 10 Jan, STANDARD → GOLD at noon on 10 March), B (3 March,
/// STANDARD), C (9 March, STANDARD → SILVER on 20 March), D (1 April); coupons PROMO10
/// (GENERIC, 1 000 FCFA), NEVERUSED (GENERIC, March only) and B's SPECIAL (1 000 FCFA).
///
/// | sale | day | who (level then) | basket | subtotal | loyalty | coupon | total | cost |
/// |---|---|---|---|---|---|---|---|---|
/// | s0 | 25 Feb | A (STANDARD) | small | 2 000 | 0 | 0 | 2 000 | 1 500 |
/// | s1 | 2 Mar | A (STANDARD) | big | 10 000 | 0 | 0 | 10 000 | 6 000 |
/// | s2 | 4 Mar | anonymous | small | 2 000 | 0 | 0 | 2 000 | 1 500 |
/// | s3 | 5 Mar | B (STANDARD) | big + PROMO10 | 10 000 | 0 | 1 000 | 9 000 | 6 000 |
/// | s4 | 6 Mar | anonymous | 2 small, refunded | – | | | | |
/// | s5 | 8 Mar | B (STANDARD) | 2 small | 4 000 | 0 | 0 | 4 000 | 3 000 |
/// | s6 | 11 Mar | A (GOLD, 5 %) | big | 10 000 | 500 | 0 | 9 500 | 6 000 |
/// | s7 | 11 Mar | A (GOLD) | big + small + PROMO10 | 12 000 | 600 | 1 000 | 10 400 | 7 500 |
/// | s8 | 12 Mar | anonymous | big | 10 000 | 0 | 0 | 10 000 | 6 000 |
/// | s9 | 13 Mar | C (STANDARD) | small | 2 000 | 0 | 0 | 2 000 | 1 500 |
/// | s10 | 13 Mar | B (STANDARD) | big + B's SPECIAL | 10 000 | 0 | 1 000 | 9 000 | 6 000 |
/// | s11 | 14 Mar | anonymous | small, cancelled | – | | | | |
async fn history(app: &TestApp) -> (Shop, String) {
    let shop = shop(app).await;
    let a = customer(app, &shop, "0701000001", day(1, 10), Level::Standard).await;
    let b = customer(app, &shop, "0701000002", day(3, 3), Level::Standard).await;
    let c = customer(app, &shop, "0701000003", day(3, 9), Level::Standard).await;
    customer(app, &shop, "0701000004", day(4, 1), Level::Standard).await;
    coupon(app, &shop, json!({"kind": "GENERIC", "code": "PROMO10"})).await;
    coupon(app, &shop, json!({"kind": "GENERIC", "code": "NEVERUSED", "valid_from": day(3, 1), "valid_to": day(3, 31)})).await;
    let special = coupon(app, &shop, json!({"kind": "SPECIAL", "customer_id": b})).await;
    let (big, small) = (shop.big, shop.small);

    assert_eq!(
        sell(app, &shop, day(2, 25), Some(a), &[(small, 1)], None)
            .await
            .1,
        2_000
    );
    assert_eq!(
        sell(app, &shop, day(3, 2), Some(a), &[(big, 1)], None)
            .await
            .1,
        10_000
    );
    sell(app, &shop, day(3, 4), None, &[(small, 1)], None).await;
    assert_eq!(
        sell(app, &shop, day(3, 5), Some(b), &[(big, 1)], Some("PROMO10"))
            .await
            .1,
        9_000
    );
    let (s4, _) = sell(app, &shop, day(3, 6), None, &[(small, 2)], None).await;
    let refund = app
        .call(
            "POST",
            &format!("/api/v1/sales/{s4}/refund"),
            Some(&shop.director),
            Some(json!({"reason": "Retour"})),
        )
        .await;
    assert_eq!(refund.status, 200, "{}", refund.body);
    sell(app, &shop, day(3, 8), Some(b), &[(small, 2)], None).await;
    set_level(app, a, Level::Gold).await;
    level_change(app, a, Level::Standard, Level::Gold, noon(day(3, 10))).await;
    assert_eq!(
        sell(app, &shop, day(3, 11), Some(a), &[(big, 1)], None)
            .await
            .1,
        9_500
    );
    assert_eq!(
        sell(
            app,
            &shop,
            day(3, 11),
            Some(a),
            &[(big, 1), (small, 1)],
            Some("PROMO10")
        )
        .await
        .1,
        10_400
    );
    sell(app, &shop, day(3, 12), None, &[(big, 1)], None).await;
    sell(app, &shop, day(3, 13), Some(c), &[(small, 1)], None).await;
    assert_eq!(
        sell(app, &shop, day(3, 13), Some(b), &[(big, 1)], Some(&special))
            .await
            .1,
        9_000
    );
    set_level(app, c, Level::Silver).await;
    level_change(app, c, Level::Standard, Level::Silver, noon(day(3, 20))).await;
    // Cancelled the same day (today), before being dated.
    let reply = app
        .sell(&shop.cashier, json!({"lines": [{"product_id": small, "quantity": 1}], "payments": [{"method": "ESPECES", "amount": 2_000}]}))
        .await;
    let s11 = reply.body["id"].as_i64().unwrap();
    let cancel = app
        .call(
            "POST",
            &format!("/api/v1/sales/{s11}/cancel"),
            Some(&shop.cashier),
            Some(json!({"reason": "Erreur"})),
        )
        .await;
    assert_eq!(cancel.status, 200, "{}", cancel.body);
    exec(
        app,
        "UPDATE sales SET business_date = $1, created_at = $2 WHERE id = $3",
        vec![day(3, 14).into(), noon(day(3, 14)).into(), s11.into()],
    )
    .await;
    // The sales were dated by hand: the daily totals are rebuilt, as after an import.
    crm_store::sales::rebuild_rollups(&app.state.db)
        .await
        .unwrap();
    (shop, special)
}

async fn kpis(app: &TestApp, token: &str, query: &str) -> Value {
    let reply = app
        .call("GET", &format!("/api/v1/kpis?{query}"), Some(token), None)
        .await;
    assert_eq!(reply.status, 200, "{query}: {}", reply.body);
    reply.body
}

fn rate(numerator: i64, denominator: i64, value: &str) -> Value {
    json!({"numerator": numerator, "denominator": denominator, "value": value})
}

/// 8–14 March 2026 against 1–7 March.
const WEEK: &str = "period=custom&from=2026-03-08&to=2026-03-14";

on_both_databases! {
    async fn every_kpi_of_a_hand_built_week(app) {
        let (shop, special) = history(&app).await;
        let d = kpis(&app, &shop.director, WEEK).await;
        assert_eq!(d["period"], json!({"kind": "custom", "first_day": "2026-03-08", "last_day": "2026-03-14",
            "previous_first_day": "2026-03-01", "previous_last_day": "2026-03-07", "days": 7, "granularity": "DAY"}));
        assert_eq!(d["segment"], Value::Null);

        // 1. Identified sales ÷ completed sales: s5–s10 (s11 cancelled), s8 anonymous;
        // before: s1–s3 (s4 refunded), s2 anonymous.
        assert_eq!(d["identification"]["current"], rate(5, 6, "0.8333"));
        assert_eq!(d["identification"]["previous"], rate(2, 3, "0.6667"));
        let series = d["identification"]["series"].as_array().unwrap();
        assert_eq!(series.len(), 7);
        assert_eq!(series[0], json!({"date": "2026-03-08", "rate": rate(1, 1, "1.0000")}));
        assert_eq!(series[1], json!({"date": "2026-03-09", "rate": rate(0, 0, "0")}));
        assert_eq!(series[3]["rate"], rate(2, 2, "1.0000"));
        assert_eq!(series[4]["rate"], rate(0, 1, "0.0000"));
        assert_eq!(series[5]["rate"], rate(2, 2, "1.0000"));

        // 2. At the end of 14 March: A GOLD (since 10 March), B and C STANDARD (C's
        // promotion came on the 20th), D not yet registered. End of 7 March: A and B
        // STANDARD. New: C this week, B the week before.
        assert_eq!(d["customer_base"]["current"], json!({"levels": {"standard": 2, "silver": 0, "gold": 1, "vip": 0},
            "total": 3, "loyal": 1, "new_customers": 1}));
        assert_eq!(d["customer_base"]["previous"], json!({"levels": {"standard": 2, "silver": 0, "gold": 0, "vip": 0},
            "total": 2, "loyal": 0, "new_customers": 1}));
        let base = d["customer_base"]["series"].as_array().unwrap();
        assert_eq!(base[0], json!({"date": "2026-03-08", "levels": {"standard": 2, "silver": 0, "gold": 0, "vip": 0}, "new_customers": 0}));
        assert_eq!(base[1], json!({"date": "2026-03-09", "levels": {"standard": 3, "silver": 0, "gold": 0, "vip": 0}, "new_customers": 1}));
        assert_eq!(base[2], json!({"date": "2026-03-10", "levels": {"standard": 2, "silver": 0, "gold": 1, "vip": 0}, "new_customers": 0}));

        // 3. Active: PROMO10, NEVERUSED (GENERIC), B's SPECIAL. Used this week: PROMO10
        // (s7), the SPECIAL (s10); before: PROMO10 (s3).
        assert_eq!(d["coupons"]["current"], json!({"rate": rate(2, 3, "0.6667"), "generic": rate(1, 2, "0.5000"),
            "special": rate(1, 1, "1.0000"), "redemptions": 2, "discount": 2_000}));
        assert_eq!(d["coupons"]["previous"], json!({"rate": rate(1, 3, "0.3333"), "generic": rate(1, 2, "0.5000"),
            "special": rate(0, 1, "0.0000"), "redemptions": 1, "discount": 1_000}));
        assert_eq!(d["coupons"]["series"][3], json!({"date": "2026-03-11", "redemptions": 1, "discount": 1_000}));
        assert_eq!(d["top_coupons"], json!([
            {"coupon_id": d["top_coupons"][0]["coupon_id"], "code": "PROMO10", "kind": "GENERIC", "uses": 1, "discount": 1_000},
            {"coupon_id": d["top_coupons"][1]["coupon_id"], "code": special, "kind": "SPECIAL", "uses": 1, "discount": 1_000},
        ]));

        // 4. Gross 4 000 + 10 000 + 12 000 + 10 000 + 2 000 + 10 000 = 48 000; loyalty
        // 500 + 600; coupons 1 000 + 1 000; net 44 900; cost 30 000.
        assert_eq!(d["discounts"]["current"], json!({"sales": 6, "gross_revenue": 48_000, "loyalty_discounts": 1_100,
            "coupon_discounts": 2_000, "net_revenue": 44_900, "discount_rate": rate(3_100, 48_000, "0.0646"),
            "cost": 30_000, "margin_before_discounts": 18_000, "margin_after_discounts": 14_900,
            "margin_rate": rate(14_900, 44_900, "0.3318")}));
        assert_eq!(d["discounts"]["previous"], json!({"sales": 3, "gross_revenue": 22_000, "loyalty_discounts": 0,
            "coupon_discounts": 1_000, "net_revenue": 21_000, "discount_rate": rate(1_000, 22_000, "0.0455"),
            "cost": 13_500, "margin_before_discounts": 8_500, "margin_after_discounts": 7_500,
            "margin_rate": rate(7_500, 21_000, "0.3571")}));
        assert_eq!(d["discounts"]["series"][3], json!({"date": "2026-03-11", "gross_revenue": 22_000,
            "discounts": 2_100, "net_revenue": 19_900, "margin": 6_400}));

        // 5. Active the week before: A, B; both came back. The week before that: A (s0),
        // who came back (s1).
        assert_eq!(d["retention"]["current"], json!({"retention": rate(2, 2, "1.0000"), "churn": rate(0, 2, "0.0000")}));
        assert_eq!(d["retention"]["previous"], json!({"retention": rate(1, 1, "1.0000"), "churn": rate(0, 1, "0.0000")}));
        let retention = d["retention"]["series"].as_array().unwrap();
        assert_eq!(retention.len(), 7);
        // 13 March against 12 March (only an anonymous sale): nobody to keep.
        assert_eq!(retention[5], json!({"date": "2026-03-13", "retention": rate(0, 0, "0")}));

        // 6. STANDARD: s5, s9, s10 by B and C; GOLD: s6, s7 by A; anonymous: s8.
        let basket = |sales: i64, revenue: i64, customers: i64, frequency: Value, average: i64| json!({
            "sales": sales, "revenue": revenue, "customers": customers, "frequency": frequency, "average_basket": average});
        let with_level = |level: &str, b: Value| { let mut b = b; b["level"] = json!(level); b };
        assert_eq!(d["frequency"]["current"], json!({
            "levels": [
                with_level("STANDARD", basket(3, 15_000, 2, rate(3, 2, "1.5000"), 5_000)),
                with_level("SILVER", basket(0, 0, 0, rate(0, 0, "0"), 0)),
                with_level("GOLD", basket(2, 19_900, 1, rate(2, 1, "2.0000"), 9_950)),
                with_level("VIP", basket(0, 0, 0, rate(0, 0, "0"), 0)),
            ],
            "identified": basket(5, 34_900, 3, rate(5, 3, "1.6667"), 6_980),
            "anonymous": basket(1, 10_000, 0, rate(1, 0, "0"), 10_000),
        }));
        assert_eq!(d["frequency"]["previous"]["identified"], basket(2, 19_000, 2, rate(2, 2, "1.0000"), 9_500));
        assert_eq!(d["frequency"]["series"][3], json!({"date": "2026-03-11", "sales": 2, "average_basket": 9_950}));

        let segment = |level: Value, sales: i64, revenue: i64, previous: i64, share: Value| json!({
            "level": level, "sales": sales, "revenue": revenue, "previous_revenue": previous, "share": share});
        assert_eq!(d["revenue_by_segment"], json!([
            segment(json!("STANDARD"), 3, 15_000, 19_000, rate(15_000, 44_900, "0.3341")),
            segment(json!("SILVER"), 0, 0, 0, rate(0, 44_900, "0.0000")),
            segment(json!("GOLD"), 2, 19_900, 0, rate(19_900, 44_900, "0.4432")),
            segment(json!("VIP"), 0, 0, 0, rate(0, 44_900, "0.0000")),
            segment(Value::Null, 1, 10_000, 2_000, rate(10_000, 44_900, "0.2227")),
        ]));

        assert_eq!(d["targets"], json!([
            {"target": "IDENTIFICATION", "threshold": "0.70", "comparison": ">", "value": "0.8333", "met": true},
            {"target": "LOYAL_CUSTOMERS", "threshold": "500", "comparison": ">=", "value": "1", "met": false},
            {"target": "COUPON_USE", "threshold": "0.40", "comparison": ">", "value": "0.6667", "met": true},
            {"target": "RETENTION", "threshold": "0.80", "comparison": ">", "value": "1.0000", "met": true},
        ]));

        // The .xlsx holds the same figures as the JSON.
        let reply = app.client.get(app.url(&format!("/api/v1/kpis/export?format=xlsx&{WEEK}")))
            .bearer_auth(&shop.marketing).send().await.unwrap();
        assert_eq!(reply.status(), 200);
        let bytes = reply.bytes().await.unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let sheet = book.worksheet_range("Remises et marge").unwrap();
        let row = |label: &str| sheet.rows().find(|r| r[0] == Data::String(label.to_owned())).unwrap_or_else(|| panic!("{label}")).to_vec();
        let figure = |label: &str, col: usize| match &row(label)[col] { Data::Float(f) => *f, other => panic!("{label}: {other:?}") };
        let current = &d["discounts"]["current"];
        assert_eq!(figure("CA brut (FCFA)", 1), current["gross_revenue"].as_i64().unwrap() as f64);
        assert_eq!(figure("CA net (FCFA)", 1), current["net_revenue"].as_i64().unwrap() as f64);
        assert_eq!(figure("Coût des ventes (FCFA)", 2), d["discounts"]["previous"]["cost"].as_i64().unwrap() as f64);
        assert_eq!(figure("Taux de remise", 1), 0.0646);
        // Days are dates in the workbook, rates percentages of the 4-place value.
        let dates = sheet.rows().find(|r| r[0] == Data::String("Date".into())).map(|_| ()).is_some();
        assert!(dates);
        let first_point = sheet.rows().skip_while(|r| r[0] != Data::String("Date".into())).nth(1).unwrap().to_vec();
        assert!(matches!(first_point[0], Data::DateTime(_)), "{:?}", first_point[0]);
        assert_eq!(first_point[0].as_date(), Some(day(3, 8)));
        let id_sheet = book.worksheet_range("Identification").unwrap();
        let id_row = id_sheet.rows().find(|r| r[0] == Data::String("Taux d’identification".into())).unwrap().to_vec();
        assert_eq!(id_row[1], Data::Float(0.8333));
        assert_eq!(id_row[2], Data::Float(0.6667));
        let sheets = book.sheet_names();
        assert_eq!(sheets, ["Période", "Identification", "Clientèle", "Coupons", "Remises et marge", "Rétention",
            "Fréquence et panier", "Top coupons", "Segments", "Objectifs"]);

        // The CSV: the same figures, for French Excel.
        let csv = app.client.get(app.url(&format!("/api/v1/kpis/export?format=csv&{WEEK}")))
            .bearer_auth(&shop.marketing).send().await.unwrap();
        assert_eq!(csv.status(), 200);
        assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let text = csv.text().await.unwrap();
        assert!(text.contains("Remises et marge;CA brut (FCFA);48000;22000;"), "{text}");
        assert!(text.contains("Identification;Taux d’identification;83,33;66,67;"), "{text}");
        assert!(text.contains("Identification;08/03/2026;100,00;1;1;"), "{text}");
    }
}

on_both_databases! {
    async fn a_segment_restricts_every_kpi_to_its_sales(app) {
        let (shop, _) = history(&app).await;
        let d = kpis(&app, &shop.marketing, &format!("{WEEK}&segment=gold")).await;
        assert_eq!(d["segment"], "GOLD");
        // The segment's share of all completed sales.
        assert_eq!(d["identification"]["current"], rate(2, 6, "0.3333"));
        assert_eq!(d["identification"]["previous"], rate(0, 3, "0.0000"));
        assert_eq!(d["customer_base"]["current"], json!({"levels": {"standard": 0, "silver": 0, "gold": 1, "vip": 0},
            "total": 1, "loyal": 1, "new_customers": 0}));
        assert_eq!(d["customer_base"]["previous"]["total"], 0);
        assert_eq!(d["coupons"]["current"], json!({"rate": rate(1, 3, "0.3333"), "generic": rate(1, 2, "0.5000"),
            "special": rate(0, 1, "0.0000"), "redemptions": 1, "discount": 1_000}));
        assert_eq!(d["discounts"]["current"], json!({"sales": 2, "gross_revenue": 22_000, "loyalty_discounts": 1_100,
            "coupon_discounts": 1_000, "net_revenue": 19_900, "discount_rate": rate(2_100, 22_000, "0.0955"),
            "cost": 13_500, "margin_before_discounts": 8_500, "margin_after_discounts": 6_400,
            "margin_rate": rate(6_400, 19_900, "0.3216")}));
        assert_eq!(d["discounts"]["previous"]["discount_rate"], rate(0, 0, "0"));
        // Nobody bought at GOLD the week before.
        assert_eq!(d["retention"]["current"], json!({"retention": rate(0, 0, "0"), "churn": rate(0, 0, "0")}));
        assert_eq!(d["frequency"]["current"]["levels"], json!([{"level": "GOLD", "sales": 2, "revenue": 19_900,
            "customers": 1, "frequency": rate(2, 1, "2.0000"), "average_basket": 9_950}]));
        assert_eq!(d["frequency"]["current"]["anonymous"]["sales"], 0);
        assert_eq!(d["revenue_by_segment"], json!([{"level": "GOLD", "sales": 2, "revenue": 19_900,
            "previous_revenue": 0, "share": rate(19_900, 19_900, "1.0000")}]));
        assert_eq!(d["top_coupons"].as_array().unwrap().len(), 1);
        assert_eq!(d["top_coupons"][0]["code"], "PROMO10");

        // STANDARD, the week before: A (s1) and B (s3) bought at STANDARD; both came back.
        let s = kpis(&app, &shop.marketing, &format!("{WEEK}&segment=STANDARD")).await;
        assert_eq!(s["retention"]["current"]["retention"], rate(2, 2, "1.0000"));
        assert_eq!(s["discounts"]["previous"]["net_revenue"], 19_000);
        assert_eq!(s["customer_base"]["current"]["new_customers"], 1);

        // A segment nobody is in: zeros, never an error or a NaN.
        let v = kpis(&app, &shop.marketing, &format!("{WEEK}&segment=VIP")).await;
        assert_eq!(v["identification"]["current"], rate(0, 6, "0.0000"));
        assert_eq!(v["discounts"]["current"]["discount_rate"], rate(0, 0, "0"));
        assert_eq!(v["discounts"]["current"]["net_revenue"], 0);
        assert_eq!(v["frequency"]["current"]["identified"]["frequency"], rate(0, 0, "0"));
        assert_eq!(v["coupons"]["current"]["redemptions"], 0);
        assert_eq!(v["customer_base"]["current"]["total"], 0);
        assert!(v["top_coupons"].as_array().unwrap().is_empty());
        assert!(v["identification"]["series"].as_array().unwrap().iter().all(|p| p["rate"]["numerator"] == 0));
        assert!(!v.to_string().contains("NaN"));
    }
}

on_both_databases! {
    async fn empty_and_anonymous_periods_give_zeros(app) {
        let (shop, _) = history(&app).await;
        let e = kpis(&app, &shop.director, "period=custom&from=2025-01-01&to=2025-01-07").await;
        assert_eq!(e["identification"]["current"], rate(0, 0, "0"));
        assert_eq!(e["retention"]["current"]["churn"], rate(0, 0, "0"));
        assert_eq!(e["coupons"]["current"]["rate"], rate(0, 0, "0"));
        assert_eq!(e["discounts"]["current"]["margin_rate"], rate(0, 0, "0"));
        assert_eq!(e["customer_base"]["current"]["total"], 0);
        assert_eq!(e["identification"]["series"].as_array().unwrap().len(), 7);
        assert!(e["top_coupons"].as_array().unwrap().is_empty());
        assert!(e["targets"].as_array().unwrap().iter().all(|t| t["met"] == false));

        // 12 March: only s8, anonymous. A bought on the 11th and not on the 12th: lost.
        let a = kpis(&app, &shop.director, "period=custom&from=2026-03-12&to=2026-03-12").await;
        assert_eq!(a["identification"]["current"], rate(0, 1, "0.0000"));
        assert_eq!(a["frequency"]["current"]["identified"]["sales"], 0);
        assert_eq!(a["frequency"]["current"]["anonymous"]["average_basket"], 10_000);
        assert_eq!(a["retention"]["current"], json!({"retention": rate(0, 1, "0.0000"), "churn": rate(1, 1, "1.0000")}));

        // 180 days ending on 14 March: weekly points counted back from the 14th (the
        // oldest covers 5 days). The week of the 8th keeps A and B of the week of the 1st;
        // that one keeps A of the week of 22 February.
        let h = kpis(&app, &shop.director, "period=custom&from=2025-09-16&to=2026-03-14").await;
        assert_eq!(h["period"]["granularity"], "WEEK");
        let retention = h["retention"]["series"].as_array().unwrap();
        assert_eq!(retention.len(), 26);
        assert_eq!(retention[0]["date"], "2025-09-16");
        assert_eq!(retention[1]["date"], "2025-09-21");
        assert_eq!(retention[25], json!({"date": "2026-03-08", "retention": rate(2, 2, "1.0000")}));
        assert_eq!(retention[24], json!({"date": "2026-03-01", "retention": rate(1, 1, "1.0000")}));
        assert_eq!(h["identification"]["series"][25]["rate"], rate(5, 6, "0.8333"));
        let g = kpis(&app, &shop.director, "period=custom&from=2025-09-16&to=2026-03-14&segment=GOLD").await;
        assert_eq!(g["retention"]["series"][25]["retention"], rate(0, 0, "0"));
        let s = kpis(&app, &shop.director, "period=custom&from=2025-09-16&to=2026-03-14&segment=STANDARD").await;
        assert_eq!(s["retention"]["series"][25]["retention"], rate(2, 2, "1.0000"));

        // A year: weekly points, 7 days counted back from the last day.
        let y = kpis(&app, &shop.director, "period=365d").await;
        assert_eq!(y["period"]["granularity"], "WEEK");
        assert_eq!(y["identification"]["series"].as_array().unwrap().len(), 53);
    }
}

on_both_databases! {
    async fn bad_periods_segments_and_formats_are_422(app) {
        let token = app.token_for(Role::Marketing).await;
        for (query, code) in [
            ("period=today", "period.invalid"),
            ("period=custom&from=2026-03-01", "period.invalid"),
            ("period=custom&from=2026-03-08&to=2026-03-01", "period.invalid"),
            ("period=custom&from=2024-01-01&to=2025-06-01", "period.invalid"),
            ("period=30d&from=2026-03-01&to=2026-03-02", "period.invalid"),
            ("segment=PLATINUM", "kpi.segment_invalid"),
        ] {
            app.call("GET", &format!("/api/v1/kpis?{query}"), Some(&token), None).await.assert_problem(422, code);
        }
        app.call("GET", "/api/v1/kpis/export?format=pdf", Some(&token), None).await.assert_problem(422, "kpi.format_invalid");
        app.call("GET", "/api/v1/kpis/export?format=csv&segment=x", Some(&token), None).await.assert_problem(422, "kpi.segment_invalid");
        // The default period is the last 30 days.
        let d = kpis(&app, &token, "").await;
        assert_eq!(d["period"]["kind"], "30d");
        assert_eq!(d["period"]["days"], 30);
        // Screens refreshing together share one computation, kept a minute.
        let again = kpis(&app, &token, "period=30d").await;
        assert_eq!(again["generated_at"], d["generated_at"]);
    }
}

/// `kpi_daily` as the sales say it should be: completed sales per store, day and segment.
async fn direct(app: &TestApp) -> Vec<Vec<i64>> {
    rows(app, "SELECT s.store_id, CAST(COUNT(*) AS BIGINT) AS sales, CAST(SUM(s.subtotal) AS BIGINT) AS subtotal, \
        CAST(SUM(s.loyalty_discount) AS BIGINT) AS loyalty, CAST(SUM(s.coupon_discount) AS BIGINT) AS coupon, CAST(SUM(s.total) AS BIGINT) AS total, \
        CAST(SUM((SELECT SUM(l.quantity * l.unit_cost) FROM sale_lines l WHERE l.sale_id = s.id)) AS BIGINT) AS cost, \
        COALESCE(s.customer_level, 'ANONYMOUS') AS segment, s.business_date AS day \
        FROM sales s WHERE s.status = 'COMPLETED' GROUP BY s.store_id, s.business_date, COALESCE(s.customer_level, 'ANONYMOUS') \
        ORDER BY day, segment").await
}

async fn rolled_up(app: &TestApp) -> Vec<Vec<i64>> {
    rows(app, "SELECT store_id, sales, subtotal, loyalty_discount AS loyalty, coupon_discount AS coupon, total, cost, \
        segment, business_date AS day FROM kpi_daily WHERE sales <> 0 ORDER BY day, segment").await
}

async fn rows(app: &TestApp, sql: &str) -> Vec<Vec<i64>> {
    let db = &app.state.db;
    let found = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap();
    found
        .iter()
        .map(|r| {
            let mut v: Vec<i64> = [
                "store_id", "sales", "subtotal", "loyalty", "coupon", "total", "cost",
            ]
            .iter()
            .map(|c| r.try_get::<i64>("", c).unwrap())
            .collect();
            let segment: String = r.try_get("", "segment").unwrap();
            v.push(
                Level::ALL
                    .iter()
                    .position(|l| l.as_str() == segment)
                    .map_or(-1, |p| p as i64),
            );
            v
        })
        .collect()
}

on_both_databases! {
    async fn the_daily_roll_up_stays_exact_through_sales_refunds_and_cancellations(app) {
        let shop = shop(&app).await;
        let mut customers = Vec::new();
        for (i, level) in Level::ALL.iter().enumerate() {
            let id = customer(&app, &shop, &format!("07020000{i:02}"), day(1, 1), *level).await;
            customers.push(id);
        }
        coupon(&app, &shop, json!({"kind": "GENERIC", "code": "ROLLUP", "per_customer_cap": 1000})).await;
        // A fixed pseudo-random walk: the same on both databases, different enough.
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |n: u64| { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; seed % n };
        let mut sold = Vec::new();
        for _ in 0..40 {
            let who = match next(5) { 4 => None, i => Some(customers[i as usize]) };
            let mut lines = vec![(shop.big, 1 + next(3) as i64)];
            if next(2) == 0 { lines.push((shop.small, 1 + next(4) as i64)); }
            let code = (next(3) == 0).then_some("ROLLUP");
            let lines: Vec<Value> = lines.iter().map(|(p, q)| json!({"product_id": p, "quantity": q})).collect();
            let reply = app.sell(&shop.cashier, json!({"customer_id": who, "lines": lines, "coupon_code": code,
                "payments": [{"method": "ESPECES", "amount": 100_000}]})).await;
            assert_eq!(reply.status, 201, "{}", reply.body);
            let id = reply.body["id"].as_i64().unwrap();
            sold.push(id);
            match next(6) {
                0 => { app.call("POST", &format!("/api/v1/sales/{id}/refund"), Some(&shop.director), Some(json!({"reason": "Retour"}))).await; }
                1 => { app.call("POST", &format!("/api/v1/sales/{id}/cancel"), Some(&shop.cashier), Some(json!({"reason": "Erreur"}))).await; }
                _ => {}
            }
        }
        // Some refunds later, of sales still completed or already reversed (refused).
        for id in sold.iter().step_by(7) {
            app.call("POST", &format!("/api/v1/sales/{id}/refund"), Some(&shop.director), Some(json!({"reason": "Retour"}))).await;
        }
        let kept = rolled_up(&app).await;
        assert!(!kept.is_empty());
        assert_eq!(kept, direct(&app).await);
        // And a rebuild gives the same rows.
        crm_store::sales::rebuild_rollups(&app.state.db).await.unwrap();
        assert_eq!(rolled_up(&app).await, kept);
    }
}

/// Past its fresh time (`CRM_KPI_FRESH_SECS`) a dashboard is served at once, as it was,
/// while its successor is computed in the background; the answers after that carry the
/// new figures. Screens never wait for a computation once the first one is made.
async fn a_dashboard_past_its_time_is_served_while_the_next_is_computed(backend: Backend) {
    let app = crm_tests::spawn_with(backend, |settings| settings.kpi_fresh_secs = 2).await;
    let shop = shop(&app).await;
    let sales = |d: &Value| d["discounts"]["current"]["sales"].as_i64().unwrap();
    let first = kpis(&app, &shop.director, "period=7d").await;
    let computed = std::time::Instant::now();
    assert_eq!(sales(&first), 0);
    let sold = app
        .sell(
            &shop.cashier,
            json!({"lines": [{"product_id": shop.small, "quantity": 1}],
                   "payments": [{"method": "ESPECES", "amount": 2_000}]}),
        )
        .await;
    assert_eq!(sold.status, 201, "{}", sold.body);
    // Still fresh: the same computation.
    let kept = kpis(&app, &shop.director, "period=7d").await;
    assert_eq!(kept["generated_at"], first["generated_at"]);
    tokio::time::sleep(std::time::Duration::from_millis(2_200).saturating_sub(computed.elapsed()))
        .await;
    // No longer fresh: served as it was, its successor started.
    let stale = kpis(&app, &shop.director, "period=7d").await;
    assert_eq!(stale["generated_at"], first["generated_at"]);
    assert_eq!(sales(&stale), 0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let now = kpis(&app, &shop.director, "period=7d").await;
        if now["generated_at"] != first["generated_at"] {
            assert_eq!(sales(&now), 1, "the new computation counts the sale");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no new computation within 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dashboard_past_its_time_is_served_while_the_next_is_computed_sqlite() {
    a_dashboard_past_its_time_is_served_while_the_next_is_computed(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dashboard_past_its_time_is_served_while_the_next_is_computed_postgres() {
    a_dashboard_past_its_time_is_served_while_the_next_is_computed(Backend::Postgres).await;
}
