//! The loyalty screens (`/fidelite`) in headless Chromium against the real server and
//! the demo store: marketing simulates an analysis, follows it to its result and moves,
//! then applies it and the levels change; the stats page says what `GET /loyalty/stats`
//! says; an admin's new discount in the policy form is still there after a reload; the
//! director reads without buttons; a cashier has no loyalty entry at all.
//!
//! Element ids the tests rely on (keep them stable):
//! - tabs `[data-tab=analyse|statistiques|politique]`;
//! - analysis: `#analysis-dry-run`, `#analysis-coupons`, `#analysis-as-of`,
//!   `#analysis-start`, `#analysis-start-error`, the job card `#analysis-job[data-status]`
//!   with `#analysis-progress-text`, `#analysis-result[data-dry-run]`, `#result-promotions`,
//!   `#result-demotions`, `#result-held`, `#result-coupons`, `#result-levels
//!   tr[data-level] .level-before|.level-after`, `#analysis-apply`,
//!   `#analysis-apply-confirm-button`, rows `.analysis-row[data-analysis-id]`;
//! - moves: `#moves-kind`, `#moves-export`, rows `.move-row[data-kind][data-customer-id][data-to]`,
//!   pager `#moves-page`;
//! - stats: `#stats-customers`, `#stats-active`, `#stats-activity-rate`,
//!   `#stats-loyalty-rate`, `#stats-levels tr[data-level] .level-customers|.level-revenue`,
//!   `#stats-last-analysis`;
//! - policy: `#policy-{field with dashes}` inputs (`#policy-discount_percent-gold`),
//!   `#policy-points-total`, `#policy-problem`, `#policy-save`, `#policy-saved`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_domain::money::group_thousands;
use crm_tests::webdriver::{Browser, ENTER};
use crm_tests::{demo_store_in_browser, TestApp};
use serde_json::{json, Value};

async fn token(app: &TestApp, username: &str, password: &str) -> String {
    app.login_body(username, password).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let reply = app.call("GET", path, Some(token), None).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    reply.body
}

/// The demo customer with this phone: (id, level).
async fn customer(app: &TestApp, cashier: &str, phone: &str) -> (i64, String) {
    let reply = app
        .call(
            "POST",
            "/api/v1/customers/identify",
            Some(cashier),
            Some(json!({ "phone": phone })),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    (
        reply.body["customer"]["id"].as_i64().unwrap(),
        reply.body["loyalty"]["level"].as_str().unwrap().to_owned(),
    )
}

/// Spaces as the eye sees them: WebDriver turns no-break spaces into plain ones.
fn plain(text: &str) -> String {
    text.replace(['\u{a0}', '\u{202f}'], " ").trim().to_owned()
}

/// `"12.5"` as the page writes a percent: `12,5 %`.
fn percent(api: &str) -> String {
    let trimmed = if api.contains('.') {
        api.trim_end_matches('0').trim_end_matches('.')
    } else {
        api
    };
    format!("{} %", trimmed.replace('.', ","))
}

fn money(francs: i64) -> String {
    plain(&format!("{} FCFA", group_thousands(francs)))
}

async fn text_of(browser: &Browser, css: &str) -> String {
    let el = browser.wait_for(css).await.unwrap();
    plain(&browser.text(&el).await.unwrap())
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

async fn value_of(browser: &Browser, css: &str) -> String {
    browser.wait_for(css).await.unwrap();
    browser
        .execute(
            "return document.querySelector(arguments[0]).value;",
            vec![json!(css)],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

async fn click(browser: &Browser, css: &str) {
    let el = browser.wait_for(css).await.unwrap();
    // Once the page has scrolled, the sticky top bar covers what lies under it (a click
    // there lands on the bar): bring the element to the middle of the window first, as a
    // user would scroll to it.
    browser
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
            vec![json!(css)],
        )
        .await
        .unwrap();
    browser.click(&el).await.unwrap();
}

/// Saves a screenshot named `name` in `CRM_SCREENSHOT_DIR`, if set, with the element
/// matching `css` scrolled to the top of the window, then scrolls back up.
async fn screenshot(browser: &Browser, css: &str, name: &str) {
    if let Some(dir) = std::env::var_os("CRM_SCREENSHOT_DIR") {
        browser
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView({block: 'start'});",
                vec![json!(css)],
            )
            .await
            .unwrap();
        browser
            .screenshot(&std::path::Path::new(&dir).join(name))
            .await
            .unwrap();
        // Back to the top: the fixed top bar would hide the tabs from the next click.
        browser
            .execute("window.scrollTo(0, 0);", vec![])
            .await
            .unwrap();
    }
}

async fn log_out(browser: &Browser) {
    click(browser, "#logout").await;
    browser.wait_for("#username").await.unwrap();
}

/// The newest analysis, as the API reports it.
async fn newest_analysis(app: &TestApp, token: &str) -> Value {
    let list = get(app, token, "/api/v1/loyalty/analyses?page=1&per_page=1").await;
    list["items"][0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marketing_simulates_then_applies_and_the_stats_follow() {
    let (app, browser) = demo_store_in_browser().await;
    let caisse = token(&app, "caisse", "Caisse2026!").await;
    // Jean-Marc (STANDARD) buys twelve times today: the analysis promotes him.
    let (jean_marc, level) = customer(&app, &caisse, "0708091011").await;
    assert_eq!(level, "STANDARD");
    for _ in 0..12 {
        let sold = app
            .sell(
                &caisse,
                json!({
                    "customer_id": jean_marc,
                    "lines": [{"barcode": TestApp::demo_barcode(0), "quantity": 4}],
                    "payments": [{"method": "ESPECES", "amount": 100_000}]
                }),
            )
            .await;
        assert_eq!(sold.status, 201, "{}", sold.body);
    }
    let marketing = token(&app, "marketing", "Marketing2026!").await;

    browser
        .log_in(&app.base_url, "marketing", "Marketing2026!")
        .await
        .unwrap();
    click(&browser, "[data-nav=fidelite]").await;
    browser.wait_for("#analyses-empty").await.unwrap();
    // A simulation is the default; Enter in the form starts it.
    let dry_run: bool = browser
        .execute(
            "return document.querySelector('#analysis-dry-run').checked;",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap();
    assert!(dry_run, "simulation is ticked by default");
    let as_of = browser.find("#analysis-as-of").await.unwrap();
    browser.send_keys(&as_of, ENTER).await.unwrap();

    // Its progress reaches the result.
    browser
        .wait_for("#analysis-job[data-status=SUCCEEDED]")
        .await
        .unwrap();
    let progress = text_of(&browser, "#analysis-progress-text").await;
    assert!(progress.starts_with("100 %"), "{progress}");
    let simulation = newest_analysis(&app, &marketing).await;
    assert_eq!(simulation["dry_run"], true);
    let result = &simulation["result"];
    browser
        .wait_for("#analysis-result[data-dry-run=true]")
        .await
        .unwrap();
    assert_eq!(
        text_of(&browser, "#result-promotions").await,
        result["promotions"].to_string()
    );
    assert_eq!(
        text_of(&browser, "#result-demotions").await,
        result["demotions"].to_string()
    );
    assert_eq!(
        text_of(&browser, "#result-held").await,
        result["held"].to_string()
    );
    for level in ["STANDARD", "SILVER", "GOLD", "VIP"] {
        let key = level.to_lowercase();
        let row = format!("#result-levels tr[data-level={level}]");
        assert_eq!(
            text_of(&browser, &format!("{row} .level-before")).await,
            result["before"][&key].to_string()
        );
        assert_eq!(
            text_of(&browser, &format!("{row} .level-after")).await,
            result["after"][&key].to_string()
        );
    }

    // The moves: one row per customer moved, Jean-Marc promoted.
    let id = simulation["id"].as_i64().unwrap();
    let moves = get(
        &app,
        &marketing,
        &format!("/api/v1/loyalty/analyses/{id}/moves?page=1&per_page=100"),
    )
    .await;
    let total = moves["total"].as_u64().unwrap();
    assert!(total >= 1, "{moves}");
    wait_for_count(&browser, ".move-row", total.min(20)).await;
    let promoted = format!(".move-row[data-customer-id=\"{jean_marc}\"][data-kind=PROMOTION]");
    browser.wait_for(&promoted).await.unwrap();
    screenshot(&browser, ".moves-card", "fidelite-mouvements.png").await;
    let promoted_to = moves["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["customer_id"] == jean_marc)
        .map(|m| m["to_level"].as_str().unwrap().to_owned())
        .unwrap();
    // Filtered on promotions, only those are listed.
    browser
        .execute(
            "const s = document.querySelector('#moves-kind'); s.value = 'PROMOTION'; \
             s.dispatchEvent(new Event('change'));",
            vec![],
        )
        .await
        .unwrap();
    let promotions = result["promotions"].as_u64().unwrap();
    wait_for_count(&browser, ".move-row", promotions.min(20)).await;
    assert_eq!(
        count(&browser, ".move-row:not([data-kind=PROMOTION])").await,
        0
    );
    screenshot(&browser, "#analysis-job", "fidelite-simulation.png").await;
    // A simulation changes nobody.
    assert_eq!(customer(&app, &caisse, "0708091011").await.1, "STANDARD");

    // « Appliquer », confirmed: the same options, writing this time.
    click(&browser, "#analysis-apply").await;
    click(&browser, "#analysis-apply-confirm-button").await;
    browser
        .wait_for("#analysis-result[data-dry-run=false]")
        .await
        .unwrap();
    let applied = newest_analysis(&app, &marketing).await;
    assert_eq!(applied["dry_run"], false);
    assert_ne!(applied["id"], simulation["id"]);
    assert_eq!(applied["generate_coupons"], simulation["generate_coupons"]);
    assert_eq!(
        applied["result"]["after"], result["after"],
        "the apply run finds what the simulation found"
    );
    assert_eq!(customer(&app, &caisse, "0708091011").await.1, promoted_to);
    let row = "#result-levels tr[data-level=STANDARD]";
    assert_eq!(
        text_of(&browser, &format!("{row} .level-after")).await,
        applied["result"]["after"]["standard"].to_string()
    );
    // Both runs are listed, the applied one on screen.
    wait_for_count(&browser, ".analysis-row", 2).await;
    browser
        .wait_for(&format!(
            ".analysis-row.selected[data-analysis-id=\"{}\"]",
            applied["id"]
        ))
        .await
        .unwrap();
    screenshot(&browser, "#analysis-job", "fidelite-application.png").await;

    // The stats page says what the API says.
    click(&browser, "[data-tab=statistiques]").await;
    let stats = get(&app, &marketing, "/api/v1/loyalty/stats").await;
    browser
        .wait_for_text("#stats-last-analysis", &format!("n° {}", applied["id"]))
        .await
        .unwrap();
    assert_eq!(
        text_of(&browser, "#stats-customers").await,
        plain(&group_thousands(stats["customers"].as_i64().unwrap()))
    );
    assert_eq!(
        text_of(&browser, "#stats-active").await,
        plain(&group_thousands(stats["active_30d"].as_i64().unwrap()))
    );
    assert_eq!(
        text_of(&browser, "#stats-activity-rate").await,
        percent(stats["activity_rate"].as_str().unwrap())
    );
    assert_eq!(
        text_of(&browser, "#stats-loyalty-rate").await,
        percent(stats["loyalty_rate"].as_str().unwrap())
    );
    for level in stats["levels"].as_array().unwrap() {
        let row = format!(
            "#stats-levels tr[data-level={}]",
            level["level"].as_str().unwrap()
        );
        assert_eq!(
            text_of(&browser, &format!("{row} .level-customers")).await,
            level["customers"].to_string()
        );
        assert_eq!(
            text_of(&browser, &format!("{row} .level-revenue")).await,
            money(level["revenue_3m"].as_i64().unwrap())
        );
    }
    wait_for_count(
        &browser,
        ".vip-row",
        stats["top_vip"].as_array().unwrap().len() as u64,
    )
    .await;
    screenshot(&browser, ".tabs", "fidelite-statistiques.png").await;
    screenshot(&browser, "#stats-top-vip", "fidelite-top-vip.png").await;
    log_out(&browser).await;

    // The director reads the analyses but starts nothing.
    browser
        .log_in(&app.base_url, "dg", "Direction2026!")
        .await
        .unwrap();
    browser.wait_for("[data-nav=fidelite]").await.unwrap();
    browser
        .goto(&format!("{}/fidelite", app.base_url))
        .await
        .unwrap();
    browser.wait_for("#analysis-read-only").await.unwrap();
    browser.wait_for("#analysis-result").await.unwrap();
    assert_eq!(count(&browser, "#analysis-start").await, 0);
    wait_for_count(&browser, ".analysis-row", 2).await;
    click(
        &browser,
        &format!(".analysis-row[data-analysis-id=\"{id}\"]"),
    )
    .await;
    browser
        .wait_for("#analysis-result[data-dry-run=true]")
        .await
        .unwrap();
    assert_eq!(
        count(&browser, "#analysis-apply").await,
        0,
        "no « Appliquer »"
    );
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admins_new_discount_sticks_and_a_cashier_has_no_loyalty_entry() {
    let (app, browser) = demo_store_in_browser().await;
    browser
        .log_in(&app.base_url, "admin", "Admin2026!")
        .await
        .unwrap();
    browser.wait_for("[data-nav=fidelite]").await.unwrap();
    browser
        .goto(&format!("{}/fidelite/politique", app.base_url))
        .await
        .unwrap();
    let gold = "#policy-discount_percent-gold";
    browser
        .wait_for_text("#policy-points-total", "100 / 100")
        .await
        .unwrap();
    assert_eq!(value_of(&browser, gold).await, "5");

    // The sum follows the typing, and a policy the domain refuses is not sent.
    let amount = browser.find("#policy-points-amount").await.unwrap();
    browser.clear(&amount).await.unwrap();
    browser.send_keys(&amount, "15").await.unwrap();
    browser
        .wait_for_text("#policy-points-total", "105 / 100")
        .await
        .unwrap();
    browser.send_keys(&amount, ENTER).await.unwrap();
    browser
        .wait_for_text("#policy-problem", "100")
        .await
        .unwrap();
    let invalid = browser
        .execute(
            "return document.querySelector('#policy-points-amount').getAttribute('aria-invalid');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(invalid, "true");
    screenshot(&browser, "#policy-problem", "fidelite-politique-refus.png").await;
    browser.clear(&amount).await.unwrap();
    browser.send_keys(&amount, "10").await.unwrap();

    // GOLD 7,5 %, saved with Enter.
    let field = browser.find(gold).await.unwrap();
    browser.clear(&field).await.unwrap();
    browser
        .send_keys(&field, &format!("7,5{ENTER}"))
        .await
        .unwrap();
    browser.wait_for("#policy-saved").await.unwrap();
    assert_eq!(count(&browser, "#policy-problem").await, 0);
    screenshot(&browser, "#policy-saved", "fidelite-politique.png").await;
    let admin = token(&app, "admin", "Admin2026!").await;
    let policy = get(&app, &admin, "/api/v1/loyalty/policy").await;
    assert_eq!(policy["discount_percent"]["gold"], "7.5");

    browser
        .goto(&format!("{}/fidelite/politique", app.base_url))
        .await
        .unwrap();
    browser
        .wait_for_text("#policy-points-total", "100 / 100")
        .await
        .unwrap();
    assert_eq!(
        value_of(&browser, gold).await,
        "7,5",
        "still there after a reload"
    );
    log_out(&browser).await;

    // Marketing reads the policy, with nothing to save.
    browser
        .log_in(&app.base_url, "marketing", "Marketing2026!")
        .await
        .unwrap();
    browser.wait_for("[data-nav=fidelite]").await.unwrap();
    browser
        .goto(&format!("{}/fidelite/politique", app.base_url))
        .await
        .unwrap();
    browser
        .wait_for_text("#policy-points-total", "100 / 100")
        .await
        .unwrap();
    assert_eq!(value_of(&browser, gold).await, "7,5");
    assert_eq!(count(&browser, "#policy-save").await, 0);
    log_out(&browser).await;

    // The cashier has no loyalty entry, and the address says « accès refusé ».
    browser
        .log_in(&app.base_url, "caisse", "Caisse2026!")
        .await
        .unwrap();
    browser.wait_for("#phone").await.unwrap();
    browser.wait_for("[data-nav=caisse]").await.unwrap();
    assert_eq!(count(&browser, "[data-nav=fidelite]").await, 0);
    browser
        .goto(&format!("{}/fidelite", app.base_url))
        .await
        .unwrap();
    browser.wait_for("#access-denied").await.unwrap();
    assert_eq!(count(&browser, "#analysis-form").await, 0);
    browser.quit().await;
}
