//! `GET /loyalty/stats` on a built history, on SQLite and PostgreSQL: customers at each
//! level, sales sold through the API then dated back into and out of the 30- and 90-day
//! windows, refunded and cancelled sales, an anonymous sale and an erased customer. The
//! expected figures are computed here from what was inserted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use chrono::{DateTime, Duration, Utc};
use crm_domain::loyalty::stats::percent_of;
use crm_domain::{Level, Role};
use crm_tests::{on_both_databases, Backend, TestApp};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What becomes of a sale once made.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    Kept,
    Refunded,
    Cancelled,
}

/// One sale of a customer: how long ago, how many bags of rice (4 500 FCFA), its fate.
struct Planned {
    age: Duration,
    bags: i64,
    fate: Fate,
}

fn sale(age: Duration, bags: i64, fate: Fate) -> Planned {
    Planned { age, bags, fate }
}

fn days(d: i64) -> Duration {
    Duration::days(d)
}

/// A sale made, as the stats should see it.
struct Made {
    customer: Option<i64>,
    at: DateTime<Utc>,
    total: i64,
    fate: Fate,
}

struct World {
    /// Active customers and their level.
    customers: BTreeMap<i64, Level>,
    sales: Vec<Made>,
}

async fn backdate(app: &TestApp, sale_id: i64, at: DateTime<Utc>) {
    let sql = match app.backend {
        Backend::Sqlite => "UPDATE sales SET created_at = ? WHERE id = ?",
        Backend::Postgres => "UPDATE sales SET created_at = $1 WHERE id = $2",
    };
    let db = &app.state.db;
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [at.into(), sale_id.into()],
    ))
    .await
    .unwrap();
}

/// Sells `planned` to `customer` (None: anonymous), reverses it as planned, and dates it
/// back.
async fn make(
    app: &TestApp,
    (cashier, director): (&str, &str),
    customer: Option<i64>,
    planned: &Planned,
    now: DateTime<Utc>,
) -> Made {
    let reply = app
        .sell(
            cashier,
            json!({"customer_id": customer,
                   "lines": [{"barcode": TestApp::demo_barcode(0), "quantity": planned.bags}],
                   "payments": [{"method": "ESPECES", "amount": 4_500 * planned.bags}]}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.body["id"].as_i64().unwrap();
    let reversal = match planned.fate {
        Fate::Kept => None,
        Fate::Refunded => Some((director, "refund")),
        Fate::Cancelled => Some((cashier, "cancel")),
    };
    if let Some((who, action)) = reversal {
        let done = app
            .call(
                "POST",
                &format!("/api/v1/sales/{id}/{action}"),
                Some(who),
                Some(json!({"reason": "erreur de caisse"})),
            )
            .await;
        assert_eq!(done.status, 200, "{}", done.body);
    }
    let at = now - planned.age;
    backdate(app, id, at).await;
    Made {
        customer,
        at,
        total: reply.body["total"].as_i64().unwrap(),
        fate: planned.fate,
    }
}

/// Builds the history: customers of every level, one without any sale, sales on either
/// side of each window's edge, reversed sales, a VIP customer later erased, an anonymous
/// sale, and twelve VIP customers for a top ten.
async fn build(app: &TestApp) -> World {
    app.seed_catalogue().await;
    let cashier = app.token_for(Role::Cashier).await;
    let director = app.token_for(Role::Director).await;
    let marketing = app.token_for(Role::Marketing).await;
    let tokens = (cashier.as_str(), director.as_str());
    let now = Utc::now();
    let hour = Duration::hours(1);
    use Fate::*;
    let mut plans: Vec<(Level, Vec<Planned>)> = vec![
        (Level::Standard, vec![sale(days(2), 1, Kept)]),
        (Level::Standard, vec![]),
        (
            Level::Standard,
            vec![sale(days(30) + hour, 2, Kept), sale(days(95), 3, Kept)],
        ),
        (
            Level::Silver,
            vec![sale(days(10), 2, Kept), sale(days(10), 4, Refunded)],
        ),
        (Level::Silver, vec![sale(days(30) - hour, 5, Cancelled)]),
        (
            Level::Gold,
            vec![sale(days(90) - hour, 3, Kept), sale(days(1), 1, Kept)],
        ),
        (Level::Gold, vec![sale(days(90) + hour, 6, Kept)]),
    ];
    for i in 0..12 {
        let mut sales = vec![sale(days(i + 1), i + 1, Kept)];
        match i {
            // Would top the list if the window's edge or a refund were ignored.
            0 => sales.push(sale(days(90) + hour, 40, Kept)),
            1 => sales.push(sale(days(3), 40, Refunded)),
            _ => {}
        }
        plans.push((Level::Vip, sales));
    }

    let mut world = World {
        customers: BTreeMap::new(),
        sales: Vec::new(),
    };
    for (n, (level, sales)) in plans.iter().enumerate() {
        let id = customer(app, &cashier, n, *level).await;
        world.customers.insert(id, *level);
        for planned in sales {
            world
                .sales
                .push(make(app, tokens, Some(id), planned, now).await);
        }
    }
    // An anonymous sale, and a VIP customer who bought most of all and was then erased:
    // neither counts.
    make(app, tokens, None, &sale(days(1), 9, Kept), now).await;
    let erased = customer(app, &cashier, 99, Level::Vip).await;
    make(app, tokens, Some(erased), &sale(days(1), 60, Kept), now).await;
    let reply = app
        .call(
            "POST",
            &format!("/api/v1/customers/{erased}/erase"),
            Some(&marketing),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    world
}

async fn customer(app: &TestApp, cashier: &str, n: usize, level: Level) -> i64 {
    let created = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(cashier),
            Some(json!({"phone": format!("0701{n:06}"), "first_name": format!("Client{n}"), "last_name": "Koné"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["customer"]["id"].as_i64().unwrap();
    crm_store::demo::set_standing(&app.state.db, id, level, 0, 0, 0)
        .await
        .unwrap();
    id
}

impl World {
    /// Kept sales of active customers within the last `window` before `at`.
    fn bought(&self, at: DateTime<Utc>, window: Duration) -> impl Iterator<Item = (i64, &Made)> {
        self.sales.iter().filter_map(move |s| {
            let customer = s.customer.filter(|c| self.customers.contains_key(c))?;
            (s.fate == Fate::Kept && at - window < s.at && s.at <= at).then_some((customer, s))
        })
    }
}

on_both_databases! {
    async fn the_stats_page_counts_levels_activity_revenue_and_top_vip(app) {
        let world = build(&app).await;
        let reply = app.call("GET", "/api/v1/loyalty/stats", Some(&app.token_for(Role::Director).await), None).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let stats = &reply.body;
        let at: DateTime<Utc> = stats["at"].as_str().unwrap().parse().unwrap();

        let total = i64::try_from(world.customers.len()).unwrap();
        assert_eq!(stats["customers"], total, "active customers: the erased one is not");
        let count = |level| i64::try_from(world.customers.values().filter(|l| **l == level).count()).unwrap();
        let mut revenue: BTreeMap<Level, i64> = BTreeMap::new();
        for (customer, s) in world.bought(at, days(90)) {
            *revenue.entry(world.customers[&customer]).or_default() += s.total;
        }
        let levels = stats["levels"].as_array().unwrap();
        assert_eq!(levels.len(), 4);
        for (row, level) in levels.iter().zip(Level::ALL) {
            let (n, rev) = (count(level), revenue.get(&level).copied().unwrap_or(0));
            assert_eq!(row["level"], level.as_str());
            assert_eq!(row["customers"], n, "{level:?}");
            assert_eq!(row["percent"], percent_of(n, total), "{level:?}");
            assert_eq!(row["revenue_3m"], rev, "{level:?}");
            // Half up: (2 × revenue + n) ÷ 2n.
            let each = if n == 0 { 0 } else { (2 * rev + n) / (2 * n) };
            assert_eq!(row["revenue_per_customer"], each, "{level:?}");
        }
        assert!(revenue[&Level::Standard] > 0 && revenue[&Level::Gold] > 0, "the history reaches every level");

        let active: std::collections::BTreeSet<i64> = world.bought(at, days(30)).map(|(c, _)| c).collect();
        let active = i64::try_from(active.len()).unwrap();
        assert_eq!(stats["active_30d"], active);
        assert_eq!(stats["activity_rate"], percent_of(active, total));
        let loyal = total - count(Level::Standard);
        assert_eq!(stats["loyalty_rate"], percent_of(loyal, total));

        // The top ten VIP by 90-day revenue, most first (ties by id).
        let mut vip: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        for (customer, s) in world.bought(at, days(90)) {
            if world.customers[&customer] == Level::Vip {
                let entry = vip.entry(customer).or_default();
                entry.0 += s.total;
                entry.1 += 1;
            }
        }
        let mut expected: Vec<(i64, i64, i64)> = vip.into_iter().map(|(id, (rev, n))| (id, rev, n)).collect();
        expected.sort_by_key(|(id, rev, _)| (-rev, *id));
        expected.truncate(10);
        let top: Vec<(i64, i64, i64)> = stats["top_vip"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["customer_id"].as_i64().unwrap(), t["revenue_3m"].as_i64().unwrap(), t["purchases_3m"].as_i64().unwrap()))
            .collect();
        assert_eq!(top, expected);
        assert!(stats["top_vip"][0]["name"].as_str().unwrap().ends_with(" Koné"));
        assert!(stats["top_vip"][0]["customer_number"].as_str().unwrap().starts_with("CLT"));
        assert_eq!(stats["last_analysis"], Value::Null);
    }
}

on_both_databases! {
    async fn an_empty_base_gives_zeros_not_errors(app) {
        let reply = app.call("GET", "/api/v1/loyalty/stats", Some(&app.token_for(Role::Marketing).await), None).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["customers"], 0);
        assert_eq!(reply.body["activity_rate"], "0.0");
        assert_eq!(reply.body["loyalty_rate"], "0.0");
        assert!(reply.body["levels"].as_array().unwrap().iter().all(|l| l["customers"] == 0 && l["percent"] == "0.0"));
        assert_eq!(reply.body["top_vip"], json!([]));
    }
}
