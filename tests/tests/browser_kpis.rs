//! The KPI dashboard (`/kpi`) in headless Chromium against the real server and the demo
//! store, with a history sold through the API and dated over the last weeks: the director
//! opens it from the menu; each period and segment chosen (buttons, the keyboard, a
//! custom period typed `jj/mm/aaaa`) shows on the cards and charts the figures
//! `GET /kpis` gives the test for the same filters; the URL carries them, a reload keeps
//! them and « Retour » goes back to the previous ones; the exports fetch
//! `/kpis/export` with the filters on screen; « Imprimer » opens the print dialog and the
//! print stylesheet keeps the figures only, on A4; a network failure shows a French
//! message and « Réessayer » without blanking the page; an empty period says so, never
//! NaN; the cashier has no entry and a direct visit is refused.
//!
//! Element ids the test relies on (keep them stable): `[data-nav=kpi]`; filters
//! `button[data-period=7d|30d|90d|180d|365d|custom]`, `button[data-segment=ALL|STANDARD|…]`
//! (`aria-pressed`), `#kpi-from`, `#kpi-to`, `#kpi-apply`; `#kpi-scope`, `#kpi-generated`,
//! `.kpi-body[aria-busy]`, `#kpi-error`, `#kpi-retry`; cards `#kpi-identification`,
//! `#kpi-customers`, `#kpi-coupons`, `#kpi-discounts`, `#kpi-retention`, `#kpi-frequency`,
//! each with `.kpi-value`, `.kpi-previous-value`, `.kpi-change-text`, `.kpi-target[data-met]`;
//! charts `#kpi-identification-line`, `#kpi-revenue-line` (`g.chart-line circle[data-value]`),
//! `#kpi-customers-area` (`path.chart-area`), `#kpi-chart-segments` (`circle.donut-segment[data-key]`,
//! `#kpi-segments tr[data-segment]`), `#kpi-coupons-bars`, `#kpi-basket-bars`
//! (`g.chart-bar[data-key][data-value]`), `.kpi-empty`; `#kpi-export-csv`,
//! `#kpi-export-xlsx`, `#kpi-print`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use chrono::{Duration, NaiveDate, Utc};
use crm_domain::money::group_thousands;
use crm_tests::webdriver::{plain, Browser, ENTER, TAB};
use crm_tests::{demo_store_in_browser, TestApp};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value as SqlValue};
use serde_json::{json, Value};

async fn token(app: &TestApp, username: &str, password: &str) -> String {
    app.login_body(username, password).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
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

/// The demo customer with this phone.
async fn customer(app: &TestApp, cashier: &str, phone: &str) -> i64 {
    let reply = app
        .call(
            "POST",
            "/api/v1/customers/identify",
            Some(cashier),
            Some(json!({ "phone": phone })),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["customer"]["id"].as_i64().unwrap()
}

/// Sells `quantity` of demo product `product` through the checkout, then dates the sale
/// (and its coupon use) `days_ago` days back, at noon (Abidjan is UTC).
async fn sell(
    app: &TestApp,
    cashier: &str,
    days_ago: i64,
    customer: Option<i64>,
    product: usize,
    quantity: i64,
    coupon: Option<&str>,
) {
    let reply = app
        .sell(
            cashier,
            json!({"customer_id": customer, "coupon_code": coupon,
                   "lines": [{"barcode": TestApp::demo_barcode(product), "quantity": quantity}],
                   "payments": [{"method": "ESPECES", "amount": 500_000}]}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.body["id"].as_i64().unwrap();
    if days_ago == 0 {
        return;
    }
    let day = Utc::now().date_naive() - Duration::days(days_ago);
    let noon = day.and_hms_opt(12, 0, 0).unwrap().and_utc();
    exec(
        app,
        "UPDATE sales SET business_date = $1, created_at = $2 WHERE id = $3",
        vec![day.into(), noon.into(), id.into()],
    )
    .await;
    exec(
        app,
        "UPDATE coupon_redemptions SET at = $1 WHERE sale_id = $2",
        vec![noon.into(), id.into()],
    )
    .await;
}

async fn coupon(app: &TestApp, marketing: &str, code: &str) {
    let today = Utc::now().date_naive();
    let reply = app
        .call(
            "POST",
            "/api/v1/coupons",
            Some(marketing),
            Some(
                json!({"kind": "GENERIC", "code": code, "discount_kind": "FIXED", "value": 500,
                        "description": "KPI", "valid_from": today - Duration::days(60),
                        "valid_to": today + Duration::days(30), "stacks_with_loyalty": true,
                        "per_customer_cap": 10}),
            ),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

/// A month and a half of sales: in the last 7 days, the 7 before, the 30 days and beyond,
/// identified at each level and anonymous, two coupons used. Today's sales stay today.
async fn history(app: &TestApp) {
    let cashier = token(app, "caisse", "Caisse2026!").await;
    let marketing = token(app, "marketing", "Marketing2026!").await;
    coupon(app, &marketing, "KPIUN").await;
    coupon(app, &marketing, "KPIDEUX").await;
    let aya = customer(app, &cashier, "0701234567").await; // GOLD
    let koffi = customer(app, &cashier, "0505112233").await; // SILVER
    let fatou = customer(app, &cashier, "0102030405").await; // VIP
    let jean_marc = customer(app, &cashier, "0708091011").await; // STANDARD
    let ibrahim = customer(app, &cashier, "2722446688").await; // SILVER
    let c = &cashier;
    sell(app, c, 0, Some(aya), 3, 1, None).await;
    sell(app, c, 1, Some(aya), 0, 2, Some("KPIUN")).await;
    sell(app, c, 1, None, 1, 1, None).await;
    sell(app, c, 1, Some(koffi), 2, 1, Some("KPIDEUX")).await;
    sell(app, c, 3, Some(fatou), 0, 3, Some("KPIUN")).await;
    sell(app, c, 3, None, 4, 2, None).await;
    sell(app, c, 5, Some(jean_marc), 5, 1, None).await;
    sell(app, c, 10, Some(aya), 1, 1, None).await;
    sell(app, c, 12, Some(jean_marc), 0, 1, None).await;
    sell(app, c, 12, None, 2, 3, None).await;
    sell(app, c, 12, None, 0, 1, None).await;
    sell(app, c, 20, Some(ibrahim), 6, 2, Some("KPIUN")).await;
    sell(app, c, 20, Some(fatou), 7, 1, None).await;
    sell(app, c, 40, Some(koffi), 0, 4, None).await;
    sell(app, c, 40, None, 1, 1, None).await;
    // The sales were dated by hand: the daily totals are rebuilt, as after an import.
    crm_store::sales::rebuild_rollups(&app.state.db)
        .await
        .unwrap();
}

async fn kpis(app: &TestApp, token: &str, query: &str) -> Value {
    let reply = app
        .call("GET", &format!("/api/v1/kpis?{query}"), Some(token), None)
        .await;
    assert_eq!(reply.status, 200, "{query}: {}", reply.body);
    reply.body
}

/// A figure the API writes with four places (`"0.8333"`) in ten-thousandths (8333).
fn ten_thousandths(value: &Value) -> i64 {
    let text = value.as_str().unwrap();
    let (whole, places) = text.split_once('.').unwrap_or((text, ""));
    let places = format!("{places:0<4}");
    whole.parse::<i64>().unwrap() * 10_000 + places.parse::<i64>().unwrap()
}

/// `n ÷ by`, half away from zero.
fn rounded(n: i64, by: i64) -> i64 {
    n.signum() * ((n.abs() + by / 2) / by)
}

/// Tenths as the page writes them: `833` → `83,3`, `1000` → `100` (no sign).
fn tenths(n: i64) -> String {
    let (whole, tenth) = (n.abs() / 10, n.abs() % 10);
    if tenth == 0 {
        whole.to_string()
    } else {
        format!("{whole},{tenth}")
    }
}

/// A rate as the page writes it: `"0.8333"` → `83,3 %` (one decimal, half up), worked
/// out here from the digits.
fn percent(rate: &Value) -> String {
    format!("{} %", tenths(rounded(ten_thousandths(rate), 10)))
}

/// The change of a rate in points: `+16,7 pts`, `−1,5 pt`, `0 pt`; `n.s.` when either
/// rate is over nothing.
fn points(current: &Value, previous: &Value) -> String {
    if current["denominator"] == 0 || previous["denominator"] == 0 {
        return "n.s.".to_owned();
    }
    let delta = rounded(
        ten_thousandths(&current["value"]) - ten_thousandths(&previous["value"]),
        10,
    );
    let sign = match delta.signum() {
        1 => "+",
        -1 => "\u{2212}",
        _ => "",
    };
    let unit = if delta.abs() < 20 { "pt" } else { "pts" };
    format!("{sign}{} {unit}", tenths(delta))
}

/// `"1.6667"` → `1,7`.
fn one_decimal(value: &Value) -> String {
    tenths(rounded(ten_thousandths(value), 1_000))
}

fn money(francs: &Value) -> String {
    plain(&format!(
        "{} FCFA",
        group_thousands(francs.as_i64().unwrap())
    ))
}

fn count(value: &Value) -> String {
    plain(&group_thousands(value.as_i64().unwrap()))
}

fn day(value: &Value) -> String {
    NaiveDate::parse_from_str(value.as_str().unwrap(), "%Y-%m-%d")
        .unwrap()
        .format("%d/%m/%Y")
        .to_string()
}

/// Waits until the page shows the figures of `d` (its period and segment), done loading.
async fn wait_for_figures_of(browser: &Browser, d: &Value) {
    let segment = match d["segment"].as_str() {
        Some(level) => format!("Segment {}", level_name(level)),
        None => "Tous les clients".to_owned(),
    };
    let scope = format!(
        "du {} au {} · {segment}",
        day(&d["period"]["first_day"]),
        day(&d["period"]["last_day"])
    );
    browser.wait_for_text("#kpi-scope", &scope).await.unwrap();
    browser
        .wait_for(".kpi-body[aria-busy=false]")
        .await
        .unwrap();
}

fn level_name(level: &str) -> &'static str {
    match level {
        "STANDARD" => "Standard",
        "SILVER" => "Silver",
        "GOLD" => "Gold",
        "VIP" => "VIP",
        other => panic!("unknown level {other}"),
    }
}

/// The target `name` of the dashboard: met or not.
fn target_met(d: &Value, name: &str) -> String {
    d["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["target"] == name)
        .unwrap()["met"]
        .to_string()
}

/// Every card and chart of the page against `d`, the API's answer for the same filters.
async fn assert_page_shows(browser: &Browser, d: &Value) {
    wait_for_figures_of(browser, d).await;
    let text = |css: &'static str| async move { browser.text_of(css).await.unwrap() };

    // The six cards: value, previous value, change, target.
    let id = &d["identification"];
    assert_eq!(
        text("#kpi-identification .kpi-value").await,
        percent(&id["current"]["value"])
    );
    assert_eq!(
        text("#kpi-identification .kpi-previous-value").await,
        percent(&id["previous"]["value"])
    );
    assert_eq!(
        plain(&text("#kpi-identification .kpi-change-text").await),
        points(&id["current"], &id["previous"])
    );
    let met = browser
        .attributes("#kpi-identification .kpi-target", "data-met")
        .await
        .unwrap();
    assert_eq!(met, [target_met(d, "IDENTIFICATION")]);
    assert_eq!(
        text("#kpi-customers .kpi-value").await,
        count(&d["customer_base"]["current"]["total"])
    );
    assert_eq!(
        browser
            .attributes("#kpi-customers .kpi-target", "data-met")
            .await
            .unwrap(),
        [target_met(d, "LOYAL_CUSTOMERS")]
    );
    assert_eq!(
        text("#kpi-coupons .kpi-value").await,
        percent(&d["coupons"]["current"]["rate"]["value"])
    );
    assert_eq!(
        text("#kpi-discounts .kpi-value").await,
        money(&d["discounts"]["current"]["margin_after_discounts"])
    );
    assert_eq!(
        text("#kpi-discounts .kpi-previous-value").await,
        money(&d["discounts"]["previous"]["margin_after_discounts"])
    );
    assert_eq!(
        text("#kpi-retention .kpi-value").await,
        percent(&d["retention"]["current"]["retention"]["value"])
    );
    assert_eq!(
        text("#kpi-frequency .kpi-value").await,
        one_decimal(&d["frequency"]["current"]["identified"]["frequency"]["value"])
    );
    let generated = chrono::DateTime::parse_from_rfc3339(d["generated_at"].as_str().unwrap())
        .unwrap()
        .format("%H:%M")
        .to_string();
    assert_eq!(
        text("#kpi-generated").await,
        format!("Calculé à {generated}")
    );

    assert!(
        !browser.text_of("main").await.unwrap().contains("NaN"),
        "no NaN on the page"
    );
    if d["discounts"]["current"]["sales"] == 0 {
        // No sale: the sales charts say so rather than draw zeros.
        assert_eq!(
            browser
                .texts("#kpi-chart-identification .kpi-empty")
                .await
                .unwrap(),
            ["Aucune vente sur la période"]
        );
        for chart in ["identification", "revenue", "segments", "basket"] {
            let css = format!("#kpi-chart-{chart} svg.chart, #kpi-chart-{chart} svg.donut");
            assert_eq!(browser.count(&css).await.unwrap(), 0, "{chart}");
            let css = format!("#kpi-chart-{chart} .kpi-empty");
            assert_eq!(browser.count(&css).await.unwrap(), 1, "{chart}");
        }
        return;
    }

    // Lines: a point per bucket of the series that has sales, at the API's figures.
    let series = d["identification"]["series"].as_array().unwrap();
    let expected: Vec<String> = series
        .iter()
        .filter(|p| p["rate"]["denominator"] != 0)
        .map(|p| rounded(ten_thousandths(&p["rate"]["value"]), 100).to_string())
        .collect();
    assert_eq!(
        browser
            .attributes("#kpi-identification-line circle", "data-value")
            .await
            .unwrap(),
        expected,
        "identification rate per point, whole percent"
    );
    let net: Vec<String> = d["discounts"]["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["net_revenue"].to_string())
        .collect();
    assert_eq!(
        browser
            .attributes(
                "#kpi-revenue-line g.chart-line[data-series='CA net'] circle",
                "data-value"
            )
            .await
            .unwrap(),
        net,
        "net revenue per point"
    );
    // Stacked areas: a band per level, the segment's only with a segment.
    let bands = browser
        .attributes("#kpi-customers-area path.chart-area", "data-series")
        .await
        .unwrap();
    let counted = d["customer_base"]["series"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["levels"].as_object().unwrap().values().any(|n| n != 0));
    match d["segment"].as_str() {
        _ if !counted => assert!(bands.is_empty(), "no customer: no band"),
        Some(level) => assert_eq!(bands, [level_name(level)]),
        None => assert_eq!(bands, ["Standard", "Silver", "Gold", "VIP"]),
    }
    // Doughnut: a slice per segment of the revenue, with its amount in the legend.
    let segments = d["revenue_by_segment"].as_array().unwrap();
    let keys: Vec<String> = segments
        .iter()
        .map(|s| s["level"].as_str().unwrap_or("ANONYMOUS").to_owned())
        .collect();
    assert_eq!(
        browser
            .attributes("#kpi-chart-segments circle.donut-segment", "data-key")
            .await
            .unwrap(),
        keys
    );
    let amounts: Vec<String> = segments.iter().map(|s| money(&s["revenue"])).collect();
    assert_eq!(
        browser
            .texts("#kpi-segments tr[data-segment] .segment-revenue")
            .await
            .unwrap(),
        amounts
    );
    // Bars: the top coupons by uses, the average basket per level.
    let top = d["top_coupons"].as_array().unwrap();
    let codes: Vec<String> = top
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect();
    let uses: Vec<String> = top.iter().map(|c| c["uses"].to_string()).collect();
    assert_eq!(
        browser
            .attributes("#kpi-coupons-bars g.chart-bar", "data-key")
            .await
            .unwrap(),
        codes
    );
    assert_eq!(
        browser
            .attributes("#kpi-coupons-bars g.chart-bar", "data-value")
            .await
            .unwrap(),
        uses
    );
    let f = &d["frequency"]["current"];
    let mut baskets: Vec<(String, String)> = f["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["level"].as_str().unwrap().to_owned(),
                l["average_basket"].to_string(),
            )
        })
        .collect();
    if d["segment"].is_null() && f["anonymous"]["sales"].as_i64().unwrap() > 0 {
        baskets.push((
            "ANONYMOUS".to_owned(),
            f["anonymous"]["average_basket"].to_string(),
        ));
    }
    let keys = browser
        .attributes("#kpi-basket-bars g.chart-bar", "data-key")
        .await
        .unwrap();
    let values = browser
        .attributes("#kpi-basket-bars g.chart-bar", "data-value")
        .await
        .unwrap();
    assert_eq!(keys.into_iter().zip(values).collect::<Vec<_>>(), baskets);
}

/// Whether the filter button matching `css` is pressed.
async fn pressed(browser: &Browser, css: &str) -> bool {
    browser.attributes(css, "aria-pressed").await.unwrap() == ["true"]
}

/// The URL's path and query, once it ends with `query`.
async fn wait_for_url(browser: &Browser, query: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let url = browser.current_url().await.unwrap();
        if url.ends_with(query) {
            return url;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "waited 15 s for the URL to end with {query}; it is {url}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_director_reads_the_dashboard_as_the_api_computes_it() {
    let (app, browser) = demo_store_in_browser().await;
    history(&app).await;
    let director = token(&app, "dg", "Direction2026!").await;
    browser.set_viewport_size(1366, 768).await.unwrap();

    browser
        .log_in(&app.base_url, "dg", "Direction2026!")
        .await
        .unwrap();
    browser.click_on("[data-nav=kpi]").await.unwrap();
    wait_for_url(&browser, "/kpi").await;
    // No filter in the URL: the last 30 days, every sale.
    let month = kpis(&app, &director, "period=30d").await;
    assert_page_shows(&browser, &month).await;
    assert!(pressed(&browser, "button[data-period='30d']").await);
    assert!(pressed(&browser, "button[data-segment=ALL]").await);
    // The bar chart of coupon uses (counts up to a few on a floor of 5) has a grid line
    // and a label at every step: the "4" docs/screenshots/fidelite.png lacked.
    assert_eq!(
        browser
            .texts("#kpi-coupons-bars .chart-grid text")
            .await
            .unwrap(),
        ["0", "1", "2", "3", "4", "5"]
    );
    browser.keep_screenshot(None, "kpi.png").await.unwrap();
    browser
        .keep_screenshot(Some(".kpi-charts"), "kpi-charts.png")
        .await
        .unwrap();
    browser
        .keep_screenshot(Some("#kpi-chart-coupons"), "kpi-bars.png")
        .await
        .unwrap();
    // In English too.
    browser.click_on("#lang-switch").await.unwrap();
    browser
        .wait_for_text(".kpi-header h1", "KPI dashboard")
        .await
        .unwrap();
    browser
        .wait_for_text("#kpi-scope", "Last 30 days")
        .await
        .unwrap();
    browser
        .keep_screenshot(Some(".kpi-cards"), "kpi-en.png")
        .await
        .unwrap();
    browser.click_on("#lang-switch").await.unwrap();
    browser
        .wait_for_text(".kpi-header h1", "Tableau de bord KPI")
        .await
        .unwrap();

    // Seven days: other figures (fewer sales), and the URL says so.
    browser.click_on("button[data-period='7d']").await.unwrap();
    wait_for_url(&browser, "/kpi?period=7d").await;
    let week = kpis(&app, &director, "period=7d").await;
    assert_ne!(
        week["discounts"]["current"]["sales"], month["discounts"]["current"]["sales"],
        "the history gives the two periods different figures"
    );
    assert_page_shows(&browser, &week).await;
    let days_with_sales = week["identification"]["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["rate"]["denominator"] != 0)
        .count();
    assert_eq!(
        week["identification"]["series"].as_array().unwrap().len(),
        7,
        "a point per day"
    );
    assert_eq!(
        browser
            .count("#kpi-identification-line circle")
            .await
            .unwrap(),
        days_with_sales as u64,
        "a dot for each day with sales, none for the others"
    );
    assert!(days_with_sales < 7, "the history has days without sales");

    // Gold customers only.
    browser.click_on("button[data-segment=GOLD]").await.unwrap();
    wait_for_url(&browser, "/kpi?period=7d&segment=GOLD").await;
    let gold = kpis(&app, &director, "period=7d&segment=GOLD").await;
    assert_ne!(
        gold["identification"]["current"],
        week["identification"]["current"]
    );
    assert_page_shows(&browser, &gold).await;

    // A reload (or the link sent to a colleague) shows the same view.
    browser.refresh().await.unwrap();
    wait_for_url(&browser, "/kpi?period=7d&segment=GOLD").await;
    assert_page_shows(&browser, &gold).await;
    assert!(pressed(&browser, "button[data-period='7d']").await);
    assert!(pressed(&browser, "button[data-segment=GOLD]").await);
    assert!(!pressed(&browser, "button[data-segment=ALL]").await);

    // « Retour » goes back to the previous filter.
    browser.back().await.unwrap();
    wait_for_url(&browser, "/kpi?period=7d").await;
    assert_page_shows(&browser, &week).await;
    assert!(pressed(&browser, "button[data-segment=ALL]").await);

    // The keyboard: Tab from « 30 jours » reaches « 90 jours », Enter applies it.
    let thirty = browser.find("button[data-period='30d']").await.unwrap();
    browser.send_keys(&thirty, TAB).await.unwrap();
    let focused = browser.active_element().await.unwrap();
    let focused_period = browser
        .execute("return document.activeElement.dataset.period;", vec![])
        .await
        .unwrap();
    assert_eq!(focused_period, "90d", "Tab goes to the next period");
    browser.send_keys(&focused, ENTER).await.unwrap();
    wait_for_url(&browser, "/kpi?period=90d").await;
    assert_page_shows(&browser, &kpis(&app, &director, "period=90d").await).await;

    // A custom period typed jj/mm/aaaa, applied by Enter in the second day.
    browser
        .click_on("button[data-period=custom]")
        .await
        .unwrap();
    let today = Utc::now().date_naive();
    let (from, to) = (today - Duration::days(14), today - Duration::days(2));
    let field = browser.wait_for("#kpi-from").await.unwrap();
    browser.clear(&field).await.unwrap();
    browser
        .send_keys(&field, &from.format("%d/%m/%Y").to_string())
        .await
        .unwrap();
    let field = browser.find("#kpi-to").await.unwrap();
    browser.clear(&field).await.unwrap();
    browser
        .send_keys(&field, &format!("{}{ENTER}", to.format("%d/%m/%Y")))
        .await
        .unwrap();
    let query = format!("period=custom&from={from}&to={to}");
    wait_for_url(&browser, &format!("/kpi?{query}")).await;
    assert_page_shows(&browser, &kpis(&app, &director, &query).await).await;
    assert!(pressed(&browser, "button[data-period=custom]").await);

    // Back to seven days of VIP customers, then the exports of what is on screen.
    browser.click_on("button[data-period='7d']").await.unwrap();
    browser.click_on("button[data-segment=VIP]").await.unwrap();
    wait_for_url(&browser, "/kpi?period=7d&segment=VIP").await;
    let vip = kpis(&app, &director, "period=7d&segment=VIP").await;
    assert_page_shows(&browser, &vip).await;
    browser
        .execute(
            "window.__fetched = []; window.__files = [];
             const realFetch = window.fetch;
             window.fetch = function (input, init) {
                 window.__fetched.push(typeof input === 'string' ? input : input.url);
                 return realFetch.apply(this, arguments);
             };
             const realUrl = URL.createObjectURL;
             URL.createObjectURL = function (blob) {
                 window.__files.push({type: blob.type, size: blob.size});
                 return realUrl.call(URL, blob);
             };
             window.__printed = 0;
             window.print = function () { window.__printed += 1; };",
            vec![],
        )
        .await
        .unwrap();
    let csv = app
        .client
        .get(app.url("/api/v1/kpis/export?format=csv&period=7d&segment=VIP"))
        .bearer_auth(&director)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    browser.click_on("#kpi-export-csv").await.unwrap();
    saved_files(&browser, 1).await;
    browser.click_on("#kpi-export-xlsx").await.unwrap();
    let files = saved_files(&browser, 2).await;
    let fetched = browser
        .execute(
            // gloo-net 0.6 joins the URL's query and its own (empty) parameters with a
            // `&`: `…&segment=VIP&` is the same request.
            "return window.__fetched.filter(u => u.includes('/kpis/export')).map(u => u.replace(/&$/, ''));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        fetched,
        json!([
            app.url("/api/v1/kpis/export?format=csv&period=7d&segment=VIP"),
            app.url("/api/v1/kpis/export?format=xlsx&period=7d&segment=VIP"),
        ])
    );
    assert_eq!(files[0]["type"], "text/csv;charset=utf-8");
    assert_eq!(
        files[0]["size"].as_u64().unwrap(),
        csv.len() as u64,
        "the CSV the server sends, whole"
    );
    assert_eq!(
        files[1]["type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(files[1]["size"].as_u64().unwrap() > 1_000, "a workbook");
    browser.click_on("#kpi-print").await.unwrap();
    assert_eq!(
        browser
            .execute("return window.__printed;", vec![])
            .await
            .unwrap(),
        1,
        "« Imprimer » opens the print dialog"
    );

    // The print layout: the figures and charts only, three cards a row, on A4.
    browser.emulate_media("print").await.unwrap();
    let layout = browser
        .execute(
            "const shown = s => { const e = document.querySelector(s); return !!e && getComputedStyle(e).display !== 'none'; };
             return {menu: shown('.sidenav'), bar: shown('.topbar'), filters: shown('.kpi-filters'),
                     actions: shown('.kpi-actions'), title: shown('.kpi-header h1'), scope: shown('#kpi-scope'),
                     cards: getComputedStyle(document.querySelector('.kpi-cards')).gridTemplateColumns.split(' ').length,
                     charts: getComputedStyle(document.querySelector('.kpi-charts')).gridTemplateColumns.split(' ').length};",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        layout,
        json!({"menu": false, "bar": false, "filters": false, "actions": false, "title": true,
               "scope": true, "cards": 3, "charts": 2})
    );
    browser.emulate_media("").await.unwrap();
    let pdf = browser.print_pdf().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let pages = count_pages(&pdf);
    assert!(
        (1..=2).contains(&pages),
        "the dashboard fits two A4 pages: {pages}"
    );
    if let Some(dir) = std::env::var_os("CRM_SCREENSHOT_DIR") {
        std::fs::write(std::path::Path::new(&dir).join("kpi.pdf"), &pdf).unwrap();
    }

    // The network fails: a French message and « Réessayer », the figures stay on screen.
    browser
        .execute(
            "window.__realFetch = window.fetch;
             window.fetch = () => Promise.reject(new TypeError('Failed to fetch'));",
            vec![],
        )
        .await
        .unwrap();
    browser
        .click_on("button[data-segment=SILVER]")
        .await
        .unwrap();
    let message = browser.text_of("#kpi-error").await.unwrap();
    assert!(message.starts_with("Serveur injoignable."), "{message}");
    assert_eq!(
        browser
            .text_of("#kpi-identification .kpi-value")
            .await
            .unwrap(),
        percent(&vip["identification"]["current"]["value"]),
        "the last figures stay"
    );
    let scope = browser.text_of("#kpi-scope").await.unwrap();
    assert!(
        scope.starts_with("7 derniers jours ·") && scope.ends_with("· Segment VIP"),
        "the title says what the figures on screen are of: {scope}"
    );
    browser
        .execute("window.fetch = window.__realFetch;", vec![])
        .await
        .unwrap();
    browser.click_on("#kpi-retry").await.unwrap();
    assert_page_shows(
        &browser,
        &kpis(&app, &director, "period=7d&segment=SILVER").await,
    )
    .await;
    browser.wait_for_count("#kpi-error", 0).await.unwrap();

    // A period without any sale says so instead of drawing zeros.
    let empty = "period=custom&from=2020-01-01&to=2020-01-07";
    browser
        .goto(&app.url(&format!("/kpi?{empty}")))
        .await
        .unwrap();
    let nothing = kpis(&app, &director, empty).await;
    assert_eq!(nothing["discounts"]["current"]["sales"], 0);
    assert_page_shows(&browser, &nothing).await;
    assert_eq!(
        browser
            .texts("#kpi-chart-coupons .kpi-empty")
            .await
            .unwrap(),
        ["Aucun coupon utilisé sur la période"]
    );
    assert_eq!(
        browser
            .text_of("#kpi-identification .kpi-value")
            .await
            .unwrap(),
        "0 %"
    );

    // The cashier has no entry, and the page refuses a direct visit.
    browser.click_on("#logout").await.unwrap();
    browser.wait_for("#username").await.unwrap();
    browser
        .fill_login_form("caisse", "Caisse2026!")
        .await
        .unwrap();
    browser.wait_for("[data-nav=caisse]").await.unwrap();
    assert_eq!(browser.count("[data-nav=kpi]").await.unwrap(), 0);
    browser.goto(&app.url("/kpi?period=7d")).await.unwrap();
    browser.wait_for("#access-denied").await.unwrap();
    assert_eq!(browser.count(".kpi-page").await.unwrap(), 0);
    browser.quit().await;
}

/// Waits until the page has saved `n` files (the spy on `URL.createObjectURL` the test
/// installed counts them): their types and sizes.
async fn saved_files(browser: &Browser, n: usize) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let files = browser
            .execute("return window.__files;", vec![])
            .await
            .unwrap();
        if files.as_array().unwrap().len() == n {
            return files;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "waited for {n} files saved: {files}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Pages of a PDF: its `/Type /Page` objects (not the `/Pages` tree).
fn count_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| w.starts_with(needle) && w[needle.len()] != b's')
        .count()
}
