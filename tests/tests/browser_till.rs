//! The till in headless Chromium against the real server with the demo store: money and
//! customers as a cashier meets them (issue 15, till part).
//!
//! Element ids these tests rely on, besides those listed in `browser.rs` (keep them stable):
//! - `#sale-unconfirmed`: the alert of a sale whose answer was lost (basket locked);
//!   `#basket-error` says why a change is refused meanwhile;
//! - `#change-customer` ("Changer de client"), its confirmation `#change-customer-confirm`
//!   with `#change-customer-yes` and `#change-customer-no`; `#anonymous-sale`;
//! - `#basket-discount` (the loyalty line, absent while it is 0), `#payment-method` (a
//!   select), `#product-results` (search results, `[data-product-id]`);
//! - new customer form: `#email`, and each field's error under it: `#first-name-error`,
//!   `#last-name-error`, `#email-error`; the form's alert `#new-customer-error`;
//! - receipt: `#receipt-points` ("Points gagnés", only with a customer),
//!   `#receipt-points-balance`, `#receipt-customer-level`.
//!
//! A lost answer is made by the browser itself: a wrapper around `window.fetch` lets each
//! `/api/v1/sales…` request reach the server, waits for its answer, then throws it away as a
//! cut connection would. The server and its database are the real ones.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_tests::webdriver::{Browser, ENTER, ESCAPE};
use crm_tests::{demo_store_in_browser, TestApp};
use sea_orm::ConnectionTrait;

/// The F9 key (validate the sale), for `send_keys`.
const F9: &str = "\u{E039}";

/// Makes the page lose the answers to `/api/v1/sales…` while `window.crmLoseAnswers` is set.
const LOSE_SALE_ANSWERS: &str = r#"
    if (!window.crmFetch) {
        window.crmFetch = window.fetch.bind(window);
        window.fetch = async (input, init) => {
            const answer = await window.crmFetch(input, init);
            const url = typeof input === 'string' ? input : input.url;
            if (window.crmLoseAnswers && url.includes('/api/v1/sales')) {
                throw new TypeError('Failed to fetch');
            }
            return answer;
        };
    }
    window.crmLoseAnswers = true;
"#;

async fn till_with_demo() -> (TestApp, Browser) {
    let (app, browser) = demo_store_in_browser().await;
    browser
        .log_in(&app.base_url, "caisse", "Caisse2026!")
        .await
        .unwrap();
    browser.wait_for("#phone").await.unwrap();
    (app, browser)
}

async fn identify_aya(browser: &Browser) {
    let phone = browser.wait_for("#phone").await.unwrap();
    browser
        .send_keys(&phone, &format!("0701234567{ENTER}"))
        .await
        .unwrap();
    browser
        .wait_for_text("#customer-name", "Aya Kouassi")
        .await
        .unwrap();
}

async fn scan(browser: &Browser, product: usize, shown: &str) {
    let field = browser.wait_for("#barcode").await.unwrap();
    browser
        .send_keys(
            &field,
            &format!("{}{ENTER}", TestApp::demo_barcode(product)),
        )
        .await
        .unwrap();
    browser.wait_for_text("#basket", shown).await.unwrap();
}

/// Cash for the whole amount due: Enter on the empty scan field, Enter on the amount.
async fn pay_cash_with_the_keyboard(browser: &Browser) {
    let field = browser.find("#barcode").await.unwrap();
    browser.send_keys(&field, ENTER).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(browser.active_element_id().await.unwrap(), "payment-amount");
    let amount = browser.find("#payment-amount").await.unwrap();
    browser.send_keys(&amount, ENTER).await.unwrap();
    browser.wait_for("#payments .payment-line").await.unwrap();
}

async fn sales_in_db(app: &TestApp) -> i64 {
    crm_store::sales::count(&app.state.db).await.unwrap() as i64
}

async fn text_of(app: &TestApp, sql: &str) -> String {
    let row = app
        .state
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.state.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .expect("a row");
    row.try_get::<String>("", "v").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_whose_answer_is_lost_stays_locked_and_is_recorded_once() {
    let (app, browser) = till_with_demo().await;
    identify_aya(&browser).await;
    scan(&browser, 0, "Riz").await;
    browser
        .wait_for_text("#basket-discount", "225")
        .await
        .unwrap();
    pay_cash_with_the_keyboard(&browser).await;

    // F9: the server records the sale, the answer never reaches the till.
    browser.execute(LOSE_SALE_ANSWERS, vec![]).await.unwrap();
    let amount = browser.find("#payment-amount").await.unwrap();
    browser.send_keys(&amount, F9).await.unwrap();
    browser
        .wait_for_text("#sale-unconfirmed", "non confirmée")
        .await
        .unwrap();
    assert_eq!(sales_in_db(&app).await, 1, "the server did record it");

    // The cashier tries to change the basket: refused while the sale is unconfirmed.
    let field = browser.find("#barcode").await.unwrap();
    browser
        .send_keys(&field, &format!("{}{ENTER}", TestApp::demo_barcode(6)))
        .await
        .unwrap();
    browser
        .wait_for_text("#basket-error", "ne peut pas changer")
        .await
        .unwrap();
    let basket = browser.find("#basket").await.unwrap();
    assert!(
        !browser.text(&basket).await.unwrap().contains("Eau"),
        "no line added to a sale awaiting confirmation"
    );

    // The network is back; F9 asks what became of the key and shows that receipt.
    browser
        .execute("window.crmLoseAnswers = false;", vec![])
        .await
        .unwrap();
    let field = browser.find("#barcode").await.unwrap();
    browser.send_keys(&field, F9).await.unwrap();
    browser
        .wait_for_text("#receipt-ticket-number", "TKT-")
        .await
        .unwrap();
    browser
        .wait_for_text("#receipt-total", "4\u{202F}275")
        .await
        .unwrap();
    assert_eq!(sales_in_db(&app).await, 1, "exactly one sale");

    // The customer card shows the balance the sale's answer gives.
    let balance = browser
        .wait_for_text("#receipt-points-balance", "")
        .await
        .unwrap();
    browser
        .wait_for_text("#customer-points", balance.trim())
        .await
        .unwrap();
    let stored: i64 = text_of(&app, "SELECT CAST(points AS TEXT) AS v FROM customers WHERE id = (SELECT customer_id FROM sales)")
        .await
        .parse()
        .unwrap();
    assert_eq!(balance.trim().replace('\u{202F}', ""), stored.to_string());
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unconfirmed_sale_survives_a_reload_and_is_not_sold_again() {
    let (app, browser) = till_with_demo().await;
    identify_aya(&browser).await;
    scan(&browser, 0, "Riz").await;
    pay_cash_with_the_keyboard(&browser).await;
    browser.execute(LOSE_SALE_ANSWERS, vec![]).await.unwrap();
    let amount = browser.find("#payment-amount").await.unwrap();
    browser.send_keys(&amount, F9).await.unwrap();
    browser
        .wait_for_text("#sale-unconfirmed", "non confirmée")
        .await
        .unwrap();

    // A reload forgets the page, not the pending sale: it asks the server and finds it.
    browser.goto(&app.url("/caisse")).await.unwrap();
    browser
        .wait_for_text("#receipt-ticket-number", "TKT-")
        .await
        .unwrap();
    browser
        .wait_for_text("#receipt-customer-name", "Aya")
        .await
        .unwrap();
    browser
        .wait_for_text("#customer-name", "Aya Kouassi")
        .await
        .unwrap();
    assert_eq!(sales_in_db(&app).await, 1, "exactly one sale");

    // Confirmed: nothing pending any more, the next reload is a fresh till.
    browser.goto(&app.url("/caisse")).await.unwrap();
    browser.wait_for("#barcode").await.unwrap();
    browser.wait_for("#anonymous-sale").await.unwrap();
    assert!(browser.find("#receipt").await.is_err());
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_keeps_the_customer_and_changing_customer_asks_first() {
    let (_app, browser) = till_with_demo().await;
    identify_aya(&browser).await;
    // Her coupons include the public code she can still use, after her own.
    browser
        .wait_for_text("#customer-coupons #coupon-apply-2", "BIENVENUE")
        .await
        .unwrap();
    // An empty basket shows no "−0 FCFA" loyalty line.
    assert!(browser.find("#basket-discount").await.is_err());
    // Levels read as words, not codes.
    let level = browser.find("#customer-level").await.unwrap();
    assert_eq!(browser.text(&level).await.unwrap(), "Gold");

    // Two stray presses of Échap: Aya stays on the sale.
    for _ in 0..2 {
        let field = browser.find("#barcode").await.unwrap();
        browser.send_keys(&field, ESCAPE).await.unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    browser
        .wait_for_text("#customer-name", "Aya Kouassi")
        .await
        .unwrap();

    // "Changer de client" asks first; "Garder ce client" keeps her.
    let change = browser.find("#change-customer").await.unwrap();
    browser.click(&change).await.unwrap();
    browser.wait_for("#change-customer-confirm").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        browser.active_element_id().await.unwrap(),
        "change-customer-yes"
    );
    let keep = browser.find("#change-customer-no").await.unwrap();
    browser.click(&keep).await.unwrap();
    browser
        .wait_for_text("#customer-name", "Aya Kouassi")
        .await
        .unwrap();

    // Confirmed: the sale goes on anonymous.
    let change = browser.wait_for("#change-customer").await.unwrap();
    browser.click(&change).await.unwrap();
    let yes = browser.wait_for("#change-customer-yes").await.unwrap();
    browser.click(&yes).await.unwrap();
    browser.wait_for("#anonymous-sale").await.unwrap();

    // A barcode scanned into the phone field is a product, not a wrong number.
    let phone = browser.find("#phone").await.unwrap();
    browser
        .send_keys(&phone, &format!("{}{ENTER}", TestApp::demo_barcode(0)))
        .await
        .unwrap();
    browser.wait_for_text("#basket", "Riz").await.unwrap();
    assert!(browser.find("#identify-error").await.is_err());
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_sale_starts_on_cash_and_an_anonymous_ticket_has_no_points() {
    let (app, browser) = till_with_demo().await;

    // Sale 1, paid by Orange Money.
    scan(&browser, 0, "Riz").await;
    let method = browser.find("#payment-method").await.unwrap();
    browser.click(&method).await.unwrap();
    let orange = browser
        .find("#payment-method option[value=\"ORANGE_MONEY\"]")
        .await
        .unwrap();
    browser.click(&orange).await.unwrap();
    let amount = browser.find("#payment-amount").await.unwrap();
    browser.click(&amount).await.unwrap();
    browser.send_keys(&amount, ENTER).await.unwrap();
    browser.wait_for("#payments .payment-line").await.unwrap();
    let amount = browser.find("#payment-amount").await.unwrap();
    browser.send_keys(&amount, F9).await.unwrap();
    browser
        .wait_for_text("#receipt-ticket-number", "TKT-")
        .await
        .unwrap();
    // Anonymous: the ticket says nothing about points, the amounts never break.
    assert!(browser.find("#receipt-points").await.is_err());
    let total = browser
        .execute(
            "return document.getElementById('receipt-total').textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(total.as_str(), Some("4\u{202F}500\u{a0}FCFA"));

    // Sale 2 with the keyboard only: Enter on the receipt, scan, Enter, Enter, Enter.
    let next = browser.find("#new-sale").await.unwrap();
    browser.send_keys(&next, ENTER).await.unwrap();
    scan(&browser, 6, "Eau").await;
    let basket_count = browser.find("#basket-count").await.unwrap();
    assert_eq!(browser.text(&basket_count).await.unwrap(), "1 article");
    pay_cash_with_the_keyboard(&browser).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(browser.active_element_id().await.unwrap(), "validate-sale");
    let validate = browser.find("#validate-sale").await.unwrap();
    browser.send_keys(&validate, ENTER).await.unwrap();
    browser
        .wait_for_text("#receipt-ticket-number", "TKT-")
        .await
        .unwrap();

    assert_eq!(sales_in_db(&app).await, 2);
    assert_eq!(
        text_of(&app, "SELECT method AS v FROM payments ORDER BY id").await,
        "ORANGE_MONEY"
    );
    assert_eq!(
        text_of(&app, "SELECT method AS v FROM payments ORDER BY id DESC").await,
        "ESPECES",
        "the second sale is recorded as cash"
    );
    assert_eq!(
        text_of(
            &app,
            "SELECT CAST(SUM(points_earned) AS TEXT) AS v FROM sales"
        )
        .await,
        "0",
        "anonymous sales earn no points"
    );
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_results_belong_to_the_text_searched() {
    let (_app, browser) = till_with_demo().await;
    let field = browser.wait_for("#barcode").await.unwrap();
    // Search as you type.
    browser.send_keys(&field, "savon").await.unwrap();
    browser
        .wait_for_text("#product-results", "Savon")
        .await
        .unwrap();
    // Replaced by "cafe" and Enter at once: Café goes in, never the Savon still listed.
    browser.clear(&field).await.unwrap();
    browser
        .send_keys(&field, &format!("cafe{ENTER}"))
        .await
        .unwrap();
    browser.wait_for_text("#basket", "Café").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let basket = browser.find("#basket").await.unwrap();
    assert!(!browser.text(&basket).await.unwrap().contains("Savon"));
    // A barcode no product has, and a misread one (wrong check digit): both refused, the
    // field cleared for the next scan, the basket unchanged.
    for code in [
        "4006381333931".to_owned(),
        misread(&TestApp::demo_barcode(0)),
    ] {
        browser
            .send_keys(&field, &format!("{code}{ENTER}"))
            .await
            .unwrap();
        browser
            .wait_for_text("#basket-error", &format!("Code-barres inconnu : {code}"))
            .await
            .unwrap();
        assert_eq!(
            browser
                .execute("return document.getElementById('barcode').value;", vec![])
                .await
                .unwrap()
                .as_str(),
            Some("")
        );
    }
    let lines = browser
        .execute(
            "return document.querySelectorAll('.basket-line').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(lines.as_u64(), Some(1), "only the Café");
    browser.quit().await;
}

/// `code` with its check digit changed: what a scanner reads off a smudged label.
fn misread(code: &str) -> String {
    let (body, check) = code.split_at(12);
    let wrong = (check.parse::<u8>().unwrap() + 1) % 10;
    format!("{body}{wrong}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_customer_errors_sit_under_their_field_in_french() {
    let (_app, browser) = till_with_demo().await;
    let phone = browser.find("#phone").await.unwrap();
    browser
        .send_keys(&phone, &format!("05 44 33 22 11{ENTER}"))
        .await
        .unwrap();
    let first = browser
        .wait_for("#new-customer-form #first-name")
        .await
        .unwrap();
    browser.send_keys(&first, "Mariam").await.unwrap();
    let email = browser.find("#email").await.unwrap();
    browser
        .send_keys(&email, &format!("pas-une-adresse{ENTER}"))
        .await
        .unwrap();
    browser
        .wait_for_text("#email-error", "Adresse e-mail invalide")
        .await
        .unwrap();
    let alert = browser
        .wait_for_text("#new-customer-error", "Vérifiez")
        .await
        .unwrap();
    assert!(!alert.contains("email"), "no raw field name: {alert}");
    let times = browser
        .execute(
            "return document.body.innerText.split('Adresse e-mail invalide').length - 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(times.as_i64(), Some(1), "the message shows once");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(browser.active_element_id().await.unwrap(), "email");
    browser.quit().await;
}
