//! The SPA's lists and back-office screens in headless Chromium (1366 px wide), against
//! the real server with the demo store: paging "Mes ventes" and the coupons, typing a
//! custom period, the director's store-wide sales with a cashier picked by name, a
//! used-up coupon, the coupon table's width, and a deep link opened before signing in.
//!
//! Element ids the tests rely on (keep them stable), besides those of `browser.rs`:
//! - pager: `#{list}-prev`, `#{list}-page`, `#{list}-next` (`sales`, `coupons`);
//! - Mes ventes: `[data-period=…]` buttons, `#period-from`, `#period-to` (typed
//!   `jj/mm/aaaa`) with `#period-from-error`, `#period-to-error`, `#period-range-error`;
//!   `#sales-range`, `#sales-error`, `#sales-cashier` (managers: "Tout le magasin" or a
//!   seller by name), rows `.sale-row`;
//! - bulk issue: `#bulk-issue-open`, `#bulk-value`, `#bulk-description`, `#bulk-submit`,
//!   `#bulk-progress-text`, `#bulk-result` with `#bulk-skipped`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use chrono::{Days, Utc};
use crm_domain::Role;
use crm_tests::webdriver::Browser;
use crm_tests::{demo_store_in_browser, TestApp};
use serde_json::{json, Value};

async fn token(app: &TestApp, username: &str, password: &str) -> String {
    app.login_body(username, password).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// An anonymous cash sale of one demo product (with `coupon`, for `customer`).
async fn sell(app: &TestApp, token: &str, customer: Option<i64>, coupon: Option<&str>) -> Value {
    let sold = app
        .sell(
            token,
            json!({
                "customer_id": customer,
                "lines": [{"barcode": TestApp::demo_barcode(0), "quantity": 4}],
                "coupon_code": coupon,
                "payments": [{"method": "ESPECES", "amount": 100_000}]
            }),
        )
        .await;
    assert_eq!(sold.status, 201, "{}", sold.body);
    sold.body
}

/// Waits until `#{list}-page` says `Page n sur m`, then checks that "Suivant" is a
/// plain label (the broken pager showed its own source code there).
async fn wait_for_page(browser: &Browser, list: &str, n: u32, of: u32) {
    browser
        .wait_for_text(&format!("#{list}-page"), &format!("Page {n} sur {of}"))
        .await
        .unwrap();
    let next = browser.find(&format!("#{list}-next")).await.unwrap();
    assert_eq!(browser.text(&next).await.unwrap(), "Suivant →");
}

async fn enabled(browser: &Browser, css: &str) -> bool {
    browser
        .execute(
            "return !document.querySelector(arguments[0]).disabled;",
            vec![json!(css)],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap()
}

async fn count(browser: &Browser, css: &str) -> u64 {
    browser
        .execute(
            "return document.querySelectorAll(arguments[0]).length;",
            vec![json!(css)],
        )
        .await
        .unwrap()
        .as_u64()
        .unwrap()
}

/// Waits until `css` matches exactly `n` elements.
async fn wait_for_count(browser: &Browser, css: &str, n: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let found = count(browser, css).await;
        if found == n {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "waited 15 s for {n} × {css}; {found} found"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn log_out(browser: &Browser) {
    let logout = browser.wait_for("#logout").await.unwrap();
    browser.click(&logout).await.unwrap();
    browser.wait_for("#username").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pager_reaches_page_two_of_my_sales_and_of_the_coupons() {
    let (app, browser) = demo_store_in_browser().await;
    let caisse = token(&app, "caisse", "Caisse2026!").await;
    for _ in 0..21 {
        sell(&app, &caisse, None, None).await;
    }

    browser
        .log_in(&app.base_url, "caisse", "Caisse2026!")
        .await
        .unwrap();
    browser.wait_for("#phone").await.unwrap();
    browser
        .goto(&format!("{}/ventes", app.base_url))
        .await
        .unwrap();
    wait_for_page(&browser, "sales", 1, 2).await;
    wait_for_count(&browser, ".sale-row", 20).await;
    assert!(enabled(&browser, "#sales-next").await, "Suivant is usable");
    assert!(!enabled(&browser, "#sales-prev").await);
    browser
        .click(&browser.find("#sales-next").await.unwrap())
        .await
        .unwrap();
    wait_for_page(&browser, "sales", 2, 2).await;
    wait_for_count(&browser, ".sale-row", 1).await;
    assert!(!enabled(&browser, "#sales-next").await, "no page 3");
    browser
        .click(&browser.find("#sales-prev").await.unwrap())
        .await
        .unwrap();
    wait_for_page(&browser, "sales", 1, 2).await;
    log_out(&browser).await;

    // The demo's two coupons and twenty more: two pages of twenty.
    let marketing = token(&app, "marketing", "Marketing2026!").await;
    let today = Utc::now().date_naive();
    for n in 0..20 {
        let created = app
            .call(
                "POST",
                "/api/v1/coupons",
                Some(&marketing),
                Some(json!({
                    "kind": "GENERIC", "code": format!("PAGE{n:02}"), "discount_kind": "PERCENT",
                    "value": 5, "description": "Remise de test", "valid_from": today,
                    "valid_to": today + Days::new(30)
                })),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
    }
    browser
        .log_in(&app.base_url, "marketing", "Marketing2026!")
        .await
        .unwrap();
    browser.wait_for("[data-nav=coupons]").await.unwrap();
    browser
        .goto(&format!("{}/coupons", app.base_url))
        .await
        .unwrap();
    wait_for_page(&browser, "coupons", 1, 2).await;
    wait_for_count(&browser, ".coupon-row", 20).await;
    browser
        .click(&browser.find("#coupons-next").await.unwrap())
        .await
        .unwrap();
    wait_for_page(&browser, "coupons", 2, 2).await;
    wait_for_count(&browser, ".coupon-row", 2).await;
    // The oldest two, the demo's, are on the last page.
    browser
        .wait_for("tr.coupon-row[data-code=BIENVENUE]")
        .await
        .unwrap();
    browser.quit().await;
}

/// Requests to `GET /sales/mine` served so far, and how many of them failed.
async fn history_requests(app: &TestApp) -> (u64, u64) {
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut all = 0;
    let mut failed = 0;
    for line in metrics.lines().filter(|l| {
        l.starts_with("crm_http_requests_total") && l.contains("route=\"/api/v1/sales/mine\"")
    }) {
        let n: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        all += n;
        if !line.contains("status=\"200\"") {
            failed += n;
        }
    }
    (all, failed)
}

/// Waits until `GET /sales/mine` has been served `n` times.
async fn wait_for_requests(app: &TestApp, n: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while history_requests(app).await.0 < n {
        assert!(
            std::time::Instant::now() < deadline,
            "waited 15 s for request {n}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_period_is_typed_the_french_way_and_asked_once_whole() {
    let (app, browser) = demo_store_in_browser().await;
    let caisse = token(&app, "caisse", "Caisse2026!").await;
    for _ in 0..3 {
        sell(&app, &caisse, None, None).await;
    }
    let today = Utc::now().date_naive();
    let day = |d: chrono::NaiveDate| d.format("%d/%m/%Y").to_string();
    let (first, last) = (day(today - Days::new(9)), day(today));

    browser
        .log_in(&app.base_url, "caisse", "Caisse2026!")
        .await
        .unwrap();
    browser.wait_for("#phone").await.unwrap();
    browser
        .goto(&format!("{}/ventes", app.base_url))
        .await
        .unwrap();
    browser.wait_for_text("#sales-count", "3").await.unwrap();
    let (shown, _) = history_requests(&app).await;
    browser
        .click(&browser.find("[data-period=custom]").await.unwrap())
        .await
        .unwrap();
    // The custom period starts as the one on screen: asked for once.
    wait_for_requests(&app, shown + 1).await;
    // It starts from the period on screen, written the French way.
    let from = browser.wait_for("#period-from").await.unwrap();
    browser
        .wait_for_text("#sales-range", &format!("{last} → {last}"))
        .await
        .unwrap();
    let before = history_requests(&app).await;

    // Typing, key by key, asks nothing until the day is whole.
    browser.clear(&from).await.unwrap();
    for key in first.chars().take(9) {
        browser.send_keys(&from, &key.to_string()).await.unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        history_requests(&app).await,
        before,
        "no request while typing"
    );
    assert!(browser.find("#sales-error").await.is_err());
    assert_eq!(
        browser
            .text(&browser.find("#period-from-error").await.unwrap())
            .await
            .unwrap(),
        "",
        "a day being typed is not wrong yet"
    );
    browser.send_keys(&from, &first[9..]).await.unwrap();
    browser
        .wait_for_text("#sales-range", &format!("{first} → {last}"))
        .await
        .unwrap();
    browser.wait_for_text("#sales-count", "3").await.unwrap();
    // Several days: each sale shows its day, the French way.
    browser.wait_for_text("#sales-list", &last).await.unwrap();
    let after = history_requests(&app).await;
    assert_eq!(after.0, before.0 + 1, "one request for the whole day");
    assert_eq!(after.1, 0, "and none refused");

    // A day that does not exist is said wrong under its field; nothing is asked.
    let to = browser.find("#period-to").await.unwrap();
    browser.clear(&to).await.unwrap();
    browser.send_keys(&to, "31/02/2026").await.unwrap();
    browser
        .wait_for_text("#period-to-error", "Date invalide")
        .await
        .unwrap();
    // The wrong way round is said too.
    browser.clear(&to).await.unwrap();
    browser
        .send_keys(&to, &day(today - Days::new(20)))
        .await
        .unwrap();
    browser
        .wait_for_text("#period-range-error", "précède")
        .await
        .unwrap();
    assert_eq!(
        history_requests(&app).await,
        after,
        "no request for a wrong period"
    );
    // Unfinished and left: said wrong.
    browser.clear(&to).await.unwrap();
    browser.send_keys(&to, "24/1").await.unwrap();
    browser
        .click(&browser.find("#period-from").await.unwrap())
        .await
        .unwrap();
    browser
        .wait_for_text("#period-to-error", "jj/mm/aaaa")
        .await
        .unwrap();
    assert!(browser.find("#sales-error").await.is_err());
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_director_sees_the_whole_store_and_picks_a_cashier_by_name() {
    let (app, browser) = demo_store_in_browser().await;
    app.create_user("caisse-bis", Role::Cashier, "motdepasse-test")
        .await;
    let awa = token(&app, "caisse", "Caisse2026!").await;
    let other = token(&app, "caisse-bis", "motdepasse-test").await;
    for _ in 0..2 {
        sell(&app, &awa, None, None).await;
    }
    sell(&app, &other, None, None).await;
    let awa_id = crm_store::users::find_by_username(&app.state.db, "caisse")
        .await
        .unwrap()
        .unwrap()
        .id;

    browser
        .log_in(&app.base_url, "dg", "Direction2026!")
        .await
        .unwrap();
    browser.wait_for("[data-nav=ventes]").await.unwrap();
    browser
        .goto(&format!("{}/ventes", app.base_url))
        .await
        .unwrap();
    // The whole store at once: every cashier's sales, each with its seller.
    browser.wait_for_text("#sales-count", "3").await.unwrap();
    wait_for_count(&browser, ".sale-row", 3).await;
    browser
        .wait_for_text("#sales-list", "Awa Koné")
        .await
        .unwrap();
    browser
        .wait_for_text("#sales-list", "caisse-bis")
        .await
        .unwrap();
    assert!(
        browser.find("#sales-cashier-id").await.is_err(),
        "no numeric id to type"
    );
    // One cashier, picked by name.
    browser
        .wait_for_text("#sales-cashier", "Awa Koné")
        .await
        .unwrap();
    let picker = browser.find("#sales-cashier").await.unwrap();
    browser.text(&picker).await.unwrap();
    browser
        .click(
            &browser
                .find(&format!("#sales-cashier option[value='{awa_id}']"))
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    browser.wait_for_text("#sales-count", "2").await.unwrap();
    wait_for_count(&browser, ".sale-row", 2).await;
    if let Some(dir) = std::env::var_os("CRM_SCREENSHOT_DIR") {
        browser
            .screenshot(&std::path::Path::new(&dir).join("ventes-magasin.png"))
            .await
            .unwrap();
    }
    // And back to the whole store.
    browser
        .click(
            &browser
                .find("#sales-cashier option[value='']")
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    browser.wait_for_text("#sales-count", "3").await.unwrap();
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_coupon_list_fits_1366_px_and_says_a_spent_coupon_is_used_up() {
    let (app, browser) = demo_store_in_browser().await;
    // Aya spends her personal coupon.
    let caisse = token(&app, "caisse", "Caisse2026!").await;
    let aya = app
        .call(
            "POST",
            "/api/v1/customers/identify",
            Some(&caisse),
            Some(json!({"phone": "0701234567"})),
        )
        .await;
    let aya_id = aya.body["customer"]["id"].as_i64().unwrap();
    let personal = aya.body["available_coupons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .find(|c| c.starts_with("SPE-"))
        .expect("Aya's personal coupon");
    sell(&app, &caisse, Some(aya_id), Some(&personal)).await;
    // A wide row: a long description, a big fixed amount, a global cap.
    let marketing = token(&app, "marketing", "Marketing2026!").await;
    let today = Utc::now().date_naive();
    let wide = app
        .call(
            "POST",
            "/api/v1/coupons",
            Some(&marketing),
            Some(json!({
                "kind": "GENERIC", "code": "RENTREE2026", "discount_kind": "FIXED", "value": 10_000,
                "description": "Rentrée des classes : 10 000 FCFA offerts dès 50 000 FCFA de fournitures scolaires",
                "valid_from": today, "valid_to": today + Days::new(365), "global_cap": 100_000,
                "min_basket": 50_000
            })),
        )
        .await;
    assert_eq!(wide.status, 201, "{}", wide.body);

    browser
        .log_in(&app.base_url, "marketing", "Marketing2026!")
        .await
        .unwrap();
    browser.wait_for("[data-nav=coupons]").await.unwrap();
    browser
        .goto(&format!("{}/coupons", app.base_url))
        .await
        .unwrap();
    let spent = format!("tr.coupon-row[data-code='{personal}']");
    browser.wait_for_text(&spent, "Épuisé").await.unwrap();
    browser
        .wait_for_text("tr.coupon-row[data-code=BIENVENUE]", "Actif")
        .await
        .unwrap();

    // The widest state of a row: "Désactiver" asking for confirmation.
    browser
        .click(
            &browser
                .find("tr.coupon-row[data-code=RENTREE2026] .coupon-deactivate")
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    browser
        .wait_for_text("tr.coupon-row[data-code=RENTREE2026]", "Confirmer")
        .await
        .unwrap();

    // Nothing sticks out of the 1366 px window, nor scrolls sideways.
    let size = browser
        .execute(
            "return [window.innerWidth, document.documentElement.scrollWidth];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(size[0], 1366, "the test window is 1366 px wide");
    let layout = browser
        .execute(
            "const table = document.getElementById('coupons-list');
             const box = table.parentElement;
             const buttons = [...document.querySelectorAll('.coupon-deactivate')]
                 .map(b => b.getBoundingClientRect().right);
             return {
                 viewport: document.documentElement.clientWidth,
                 page: document.documentElement.scrollWidth,
                 table: table.getBoundingClientRect().right,
                 overflow: box.scrollWidth - box.clientWidth,
                 buttons,
             };",
            vec![],
        )
        .await
        .unwrap();
    let viewport = layout["viewport"].as_f64().unwrap();
    assert_eq!(
        layout["overflow"], 0,
        "the table scrolls sideways: {layout}"
    );
    assert!(
        layout["page"].as_f64().unwrap() <= viewport,
        "the page scrolls sideways: {layout}"
    );
    assert!(layout["table"].as_f64().unwrap() <= viewport, "{layout}");
    let buttons = layout["buttons"].as_array().unwrap();
    assert!(!buttons.is_empty(), "marketing may deactivate: {layout}");
    assert!(
        buttons
            .iter()
            .all(|right| right.as_f64().unwrap() <= viewport),
        "« Désactiver » is cut off: {layout}"
    );
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deep_link_opened_before_signing_in_is_where_signing_in_leads() {
    let (app, browser) = demo_store_in_browser().await;
    browser
        .goto(&format!("{}/coupons?status=ACTIVE", app.base_url))
        .await
        .unwrap();
    browser
        .fill_login_form("marketing", "Marketing2026!")
        .await
        .unwrap();
    browser.wait_for("#coupons-list").await.unwrap();
    let here = browser
        .execute("return location.pathname + location.search;", vec![])
        .await
        .unwrap();
    assert_eq!(here, "/coupons?status=ACTIVE");

    // A page the role may not open leads home instead of to a refusal.
    log_out(&browser).await;
    browser
        .goto(&format!("{}/caisse", app.base_url))
        .await
        .unwrap();
    browser
        .fill_login_form("marketing", "Marketing2026!")
        .await
        .unwrap();
    browser.wait_for("[data-nav=coupons]").await.unwrap();
    let here = browser
        .execute("return location.pathname;", vec![])
        .await
        .unwrap();
    assert_eq!(here, "/accueil");
    assert!(browser.find("#access-denied").await.is_err());
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_issue_that_finds_nobody_says_whom_it_skipped_and_why() {
    let (app, browser) = demo_store_in_browser().await;
    // Every Gold and VIP customer already holds an unused personal coupon.
    let marketing = token(&app, "marketing", "Marketing2026!").await;
    let today = Utc::now().date_naive();
    let first = app
        .call(
            "POST",
            "/api/v1/coupons/bulk-issue",
            Some(&marketing),
            Some(json!({
                "min_level": "GOLD", "discount_kind": "PERCENT", "value": 5,
                "description": "Merci", "valid_from": today, "valid_to": today + Days::new(30)
            })),
        )
        .await;
    assert_eq!(first.status, 202, "{}", first.body);
    let job = first.body["id"].as_i64().unwrap();
    let served = loop {
        let j = app
            .call(
                "GET",
                &format!("/api/v1/jobs/{job}"),
                Some(&marketing),
                None,
            )
            .await;
        if j.body["status"] == "SUCCEEDED" {
            break j.body["result"]["issued"].as_i64().unwrap()
                + j.body["result"]["skipped"].as_i64().unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(served >= 2, "the demo has Gold and VIP customers: {served}");

    browser
        .log_in(&app.base_url, "marketing", "Marketing2026!")
        .await
        .unwrap();
    browser.wait_for("[data-nav=coupons]").await.unwrap();
    browser
        .goto(&format!("{}/coupons", app.base_url))
        .await
        .unwrap();
    browser
        .click(&browser.wait_for("#bulk-issue-open").await.unwrap())
        .await
        .unwrap();
    let value = browser.wait_for("#bulk-value").await.unwrap();
    browser.send_keys(&value, "5").await.unwrap();
    let description = browser.find("#bulk-description").await.unwrap();
    browser
        .send_keys(&description, "Merci encore")
        .await
        .unwrap();
    browser
        .click(&browser.find("#bulk-submit").await.unwrap())
        .await
        .unwrap();
    browser
        .wait_for_text("#bulk-result", "coupon émis")
        .await
        .unwrap();
    let issued = browser.find("#bulk-result strong").await.unwrap();
    assert_eq!(browser.text(&issued).await.unwrap(), "0");
    browser
        .wait_for_text("#bulk-skipped", &format!("{served} clients déjà servis"))
        .await
        .unwrap();
    browser
        .wait_for_text("#bulk-skipped", "coupon personnel actif non utilisé")
        .await
        .unwrap();
    let progress = browser
        .text(&browser.find("#bulk-progress-text").await.unwrap())
        .await
        .unwrap();
    assert!(!progress.contains("0 / 0"), "{progress}");
    browser.quit().await;
}
