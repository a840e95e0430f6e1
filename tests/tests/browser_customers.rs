//! « Clients » and « Journal d'audit » in headless Chromium (issue 13), against the real
//! server with the demo store: marketing finds a customer by phone, opens their page
//! (purchases, points, coupons), edits the profile, erases another customer after typing
//! their number, and sees a network failure with « Réessayer »; the director reads the
//! list with masked phones, cannot edit, and reads the journal, an entry's before and
//! after side by side.
//!
//! Element ids the tests rely on (keep them stable): list `#customer-search`,
//! `#customer-filter-level`, rows `.customer-row[data-customer-id]`, `#customers-error`,
//! `#customers-retry`, `#customers-export`; page `#customer-title`, `#customer-number`,
//! `#customer-city`, `#customer-edit`, `#customer-form-city`, `#customer-form-save`,
//! `#customer-flash`, `.purchase-row`, `.points-row`, `.coupon-used-row`,
//! `#customer-erase`, `#customer-erase-confirm`, `#customer-erase-submit`,
//! `#customer-erased`; journal `#journal-filter-action`, `.journal-row[data-entry-id]`,
//! `#journal-detail-{id}` with `.diff-row[data-field]` (`.changed`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_tests::webdriver::{Browser, ENTER};
use crm_tests::{demo_store_in_browser, TestApp};
use serde_json::json;

async fn token(app: &TestApp, username: &str, password: &str) -> String {
    app.login_body(username, password).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The demo customer with this phone: (id, customer number).
async fn demo_customer(app: &TestApp, phone: &str) -> (i64, String) {
    let caisse = token(app, "caisse", "Caisse2026!").await;
    let found = app
        .call(
            "POST",
            "/api/v1/customers/identify",
            Some(&caisse),
            Some(json!({"phone": phone})),
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    (
        found.body["customer"]["id"].as_i64().unwrap(),
        found.body["customer"]["customer_number"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

async fn search(browser: &Browser, text: &str) {
    let field = browser.wait_for("#customer-search").await.unwrap();
    browser.clear(&field).await.unwrap();
    browser
        .send_keys(&field, &format!("{text}{ENTER}"))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marketing_finds_a_customer_by_phone_and_opens_their_history() {
    let (app, browser) = demo_store_in_browser().await;
    let (aya, aya_number) = demo_customer(&app, "0701234567").await;
    let caisse = token(&app, "caisse", "Caisse2026!").await;
    let sold = app
        .sell(
            &caisse,
            json!({
                "customer_id": aya,
                "lines": [{"barcode": TestApp::demo_barcode(0), "quantity": 2}],
                "payments": [{"method": "ESPECES", "amount": 20_000}]
            }),
        )
        .await;
    assert_eq!(sold.status, 201, "{}", sold.body);

    browser
        .log_in(&app.base_url, "marketing", "Marketing2026!")
        .await
        .unwrap();
    browser.wait_for("[data-nav=clients]").await.unwrap();
    browser.click_on("[data-nav=clients]").await.unwrap();
    // The phone in an international form, then Entrée: one customer, the number whole.
    search(&browser, "+225 07 01 23 45 67").await;
    browser.wait_for_count(".customer-row", 1).await.unwrap();
    let row = browser.text_of(".customer-row").await.unwrap();
    assert!(row.contains("Aya Kouassi"), "{row}");
    assert!(
        row.contains("07 01 23 45 67"),
        "marketing sees the full number: {row}"
    );
    assert!(row.contains(&aya_number), "{row}");
    // A name prefix without its accent, typed and left to the debounce.
    let field = browser.find("#customer-search").await.unwrap();
    browser.clear(&field).await.unwrap();
    browser.send_keys(&field, "kouas").await.unwrap();
    browser
        .wait_for_text(".customer-row .customer-name", "Kouassi")
        .await
        .unwrap();

    // Entrée on the row opens the customer page.
    browser
        .execute("document.querySelector('.customer-row').focus();", vec![])
        .await
        .unwrap();
    let focused = browser.active_element().await.unwrap();
    browser.send_keys(&focused, ENTER).await.unwrap();
    browser
        .wait_for_text("#customer-title", "Aya Kouassi")
        .await
        .unwrap();
    assert!(browser
        .current_url()
        .await
        .unwrap()
        .ends_with(&format!("/clients/{aya}")));
    browser
        .wait_for_text("#customer-number", &aya_number)
        .await
        .unwrap();
    browser.wait_for_count(".purchase-row", 1).await.unwrap();
    let purchase = browser.text_of(".purchase-row").await.unwrap();
    assert!(
        purchase.contains(sold.body["ticket_number"].as_str().unwrap()),
        "{purchase}"
    );
    assert!(purchase.contains("Validée"), "{purchase}");
    browser.wait_for(".points-row").await.unwrap();
    let points = browser.texts(".points-row").await.unwrap();
    assert!(points.iter().any(|p| p.contains("Achat")), "{points:?}");

    // The profile is edited, and the page shows what the server saved.
    browser.click_on("#customer-edit").await.unwrap();
    let city = browser.wait_for("#customer-form-city").await.unwrap();
    browser.clear(&city).await.unwrap();
    browser
        .send_keys(&city, &format!("Bouaké{ENTER}"))
        .await
        .unwrap();
    browser
        .wait_for_text("#customer-city", "Bouaké")
        .await
        .unwrap();
    browser
        .wait_for_text("#customer-flash", "enregistrée")
        .await
        .unwrap();
    let marketing = token(&app, "marketing", "Marketing2026!").await;
    let stored = app
        .call(
            "GET",
            &format!("/api/v1/customers/{aya}"),
            Some(&marketing),
            None,
        )
        .await;
    assert_eq!(stored.body["customer"]["city"], "Bouaké");

    // The network fails on the way back to the list: said in French, « Réessayer » works.
    browser
        .execute(
            "window.__realFetch = window.fetch;
             window.fetch = () => Promise.reject(new TypeError('Failed to fetch'));",
            vec![],
        )
        .await
        .unwrap();
    browser.click_on("#customer-back").await.unwrap();
    let message = browser.text_of("#customers-error").await.unwrap();
    assert!(message.starts_with("Serveur injoignable."), "{message}");
    browser
        .execute("window.fetch = window.__realFetch;", vec![])
        .await
        .unwrap();
    browser.click_on("#customers-retry").await.unwrap();
    browser.wait_for_count("#customers-error", 0).await.unwrap();
    browser.wait_for(".customer-row").await.unwrap();

    // Another customer is erased, only once their number is typed.
    let (other, other_number) = demo_customer(
        &app,
        &crm_server::demo::DEMO_CUSTOMERS[1].0.replace(' ', ""),
    )
    .await;
    browser
        .goto(&format!("{}/clients/{other}", app.base_url))
        .await
        .unwrap();
    browser
        .wait_for_text("#customer-number", &other_number)
        .await
        .unwrap();
    browser.click_on("#customer-erase").await.unwrap();
    let confirm = browser.wait_for("#customer-erase-confirm").await.unwrap();
    let submit_enabled = || async {
        browser
            .execute(
                "return !document.querySelector('#customer-erase-submit').disabled;",
                vec![],
            )
            .await
            .unwrap()
            .as_bool()
            .unwrap()
    };
    assert!(!submit_enabled().await, "nothing typed: the erasure waits");
    browser.send_keys(&confirm, "CLT").await.unwrap();
    assert!(!submit_enabled().await, "a wrong number: still waiting");
    browser.clear(&confirm).await.unwrap();
    browser
        .send_keys(&confirm, &other_number.to_lowercase())
        .await
        .unwrap();
    assert!(submit_enabled().await);
    browser.send_keys(&confirm, ENTER).await.unwrap();
    browser.wait_for("#customer-erased").await.unwrap();
    browser
        .wait_for_text("#customer-flash", "effacé")
        .await
        .unwrap();
    let gone = app
        .call(
            "GET",
            &format!("/api/v1/customers/{other}"),
            Some(&marketing),
            None,
        )
        .await;
    assert_eq!(gone.body["customer"]["erased"], true, "{}", gone.body);
    assert_eq!(
        browser.count("#customer-erase").await.unwrap(),
        0,
        "nothing left to erase"
    );
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_director_reads_customers_masked_and_the_journal_read_only() {
    let (app, browser) = demo_store_in_browser().await;
    let (aya, _) = demo_customer(&app, "0701234567").await;
    let marketing = token(&app, "marketing", "Marketing2026!").await;
    let changed = app
        .call(
            "PATCH",
            &format!("/api/v1/customers/{aya}"),
            Some(&marketing),
            Some(json!({"city": "Bouaké"})),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);

    browser
        .log_in(&app.base_url, "dg", "Direction2026!")
        .await
        .unwrap();
    browser.wait_for("[data-nav=journal]").await.unwrap();
    browser
        .goto(&format!("{}/clients", app.base_url))
        .await
        .unwrap();
    search(&browser, "07 01 23 45 67").await;
    browser.wait_for_count(".customer-row", 1).await.unwrap();
    let phone = browser
        .text_of(".customer-row .customer-phone")
        .await
        .unwrap();
    assert_eq!(
        phone, "07 •• •• 45 67",
        "the director sees the number masked"
    );
    browser.click_on(".customer-row").await.unwrap();
    browser
        .wait_for_text("#customer-city", "Bouaké")
        .await
        .unwrap();
    for write in ["#customer-edit", "#customer-erase", "#customer-export"] {
        assert_eq!(
            browser.count(write).await.unwrap(),
            0,
            "{write} is not offered to the director"
        );
    }

    browser.click_on("[data-nav=journal]").await.unwrap();
    browser.wait_for(".journal-row").await.unwrap();
    let action = browser.find("#journal-filter-action").await.unwrap();
    browser
        .send_keys(&action, &format!("customer.update{ENTER}"))
        .await
        .unwrap();
    browser.wait_for_count(".journal-row", 1).await.unwrap();
    let row = browser.text_of(".journal-row").await.unwrap();
    assert!(
        row.contains("marketing") && row.contains("customer.update"),
        "{row}"
    );
    browser.click_on(".journal-row").await.unwrap();
    browser.wait_for(".journal-detail").await.unwrap();
    let city = browser
        .texts(".diff-row.changed[data-field=city] td")
        .await
        .unwrap();
    assert_eq!(city, ["Abidjan", "Bouaké"], "before and after side by side");
    assert_eq!(
        browser.count(".diff-row.changed").await.unwrap(),
        1,
        "only the city changed"
    );
    assert_eq!(
        browser
            .count(".diff-row.changed[data-field=first_name]")
            .await
            .unwrap(),
        0,
        "unchanged fields are not highlighted"
    );
    assert!(
        browser
            .count(".diff-row[data-field=first_name]")
            .await
            .unwrap()
            == 1
    );
    assert_eq!(
        browser
            .count(".journal-page button.button-primary")
            .await
            .unwrap(),
        0,
        "nothing to write here"
    );
    browser.quit().await;
}
