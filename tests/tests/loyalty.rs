//! The loyalty analysis (SPEC §4) on SQLite and PostgreSQL: the SQL that gathers each
//! customer's activity agrees with the domain's reference computation on random
//! histories (boundaries included); an analysis on a built history promotes (two levels
//! at once, one coupon of the new level), demotes one level, holds within the soft
//! landing, ignores refunded and cancelled sales, and moves nobody the second time the
//! same day; a dry run leaves every business table as it was; checkout and the legacy
//! import never change a level; who may start and read analyses; one apply at a time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use chrono::{DateTime, Days, Duration, NaiveDate, TimeZone, Utc};
use crm_domain::coupon::{Coupon as Rules, CouponKind, CouponStatus, DiscountKind};
use crm_domain::job::JobKind;
use crm_domain::loyalty::{Activity, Windows};
use crm_domain::sale::{PaymentMethod, SaleStatus};
use crm_domain::{Level, Money, Role, Scope};
use crm_store::audit::Actor;
use crm_store::coupons::NewCoupon;
use crm_store::customers::NewCustomer;
use crm_store::demo::GeneratedSale;
use crm_store::entities::{coupon, customer, level_change};
use crm_store::sales::{NewLine, NewPayment, NewSale, SaleHeader};
use crm_tests::{on_both_databases, TestApp};
use proptest::prelude::*;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder, Statement};
use serde_json::{json, Value};

/// Where generated sales are rung up.
struct Shop {
    store_id: i64,
    till_id: i64,
    cashier_id: i64,
    product_id: i64,
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let db = &app.state.db;
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get_by_index::<i64>(0)
    .unwrap()
}

async fn execute(app: &TestApp, sql: &str) {
    let db = &app.state.db;
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .unwrap();
}

/// The demo store, its till and catalogue, and a cashier.
async fn shop(app: &TestApp) -> Shop {
    app.seed_catalogue().await;
    app.create_user("caisse-fidelite", Role::Cashier, "motdepasse-test")
        .await;
    let cashier = crm_store::users::find_by_username(&app.state.db, "caisse-fidelite")
        .await
        .unwrap()
        .unwrap();
    Shop {
        store_id: scalar(app, "SELECT MIN(id) FROM stores").await,
        till_id: scalar(app, "SELECT MIN(id) FROM tills").await,
        cashier_id: cashier.id,
        product_id: scalar(app, "SELECT MIN(id) FROM products").await,
    }
}

/// A new customer (STANDARD, no level change recorded).
async fn customer(app: &TestApp, name: &str) -> i64 {
    let (row, _) = crm_store::customers::create_or_get(
        &app.state.db,
        NewCustomer {
            phone_index: uuid::Uuid::new_v4().to_string(),
            phone_cipher: "chiffré".to_owned(),
            first_name: Some(name.to_owned()),
            last_name: Some("Test".to_owned()),
            ..NewCustomer::default()
        },
    )
    .await
    .unwrap();
    row.id
}

/// Puts a customer at `level`, last changed at `changed` (as an earlier analysis would).
async fn set_level(app: &TestApp, id: i64, level: Level, changed: Option<DateTime<Utc>>) {
    use sea_orm::{ActiveModelTrait, Set};
    let mut row: customer::ActiveModel = customer::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    row.level = Set(level.as_str().to_owned());
    row.level_changed_at = Set(changed);
    row.update(&app.state.db).await.unwrap();
}

/// A sale of the history: who, when, how much, and its status.
#[derive(Clone, Copy, Debug)]
struct Bought {
    customer: i64,
    at: DateTime<Utc>,
    total: i64,
    status: SaleStatus,
}

/// Writes the sales as the demo generator and the import do (`NewSale` rows).
async fn record(app: &TestApp, shop: &Shop, history: &[Bought]) {
    let first = crm_store::demo::next_sale_id(&app.state.db).await.unwrap();
    let sales: Vec<GeneratedSale> = history
        .iter()
        .zip(first..)
        .map(|(b, id)| GeneratedSale {
            id,
            sale: NewSale {
                header: SaleHeader {
                    store_id: shop.store_id,
                    store_code: "ABJ01".to_owned(),
                    till_id: shop.till_id,
                    cashier_id: shop.cashier_id,
                    customer_id: Some(b.customer),
                    customer_level: Some(Level::Standard),
                    business_date: b.at.date_naive(),
                },
                loyalty_percent: "0".to_owned(),
                subtotal: b.total,
                loyalty_discount: 0,
                coupon_discount: 0,
                total: b.total,
                vat_total: 0,
                points_earned: 0,
                paid: b.total,
                change_given: 0,
                lines: vec![NewLine {
                    product_id: shop.product_id,
                    quantity: 1,
                    unit_price: b.total,
                    line_total: b.total,
                    discount: 0,
                    vat_rate_bp: 0,
                    unit_cost: 0,
                }],
                payments: vec![NewPayment {
                    method: PaymentMethod::Especes,
                    amount: b.total,
                    applied_amount: b.total,
                    reference: None,
                }],
                idempotency_key: None,
                request_hash: None,
                coupon: None,
            },
            ticket_number: format!("TKT-TEST-{id}"),
            status: b.status,
            created_at: b.at,
        })
        .collect();
    crm_store::demo::insert_sales(&app.state.db, &sales)
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------
// The SQL's activity = the domain's reference computation.

/// Offsets from T (in microseconds) that sit on or next to a window's edge.
fn edge_offsets() -> Vec<i64> {
    let day = 86_400_000_000_i64;
    let mut edges = vec![0, 1, -1];
    for days in [7, 30, 60, 90, 120, 150, 180] {
        for delta in [-1, 0, 1] {
            edges.push(-(days * day) + delta);
        }
    }
    edges
}

/// A sale time relative to T: on an edge, or anywhere from 200 days before to 2 days
/// after, to the microsecond (what PostgreSQL keeps).
fn offset() -> impl Strategy<Value = i64> {
    let day = 86_400_000_000_i64;
    prop_oneof![
        proptest::sample::select(edge_offsets()),
        (-200 * day..2 * day),
    ]
}

/// (customer index, offset from T, total, status index)
type RandomSale = (usize, i64, i64, usize);

fn history() -> impl Strategy<Value = (i64, Vec<RandomSale>)> {
    (
        // T: any microsecond of a few months.
        0..(90 * 86_400_000_000_i64),
        proptest::collection::vec((0..5usize, offset(), 0..200_000_i64, 0..4usize), 0..24),
    )
}

const STATUSES: [SaleStatus; 4] = [
    SaleStatus::Completed,
    SaleStatus::Completed,
    SaleStatus::Refunded,
    SaleStatus::Cancelled,
];

on_both_databases! {
    async fn sql_activity_equals_the_domain_reference_on_random_histories(app) {
        let shop = shop(&app).await;
        let mut customers = Vec::new();
        for i in 0..5 {
            customers.push(customer(&app, &format!("Client {i}")).await);
        }
        // The last one is inactive: never scored, whatever they bought.
        execute(&app, &format!("UPDATE customers SET active = FALSE WHERE id = {}", customers[4])).await;
        let base = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let handle = tokio::runtime::Handle::current();
        let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
            cases: 16,
            ..proptest::test_runner::Config::default()
        });
        let outcome = tokio::task::block_in_place(|| {
            runner.run(&history(), |(t_offset, sales)| {
                handle.block_on(async {
                    for table in ["payments", "sale_lines", "sales"] {
                        execute(&app, &format!("DELETE FROM {table}")).await;
                    }
                    let at = base + Duration::microseconds(t_offset);
                    let history: Vec<Bought> = sales
                        .iter()
                        .map(|&(who, off, total, status)| Bought {
                            customer: customers[who],
                            at: at + Duration::microseconds(off),
                            total,
                            status: STATUSES[status],
                        })
                        .collect();
                    record(&app, &shop, &history).await;
                    let windows = Windows::at(at);
                    // Batches of two: the keyset and the customer range of each batch.
                    let mut seen = Vec::new();
                    let mut after = 0;
                    loop {
                        let batch = crm_store::loyalty::activities(&app.state.db, &windows, after, 2)
                            .await
                            .unwrap();
                        let Some(last) = batch.last() else { break };
                        after = last.customer_id;
                        seen.extend(batch);
                    }
                    let ids: Vec<i64> = seen.iter().map(|c| c.customer_id).collect();
                    prop_assert_eq!(&ids[..], &customers[..4], "active customers, in id order");
                    for scored in &seen {
                        let completed = history
                            .iter()
                            .filter(|b| b.customer == scored.customer_id && b.status == SaleStatus::Completed)
                            .map(|b| (b.at, b.total));
                        let expected = Activity::from_purchases(&windows, completed);
                        prop_assert_eq!(scored.activity, expected, "customer {} at {}", scored.customer_id, at);
                        prop_assert_eq!(scored.level, Level::Standard);
                    }
                    Ok::<(), TestCaseError>(())
                })
            })
        });
        outcome.unwrap();
    }
}

// ---------------------------------------------------------------------------------------
// An analysis end to end, through the API.

/// Starts an analysis and waits for its end; returns the finished analysis.
async fn analyse(app: &TestApp, token: &str, body: Value) -> Value {
    let started = app
        .call("POST", "/api/v1/loyalty/analyses", Some(token), Some(body))
        .await;
    assert_eq!(started.status, 202, "{}", started.body);
    finished(app, token, started.body["id"].as_i64().unwrap()).await
}

async fn finished(app: &TestApp, token: &str, id: i64) -> Value {
    for _ in 0..300 {
        let reply = app
            .call(
                "GET",
                &format!("/api/v1/loyalty/analyses/{id}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        if reply.body["status"] == "SUCCEEDED" || reply.body["status"] == "FAILED" {
            return reply.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("analysis {id} did not finish");
}

/// The cast of the built history, and T.
struct Cast {
    /// STANDARD, buys enough for GOLD: promoted two levels, with a 5 % coupon.
    climber: i64,
    /// VIP, nothing bought, no change recorded: demoted one level, to GOLD.
    faller: i64,
    /// GOLD, nothing bought, changed 10 days ago: held.
    recent: i64,
    /// STANDARD, the climber's purchases but all refunded or cancelled: stays.
    refunder: i64,
    /// STANDARD, the climber's purchases, already holds a recent coupon: promoted, no
    /// second coupon.
    holder: i64,
    /// Inactive, the climber's purchases: never scored.
    gone: i64,
    /// The `as_of` day (yesterday) and T, its last instant in Abidjan (UTC).
    as_of: NaiveDate,
    at: DateTime<Utc>,
}

/// Six purchases of 10 000 FCFA at T − 1, 15, 29, 43, 57 and 71 days: 6 in 90 days (30
/// points), 3 active months (10), 1 day ago (20), 60 000 FCFA (3) = 63, GOLD.
fn gold_history(customer: i64, at: DateTime<Utc>, statuses: [SaleStatus; 2]) -> Vec<Bought> {
    [1, 15, 29, 43, 57, 71]
        .into_iter()
        .enumerate()
        .map(|(i, days)| Bought {
            customer,
            at: at - Duration::days(days) - Duration::hours(3),
            total: 10_000,
            status: statuses[i % 2],
        })
        .collect()
}

async fn built_history(app: &TestApp) -> Cast {
    let shop = shop(app).await;
    let as_of = Utc::now().date_naive() - Days::new(1);
    let at = crm_domain::period::end_of_day(as_of, chrono_tz::Africa::Abidjan);
    let cast = Cast {
        climber: customer(app, "Aya").await,
        faller: customer(app, "Koffi").await,
        recent: customer(app, "Awa").await,
        refunder: customer(app, "Yao").await,
        holder: customer(app, "Adjoua").await,
        gone: customer(app, "Moussa").await,
        as_of,
        at,
    };
    set_level(app, cast.faller, Level::Vip, None).await;
    set_level(app, cast.recent, Level::Gold, Some(at - Duration::days(10))).await;
    let completed = [SaleStatus::Completed; 2];
    let mut history = gold_history(cast.climber, at, completed);
    history.extend(gold_history(
        cast.refunder,
        at,
        [SaleStatus::Refunded, SaleStatus::Cancelled],
    ));
    history.extend(gold_history(cast.holder, at, completed));
    history.extend(gold_history(cast.gone, at, completed));
    // After T: not seen by an analysis as of yesterday.
    history.extend((0..12).map(|i| Bought {
        customer: cast.faller,
        at: at + Duration::minutes(i + 1),
        total: 50_000,
        status: SaleStatus::Completed,
    }));
    record(app, &shop, &history).await;
    execute(
        app,
        &format!(
            "UPDATE customers SET active = FALSE WHERE id = {}",
            cast.gone
        ),
    )
    .await;
    let today = Utc::now().date_naive();
    crm_store::coupons::create(
        &app.state.db,
        NewCoupon {
            code: "SPE-DEJA-RECU".to_owned(),
            description: "Bon anniversaire".to_owned(),
            rules: Rules {
                kind: CouponKind::Special,
                discount_kind: DiscountKind::Fixed,
                value: 1_000,
                valid_from: today,
                valid_to: today + Days::new(20),
                global_cap: None,
                per_customer_cap: 1,
                min_basket: Money::fcfa(0),
                required_level: None,
                customer_id: Some(cast.holder),
                eligible_categories: Default::default(),
                stacks_with_loyalty: true,
                status: CouponStatus::Active,
            },
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    cast
}

async fn level_of(app: &TestApp, id: i64) -> (String, Option<DateTime<Utc>>) {
    let row = customer::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    (row.level, row.level_changed_at)
}

on_both_databases! {
    async fn an_analysis_promotes_demotes_holds_and_a_second_run_moves_nobody(app) {
        let cast = built_history(&app).await;
        let marketing = app.token_for(Role::Marketing).await;
        let body = json!({"dry_run": false, "generate_coupons": true, "as_of": cast.as_of});
        let done = analyse(&app, &marketing, body.clone()).await;
        assert_eq!(done["status"], "SUCCEEDED", "{done}");
        let id = done["id"].as_i64().unwrap();
        let result = &done["result"];
        assert_eq!(done["as_of"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap(), cast.at);
        assert_eq!(done["as_of_day"], json!(cast.as_of), "the day asked for is given back");
        assert_eq!((done["dry_run"].as_bool(), done["progress"].as_u64()), (Some(false), Some(100)));
        assert_eq!(result["customers"], 5, "the inactive customer is not scored: {result}");
        assert_eq!(result["before"], json!({"standard": 3, "silver": 0, "gold": 1, "vip": 1}));
        assert_eq!(result["after"], json!({"standard": 1, "silver": 0, "gold": 4, "vip": 0}));
        assert_eq!(
            (&result["promotions"], &result["demotions"], &result["held"]),
            (&json!(2), &json!(1), &json!(1)),
            "{result}"
        );
        assert_eq!((&result["coupons_issued"], &result["coupons_skipped"]), (&json!(1), &json!(1)));

        // Two levels at once; one level down; held within 30 days; refunds do not count.
        assert_eq!(level_of(&app, cast.climber).await, ("GOLD".to_owned(), Some(cast.at)));
        assert_eq!(level_of(&app, cast.holder).await, ("GOLD".to_owned(), Some(cast.at)));
        assert_eq!(level_of(&app, cast.faller).await, ("GOLD".to_owned(), Some(cast.at)));
        assert_eq!(level_of(&app, cast.recent).await.0, "GOLD");
        assert_eq!(level_of(&app, cast.refunder).await, ("STANDARD".to_owned(), None));
        assert_eq!(level_of(&app, cast.gone).await, ("STANDARD".to_owned(), None));

        let changes = level_change::Entity::find()
            .order_by_asc(level_change::Column::CustomerId)
            .all(&app.state.db)
            .await
            .unwrap();
        let seen: Vec<_> = changes
            .iter()
            .map(|c| (c.customer_id, c.from_level.as_str(), c.to_level.as_str(), c.score, c.analysis_id, c.changed_at))
            .collect();
        assert_eq!(seen, [
            (cast.climber, "STANDARD", "GOLD", 63, Some(id), cast.at),
            (cast.faller, "VIP", "GOLD", 0, Some(id), cast.at),
            (cast.holder, "STANDARD", "GOLD", 63, Some(id), cast.at),
        ]);

        // One congratulation coupon, of the new level, for the climber only.
        let issued = coupon::Entity::find().all(&app.state.db).await.unwrap();
        let new: Vec<_> = issued.iter().filter(|c| c.issue_job_id == Some(id)).collect();
        assert_eq!(new.len(), 1, "{issued:?}");
        let c = new[0];
        assert_eq!((c.customer_id, c.kind.as_str(), c.discount_kind.as_str(), c.value), (Some(cast.climber), "SPECIAL", "PERCENT", 5));
        assert_eq!((c.valid_from, c.valid_to), (cast.as_of, cast.as_of + Days::new(29)));
        assert_eq!((c.min_basket, c.per_customer_cap, c.status.as_str()), (10_000, 1, "ACTIVE"));

        // The moves: by customer, filterable, with the score and criteria and the coupon.
        let moves = app.call("GET", &format!("/api/v1/loyalty/analyses/{id}/moves"), Some(&marketing), None).await;
        assert_eq!(moves.status, 200, "{}", moves.body);
        let kinds: Vec<(i64, &str)> = moves.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["customer_id"].as_i64().unwrap(), m["kind"].as_str().unwrap()))
            .collect();
        assert_eq!(kinds, [
            (cast.climber, "PROMOTION"),
            (cast.faller, "DEMOTION"),
            (cast.recent, "HELD"),
            (cast.holder, "PROMOTION"),
        ]);
        let climber = &moves.body["items"][0];
        assert_eq!(climber["criteria"], json!({"frequency": 30, "regularity": 10, "recency": 20, "amount": 3}));
        assert_eq!((&climber["score"], &climber["from_level"], &climber["to_level"]), (&json!(63), &json!("STANDARD"), &json!("GOLD")));
        assert_eq!(climber["coupon_code"], json!(c.code));
        assert_eq!(climber["name"], "Aya Test");
        assert_eq!(moves.body["items"][3]["coupon_code"], Value::Null);
        let promotions = app
            .call("GET", &format!("/api/v1/loyalty/analyses/{id}/moves?kind=PROMOTION&per_page=1&page=2"), Some(&marketing), None)
            .await;
        assert_eq!((promotions.body["total"].as_u64(), promotions.body["items"][0]["customer_id"].as_i64()), (Some(2), Some(cast.holder)));

        // The export: French headers and words, one line per move.
        let csv = app
            .client
            .get(app.url(&format!("/api/v1/loyalty/analyses/{id}/moves/export")))
            .bearer_auth(&marketing)
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), 200);
        let text = csv.text().await.unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines[0], "N° client;Nom;Mouvement;Niveau avant;Niveau après;Score;Fréquence;Régularité;Récence;Montant;Coupon");
        assert_eq!(lines.len(), 5, "{text}");
        assert!(lines[2].contains(";Rétrogradation;VIP;GOLD;0;"), "{text}");
        assert!(lines[1].ends_with(&format!(";63;30;10;20;3;{}", c.code)), "{text}");

        // The same day again: nobody moves, nothing is issued.
        let levels_before: Vec<customer::Model> = customer::Entity::find().order_by_asc(customer::Column::Id).all(&app.state.db).await.unwrap();
        let again = analyse(&app, &marketing, body).await;
        let result = &again["result"];
        assert_eq!(again["status"], "SUCCEEDED", "{again}");
        assert_eq!((&result["promotions"], &result["demotions"], &result["coupons_issued"]), (&json!(0), &json!(0), &json!(0)), "{result}");
        assert_eq!(result["held"], 2, "the faller, just demoted, is held too: {result}");
        assert_eq!(result["before"], result["after"]);
        assert_eq!(customer::Entity::find().order_by_asc(customer::Column::Id).all(&app.state.db).await.unwrap(), levels_before);
        assert_eq!(app.count("level_changes").await, 3);
        assert_eq!(app.count("coupons").await, 2);

        // Both runs are listed, newest first; the list filters on the mode.
        let list = app.call("GET", "/api/v1/loyalty/analyses", Some(&marketing), None).await;
        let ids: Vec<i64> = list.body["items"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, [again["id"].as_i64().unwrap(), id]);
        let dry = app.call("GET", "/api/v1/loyalty/analyses?dry_run=true", Some(&marketing), None).await;
        assert_eq!(dry.body["total"], 0);
        let trail = crm_store::audit::for_entity(&app.state.db, "job", &id.to_string()).await.unwrap();
        assert_eq!(trail.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["loyalty.analysis"]);
    }
}

/// Everything a dry run must leave as it was.
#[derive(Debug, PartialEq)]
struct BusinessTables {
    customers: Vec<customer::Model>,
    level_changes: Vec<level_change::Model>,
    coupons: Vec<coupon::Model>,
    counts: Vec<i64>,
}

async fn business_tables(app: &TestApp) -> BusinessTables {
    let db = &app.state.db;
    let mut counts = Vec::new();
    for table in [
        "sales",
        "sale_lines",
        "payments",
        "points_ledger",
        "coupon_redemptions",
        "products",
        "users",
    ] {
        counts.push(app.count(table).await);
    }
    BusinessTables {
        customers: customer::Entity::find()
            .order_by_asc(customer::Column::Id)
            .all(db)
            .await
            .unwrap(),
        level_changes: level_change::Entity::find()
            .order_by_asc(level_change::Column::Id)
            .all(db)
            .await
            .unwrap(),
        coupons: coupon::Entity::find()
            .order_by_asc(coupon::Column::Id)
            .all(db)
            .await
            .unwrap(),
        counts,
    }
}

on_both_databases! {
    async fn a_dry_run_reports_its_moves_and_changes_nothing_else(app) {
        let cast = built_history(&app).await;
        let marketing = app.token_for(Role::Marketing).await;
        let before = business_tables(&app).await;
        let done = analyse(&app, &marketing, json!({"dry_run": true, "generate_coupons": true, "as_of": cast.as_of})).await;
        assert_eq!(done["status"], "SUCCEEDED", "{done}");
        let result = &done["result"];
        assert_eq!((&result["dry_run"], &result["promotions"], &result["demotions"], &result["held"]), (&json!(true), &json!(2), &json!(1), &json!(1)));
        assert_eq!((&result["coupons_issued"], &result["coupons_skipped"]), (&json!(1), &json!(1)), "counted, not issued");
        assert_eq!(result["after"], json!({"standard": 1, "silver": 0, "gold": 4, "vip": 0}));
        assert_eq!(business_tables(&app).await, before);
        // Its own report is there.
        let id = done["id"].as_i64().unwrap();
        let moves = app.call("GET", &format!("/api/v1/loyalty/analyses/{id}/moves"), Some(&marketing), None).await;
        assert_eq!(moves.body["total"], 4, "{}", moves.body);
        assert!(moves.body["items"].as_array().unwrap().iter().all(|m| m["coupon_code"].is_null()));
        let jobs = app.call("GET", &format!("/api/v1/jobs/{id}"), Some(&marketing), None).await;
        assert_eq!(jobs.body["kind"], "LOYALTY_DRY_RUN");
    }
}

on_both_databases! {
    async fn checkout_and_the_legacy_import_never_change_a_level(app) {
        let fixture = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/legacy");
        crm_server::import::legacy(&app.state, &fixture).await.expect("the fixture imports");
        let cashier = app.token_for(Role::Cashier).await;
        let created = app
            .call("POST", "/api/v1/customers", Some(&cashier), Some(json!({"phone": "0701234599", "first_name": "Aya"})))
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.body["customer"]["id"].as_i64().unwrap();
        let levels: Vec<(i64, String, Option<DateTime<Utc>>)> = customer::Entity::find()
            .order_by_asc(customer::Column::Id)
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.id, c.level, c.level_changed_at))
            .collect();
        // A big spender at the till, many times over.
        for _ in 0..13 {
            let sold = app
                .sell(&cashier, json!({
                    "customer_id": id,
                    // The fixture's rice, 4 500 FCFA.
                    "lines": [{"barcode": "6181000000017", "quantity": 10}],
                    "payments": [{"method": "ESPECES", "amount": 100_000}]
                }))
                .await;
            assert_eq!(sold.status, 201, "{}", sold.body);
        }
        // The import again: nothing new, nothing moved.
        crm_server::import::legacy(&app.state, &fixture).await.expect("imports again");
        let after: Vec<(i64, String, Option<DateTime<Utc>>)> = customer::Entity::find()
            .order_by_asc(customer::Column::Id)
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.id, c.level, c.level_changed_at))
            .collect();
        assert_eq!(after, levels);
        assert_eq!(app.count("level_changes").await, 0);
        // Only the analysis moves them.
        let marketing = app.token_for(Role::Marketing).await;
        let done = analyse(&app, &marketing, json!({})).await;
        assert_eq!(done["status"], "SUCCEEDED", "{done}");
        assert_eq!(level_of(&app, id).await.0, "GOLD", "{done}");
        assert!(app.count("level_changes").await >= 1);
    }
}

on_both_databases! {
    async fn who_may_start_and_read_analyses(app) {
        let cashier = app.token_for(Role::Cashier).await;
        let marketing = app.token_for(Role::Marketing).await;
        let director = app.token_for(Role::Director).await;
        let scheduler = app.service_token(&[Scope::LoyaltyRun]).await;
        let start = |token: &str| {
            let token = token.to_owned();
            let app = &app;
            async move { app.call("POST", "/api/v1/loyalty/analyses", Some(&token), Some(json!({"dry_run": true}))).await }
        };
        start(&cashier).await.assert_problem(403, "auth.forbidden");
        start(&director).await.assert_problem(403, "auth.forbidden");
        let by_marketing = start(&marketing).await;
        assert_eq!(by_marketing.status, 202, "{}", by_marketing.body);
        let first = finished(&app, &director, by_marketing.body["id"].as_i64().unwrap()).await;
        assert_eq!(first["status"], "SUCCEEDED");
        let by_scheduler = start(&scheduler).await;
        assert_eq!(by_scheduler.status, 202, "{}", by_scheduler.body);
        let id = by_scheduler.body["id"].as_i64().unwrap();
        assert_eq!(finished(&app, &scheduler, id).await["status"], "SUCCEEDED");
        let moves = app.call("GET", &format!("/api/v1/loyalty/analyses/{id}/moves"), Some(&scheduler), None).await;
        assert_eq!(moves.status, 200, "{}", moves.body);
        // The scheduler's account reaches nothing else.
        let customers = app.call("GET", "/api/v1/customers/1", Some(&scheduler), None).await;
        customers.assert_problem(403, "auth.forbidden");
        app.call("GET", "/api/v1/loyalty/analyses", Some(&cashier), None).await.assert_problem(403, "auth.forbidden");
        // A job of another kind is no analysis; a day to come is refused.
        let bulk = crm_store::jobs::start_exclusive(&app.state.db, JobKind::BulkIssue, &Actor::default(), &json!({})).await.unwrap();
        app.call("GET", &format!("/api/v1/loyalty/analyses/{}", bulk.id()), Some(&marketing), None)
            .await
            .assert_problem(404, "loyalty.analysis_not_found");
        let tomorrow = Utc::now().date_naive() + Days::new(2);
        let refused = app.call("POST", "/api/v1/loyalty/analyses", Some(&marketing), Some(json!({"as_of": tomorrow}))).await;
        refused.assert_problem(422, "validation.failed");
        let ancient = app.call("POST", "/api/v1/loyalty/analyses", Some(&marketing), Some(json!({"as_of": "1999-12-31"}))).await;
        ancient.assert_problem(422, "validation.failed");
        assert_eq!(app.count("jobs").await, 3, "refused starts record no job");
        app.call("POST", "/api/v1/loyalty/analyses", Some(&marketing), Some(json!({"dry": true})))
            .await
            .assert_problem(422, "request.invalid_body");
    }
}

on_both_databases! {
    async fn one_apply_at_a_time_while_a_dry_run_may_run_beside_it(app) {
        crm_server::demo::generate_customers(&app.state, 2_000).await.unwrap();
        let marketing = app.token_for(Role::Marketing).await;
        // Two applies at once: the lock lets one start.
        let apply = || app.call("POST", "/api/v1/loyalty/analyses", Some(&marketing), Some(json!({})));
        let (a, b) = futures::join!(apply(), apply());
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [202, 409], "{} {}", a.body, b.body);
        let refused = if a.status == 409 { &a } else { &b };
        refused.assert_problem(409, "job.already_running");
        let accepted = if a.status == 202 { &a } else { &b };
        let done = finished(&app, &marketing, accepted.body["id"].as_i64().unwrap()).await;
        assert_eq!(done["status"], "SUCCEEDED", "{done}");
        // While an apply is queued or running, a second apply may not start; a dry run may.
        let queued = crm_store::jobs::start_exclusive(&app.state.db, JobKind::LoyaltyAnalysis, &Actor::default(), &json!({}))
            .await
            .expect("the first apply is over");
        apply().await.assert_problem(409, "job.already_running");
        let dry = app.call("POST", "/api/v1/loyalty/analyses", Some(&marketing), Some(json!({"dry_run": true}))).await;
        assert_eq!(dry.status, 202, "{}", dry.body);
        assert_eq!(dry.body["as_of_day"], Value::Null, "a run of now names no day: {}", dry.body);
        assert_eq!(finished(&app, &marketing, dry.body["id"].as_i64().unwrap()).await["status"], "SUCCEEDED");
        crm_store::jobs::fail(&app.state.db, queued.id(), "test").await.unwrap();
        assert_eq!(done["result"]["customers"], 2_000, "{done}");
    }
}
