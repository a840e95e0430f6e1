//! The SPA in headless Chromium against the real server with the demo store: the
//! cashier's keyboard-only flow at the till, and marketing's coupons.
//!
//! Element ids the tests rely on (keep them stable):
//! - shell: `#username`, `#password`, `#login-error`, `#user-name`, `#logout`,
//!   `[data-nav=…]` menu entries, `#access-denied`;
//! - till, customer: `#phone`, `#customer-name`, `#customer-number`, `#customer-level`,
//!   `#customer-points`, `#customer-discount`, `#new-customer-form`, `#first-name`,
//!   `#last-name`; the customer's coupons are `#coupon-apply-N` buttons (Alt+N);
//! - till, basket: `#barcode`, `#basket`, `#basket-total`, `#basket-coupon-discount`,
//!   `#coupon-code` ("Code promo", F2; Enter applies), `#apply-coupon`, `#coupon-error`,
//!   the applied-coupon chip `#applied-coupon` (`data-state` waiting|checking|valid|refused)
//!   with `#applied-coupon-code`, `#applied-coupon-discount`, `#applied-coupon-refusal`
//!   and `#remove-coupon`; `#payment-amount`, `#change-due`, `#validate-sale` (F9);
//! - receipt: `#receipt-ticket-number`, `#receipt-total`, `#receipt-change`,
//!   `#receipt-coupon-code`, `#receipt-coupon-discount`;
//! - Mes ventes: `#sales-count`, `#sales-revenue`, `#sales-list`;
//! - coupons back office: `#coupon-stats-total|active|uses|discount`,
//!   `#coupon-filter-kind|status|q`, `#coupons-list` (rows `tr[data-code=…]`),
//!   `#coupons-flash`, `#coupon-new`, and in its form `#coupon-kind-generic|special`,
//!   `#coupon-form-code`, the holder search `#coupon-form-customer` with its matches
//!   `#coupon-form-customer-results` (items `[data-customer-id=…]`, ↑/↓ and Enter) and
//!   the chosen one `#coupon-form-customer-chosen`, `#coupon-form-discount-percent|fixed`,
//!   `#coupon-form-value`, `#coupon-form-description`, `#coupon-form-from|to`,
//!   `#coupon-form-global-cap`, `#coupon-form-customer-cap`, `#coupon-form-min-basket`,
//!   `#coupon-form-level`, `#coupon-form-cat-<category>`, `#coupon-form-stacks`,
//!   `#coupon-form-error`, `#coupon-form-submit`; the detail `#coupon-detail` (holder `#coupon-detail-holder`) with
//!   `#coupon-redemptions`, `#coupon-deactivate`, `#coupon-deactivate-confirm`; the bulk
//!   issue `#bulk-issue-open`, `#bulk-form`, `#bulk-submit`, `#bulk-progress`,
//!   `#bulk-progress-text`, `#bulk-status`, `#bulk-result`, `#bulk-download`;
//!   `#coupons-export`.

use crm_tests::webdriver::{Browser, ENTER, ESCAPE};
use crm_tests::{spa_dir, spawn_with, Backend};

/// The F9 key (validate the sale), for `send_keys`.
const F9: &str = "\u{E039}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cashier_identifies_a_known_customer_and_registers_a_new_one() {
    assert!(
        spa_dir().join("index.html").is_file(),
        "the SPA is not built in {}: run `cargo xtask test` (it builds it)",
        spa_dir().display()
    );
    let app = spawn_with(Backend::Sqlite, |s| s.seed_demo = true).await;
    let browser = Browser::start().await.expect("headless Chromium starts");

    browser
        .log_in(&app.base_url, "caisse", "Caisse2026!")
        .await
        .unwrap();

    // The cashier lands on the till with the phone field focused.
    let phone = browser.wait_for("#phone").await.unwrap();
    browser
        .wait_for_text("#user-name", "Awa Koné")
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        browser.active_element_id().await.unwrap(),
        "phone",
        "the phone field has focus"
    );

    // A known number, typed the way customers say it.
    browser
        .send_keys(&phone, &format!("07 01 23 45 67{ENTER}"))
        .await
        .unwrap();
    browser
        .wait_for_text("#customer-name", "Aya Kouassi")
        .await
        .unwrap();
    browser
        .wait_for_text("#customer-number", "CLT")
        .await
        .unwrap();
    browser
        .wait_for_text("#customer-level", "Gold")
        .await
        .unwrap();
    browser
        .wait_for_text("#customer-points", "1")
        .await
        .unwrap();
    browser
        .wait_for_text("#customer-discount", "5")
        .await
        .unwrap();
    if let Some(dir) = std::env::var_os("CRM_SCREENSHOT_DIR") {
        browser
            .screenshot(&std::path::Path::new(&dir).join("pos.png"))
            .await
            .unwrap();
    }

    // Escape clears the panel for the next customer; an unknown number opens the form.
    let phone = browser.find("#phone").await.unwrap();
    browser.send_keys(&phone, ESCAPE).await.unwrap();
    let phone = browser.wait_for("#phone").await.unwrap();
    browser
        .send_keys(&phone, &format!("05 44 33 22 11{ENTER}"))
        .await
        .unwrap();
    let first_name = browser
        .wait_for("#new-customer-form #first-name")
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        browser.active_element_id().await.unwrap(),
        "first-name",
        "the form takes focus"
    );
    browser.send_keys(&first_name, "Mariam").await.unwrap();
    let last_name = browser.find("#last-name").await.unwrap();
    browser
        .send_keys(&last_name, &format!("Coulibaly{ENTER}"))
        .await
        .unwrap();

    browser
        .wait_for_text("#customer-name", "Mariam Coulibaly")
        .await
        .unwrap();
    let number = browser
        .wait_for_text("#customer-number", "CLT")
        .await
        .unwrap();
    browser
        .wait_for_text("#customer-level", "Standard")
        .await
        .unwrap();

    // The server really holds the new customer.
    let filter = crm_store::customers::CustomerFilter {
        query: Some(crm_store::customers::CustomerQuery::NamePrefix(
            "coulibaly".to_owned(),
        )),
        ..Default::default()
    };
    let db_row = crm_store::customers::search(&app.state.db, &filter, 1, 10)
        .await
        .unwrap();
    assert_eq!(
        db_row.1,
        crm_store::customers::Total {
            count: 1,
            exact: true
        }
    );
    assert!(number.contains(db_row.0[0].customer_number.as_deref().unwrap()));
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_shows_a_french_message_and_the_menu_follows_the_role() {
    let app = spawn_with(Backend::Sqlite, |s| s.seed_demo = true).await;
    let browser = Browser::start().await.expect("headless Chromium starts");
    browser
        .log_in(&app.base_url, "caisse", "mauvais")
        .await
        .unwrap();
    browser
        .wait_for_text("#login-error", "incorrect")
        .await
        .unwrap();

    // Marketing sees the back office menu and no till.
    browser
        .log_in(&app.base_url, "marketing", "Marketing2026!")
        .await
        .unwrap();
    browser.wait_for("[data-nav=\"coupons\"]").await.unwrap();
    assert!(
        browser.find("[data-nav=\"caisse\"]").await.is_err(),
        "no till in the marketing menu"
    );
    browser.goto(&app.url("/caisse")).await.unwrap();
    browser.wait_for("#access-denied").await.unwrap();
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cashier_sells_with_the_keyboard_and_finds_the_sale_in_mes_ventes() {
    let app = spawn_with(Backend::Sqlite, |s| s.seed_demo = true).await;
    let browser = Browser::start().await.expect("headless Chromium starts");
    browser
        .log_in(&app.base_url, "caisse", "Caisse2026!")
        .await
        .unwrap();

    // Identify Aya Kouassi (GOLD, 5 %), then scan two products.
    let phone = browser.wait_for("#phone").await.unwrap();
    browser
        .send_keys(&phone, &format!("0701234567{ENTER}"))
        .await
        .unwrap();
    browser
        .wait_for_text("#customer-name", "Aya Kouassi")
        .await
        .unwrap();
    let rice = crm_tests::TestApp::demo_barcode(0); // 4 500
    let water = crm_tests::TestApp::demo_barcode(6); // 400
    let scan = browser.wait_for("#barcode").await.unwrap();
    browser
        .send_keys(&scan, &format!("{rice}{ENTER}"))
        .await
        .unwrap();
    browser.wait_for_text("#basket", "Riz").await.unwrap();
    let scan = browser.find("#barcode").await.unwrap();
    browser
        .send_keys(&scan, &format!("{water}{ENTER}"))
        .await
        .unwrap();
    browser.wait_for_text("#basket", "Eau").await.unwrap();
    // 4 900 − 5 % (245) = 4 655 FCFA.
    browser
        .wait_for_text("#basket-total", "4\u{202F}655")
        .await
        .unwrap();

    // Pay 5 000 in cash: 345 FCFA change.
    let amount = browser.find("#payment-amount").await.unwrap();
    browser.click(&amount).await.unwrap();
    browser.clear(&amount).await.unwrap();
    browser
        .send_keys(&amount, &format!("5000{ENTER}"))
        .await
        .unwrap();
    browser.wait_for_text("#change-due", "345").await.unwrap();
    let validate = browser.find("#validate-sale").await.unwrap();
    browser.click(&validate).await.unwrap();

    let ticket = browser
        .wait_for_text("#receipt-ticket-number", "TKT-")
        .await
        .unwrap();
    browser
        .wait_for_text("#receipt-total", "4\u{202F}655")
        .await
        .unwrap();
    browser
        .wait_for_text("#receipt-change", "345")
        .await
        .unwrap();
    if let Some(dir) = std::env::var_os("CRM_SCREENSHOT_DIR") {
        browser
            .screenshot(&std::path::Path::new(&dir).join("receipt.png"))
            .await
            .unwrap();
    }

    // The sale is in "Mes ventes".
    browser
        .find("[data-nav=\"ventes\"]")
        .await
        .expect("Mes ventes is in the cashier's menu");
    browser.goto(&app.url("/ventes")).await.unwrap();
    browser.wait_for_text("#sales-count", "1").await.unwrap();
    browser
        .wait_for_text("#sales-revenue", "4\u{202F}655")
        .await
        .unwrap();
    browser
        .wait_for_text("#sales-list", ticket.trim())
        .await
        .unwrap();
    // The charts draw the same figures: the day's bar, and the whole ring paid in cash.
    browser
        .wait_for("#revenue-chart .chart-bar[data-value=\"4655\"] rect")
        .await
        .expect("the day's revenue is a bar");
    let cash = browser
        .execute(
            "return document.querySelector('#payment-split .donut-segment[data-key=\"ESPECES\"]')\
             ?.getAttribute('stroke-dasharray');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        cash.as_str(),
        Some("100.000 0.000"),
        "the cash slice is the whole ring"
    );
    if let Some(dir) = std::env::var_os("CRM_SCREENSHOT_DIR") {
        browser
            .screenshot(&std::path::Path::new(&dir).join("mes-ventes.png"))
            .await
            .unwrap();
    }
    assert_eq!(crm_store::sales::count(&app.state.db).await.unwrap(), 1);
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marketing_creates_a_promo_code_that_the_cashier_applies_at_the_till() {
    let app = spawn_with(Backend::Sqlite, |s| s.seed_demo = true).await;
    let browser = Browser::start().await.expect("headless Chromium starts");

    // Marketing opens the coupons from the menu: the two demo coupons are there.
    browser
        .log_in(&app.base_url, "marketing", "Marketing2026!")
        .await
        .unwrap();
    let menu = browser.wait_for("[data-nav=\"coupons\"]").await.unwrap();
    browser.click(&menu).await.unwrap();
    browser
        .wait_for_text("#coupons-list", "BIENVENUE")
        .await
        .unwrap();
    browser
        .wait_for_text("#coupon-stats-total", "2")
        .await
        .unwrap();

    // A GENERIC promo code of 500 FCFA, with a chosen code, through the form.
    let new = browser.find("#coupon-new").await.unwrap();
    browser.click(&new).await.unwrap();
    let code = browser.wait_for("#coupon-form-code").await.unwrap();
    browser.send_keys(&code, "test500").await.unwrap();
    let fixed = browser.find("#coupon-form-discount-fixed").await.unwrap();
    browser.click(&fixed).await.unwrap();
    let value = browser.find("#coupon-form-value").await.unwrap();
    browser.send_keys(&value, "500").await.unwrap();
    let description = browser.find("#coupon-form-description").await.unwrap();
    browser
        .send_keys(&description, "500 FCFA offerts")
        .await
        .unwrap();
    let submit = browser.find("#coupon-form-submit").await.unwrap();
    browser.click(&submit).await.unwrap();

    browser
        .wait_for_text("#coupons-flash", "TEST500")
        .await
        .unwrap();
    browser
        .wait_for_text("#coupons-list tr[data-code=\"TEST500\"]", "500 FCFA")
        .await
        .unwrap();
    browser
        .wait_for_text("#coupon-stats-total", "3")
        .await
        .unwrap();
    if let Some(dir) = std::env::var_os("CRM_SCREENSHOT_DIR") {
        browser
            .screenshot(&std::path::Path::new(&dir).join("coupons.png"))
            .await
            .unwrap();
    }

    // A SPECIAL coupon for Aya, found by typing her name in the customer search.
    let new = browser.find("#coupon-new").await.unwrap();
    browser.click(&new).await.unwrap();
    let special = browser.wait_for("#coupon-kind-special").await.unwrap();
    browser.click(&special).await.unwrap();
    let holder = browser.wait_for("#coupon-form-customer").await.unwrap();
    browser.send_keys(&holder, "Aya").await.unwrap();
    browser
        .wait_for_text(
            "#coupon-form-customer-results [data-customer-id]",
            "Aya Kouassi",
        )
        .await
        .unwrap();
    browser.send_keys(&holder, ENTER).await.unwrap();
    browser
        .wait_for_text("#coupon-form-customer-chosen", "Aya Kouassi")
        .await
        .unwrap();
    let value = browser.find("#coupon-form-value").await.unwrap();
    browser.send_keys(&value, "15").await.unwrap();
    let description = browser.find("#coupon-form-description").await.unwrap();
    browser
        .send_keys(&description, "Cadeau fidélité Aya")
        .await
        .unwrap();
    let submit = browser.find("#coupon-form-submit").await.unwrap();
    browser.click(&submit).await.unwrap();
    browser
        .wait_for_text("#coupons-flash", "SPE-")
        .await
        .unwrap();
    browser
        .wait_for_text("#coupons-list", "Cadeau fidélité Aya")
        .await
        .unwrap();
    browser
        .wait_for_text("#coupon-stats-total", "4")
        .await
        .unwrap();
    // Its detail names the holder (newest coupon first in the list).
    let newest = browser.find("#coupons-list tr.coupon-row").await.unwrap();
    browser.click(&newest).await.unwrap();
    browser
        .wait_for_text("#coupon-detail-holder", "Aya Kouassi")
        .await
        .unwrap();
    let close = browser.find("#coupon-detail .drawer-close").await.unwrap();
    browser.click(&close).await.unwrap();

    // The cashier sells 5 kg of rice (4 500 FCFA) and types the code.
    let logout = browser.find("#logout").await.unwrap();
    browser.click(&logout).await.unwrap();
    browser.wait_for("#username").await.unwrap();
    browser
        .log_in(&app.base_url, "caisse", "Caisse2026!")
        .await
        .unwrap();
    let rice = crm_tests::TestApp::demo_barcode(0); // 4 500
    let scan = browser.wait_for("#barcode").await.unwrap();
    browser
        .send_keys(&scan, &format!("{rice}{ENTER}"))
        .await
        .unwrap();
    browser.wait_for_text("#basket", "Riz").await.unwrap();
    let promo = browser.find("#coupon-code").await.unwrap();
    browser
        .send_keys(&promo, &format!("test500{ENTER}"))
        .await
        .unwrap();
    browser
        .wait_for_text("#applied-coupon-discount", "500")
        .await
        .unwrap();
    browser
        .wait_for_text("#basket-coupon-discount", "500 FCFA")
        .await
        .unwrap();
    browser
        .wait_for_text("#basket-total", "4\u{202F}000")
        .await
        .unwrap();

    // Cash 5 000: 1 000 FCFA change; F9 validates.
    let amount = browser.find("#payment-amount").await.unwrap();
    browser.click(&amount).await.unwrap();
    browser.clear(&amount).await.unwrap();
    browser
        .send_keys(&amount, &format!("5000{ENTER}"))
        .await
        .unwrap();
    browser
        .wait_for_text("#change-due", "1\u{202F}000")
        .await
        .unwrap();
    let amount = browser.find("#payment-amount").await.unwrap();
    browser.send_keys(&amount, F9).await.unwrap();

    browser
        .wait_for_text("#receipt-ticket-number", "TKT-")
        .await
        .unwrap();
    browser
        .wait_for_text("#receipt-coupon-code", "TEST500")
        .await
        .unwrap();
    browser
        .wait_for_text("#receipt-coupon-discount", "500 FCFA")
        .await
        .unwrap();
    browser
        .wait_for_text("#receipt-total", "4\u{202F}000")
        .await
        .unwrap();
    browser
        .wait_for_text("#receipt-change", "1\u{202F}000")
        .await
        .unwrap();

    // The use is counted on the coupon.
    let (coupon, usage) = crm_store::coupons::find_with_usage(&app.state.db, "TEST500", None)
        .await
        .unwrap()
        .expect("the coupon exists");
    assert_eq!((coupon.uses_count, usage.global), (1, 1));
    browser.quit().await;
}
