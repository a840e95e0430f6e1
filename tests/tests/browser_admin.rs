//! « Administration » in headless Chromium: the administrator creates a cashier (the
//! temporary password shown once, with « Copier »), the catalogue survives a network
//! failure (French message, « Réessayer »), a price list is simulated then applied; the
//! new cashier signs in with the temporary password, is made to choose their own, and
//! reaches the till, which picked its only open till and remembers it. The director then
//! reads the accounts without a button to change them.
//!
//! Element ids: `#user-new`, `#user-username`, `#user-display-name`, `#user-role`,
//! `#user-store`, `#user-create`, `#temp-password`, `#temp-password-copy`,
//! `#users-list .user-row[data-username]`, `[data-tab=…]`, `#catalogue-error(-retry)`,
//! `#catalogue-list .product-row`, `#import-file`, `#import-report`, `#import-apply`,
//! `#catalogue-flash`, `#till-current`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_tests::webdriver::{plain, ENTER};
use crm_tests::{demo_store_in_browser, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_creates_a_cashier_who_changes_the_password_then_reaches_the_till() {
    let (app, browser) = demo_store_in_browser().await;
    browser
        .log_in(&app.base_url, "admin", "Admin2026!")
        .await
        .unwrap();
    browser.wait_for("[data-nav=admin]").await.unwrap();
    browser.click_on("[data-nav=admin]").await.unwrap();
    browser
        .wait_for("#users-list .user-row[data-username=caisse]")
        .await
        .unwrap();

    // « Nouvel utilisateur »: a cashier of the demo store.
    browser.click_on("#user-new").await.unwrap();
    let username = browser.wait_for("#user-username").await.unwrap();
    browser.send_keys(&username, "awa.kone").await.unwrap();
    let name = browser.find("#user-display-name").await.unwrap();
    browser.send_keys(&name, "Awa Koné").await.unwrap();
    browser
        .click_on("#user-role option[value=CASHIER]")
        .await
        .unwrap();
    browser
        .click_on("#user-store option:nth-child(2)")
        .await
        .unwrap();
    browser.click_on("#user-create").await.unwrap();
    let temporary = browser.wait_for("#temp-password").await.unwrap();
    let temporary = browser.text(&temporary).await.unwrap();
    assert_eq!(temporary.len(), 14, "{temporary}");
    assert_eq!(
        browser.text_of("#temp-password-user").await.unwrap(),
        "awa.kone"
    );
    browser.click_on("#temp-password-copy").await.unwrap();
    browser
        .wait_for_text("#temp-password-copy", "Copié")
        .await
        .unwrap();
    browser
        .wait_for_text(
            ".user-row[data-username='awa.kone']",
            "Doit changer son mot de passe",
        )
        .await
        .unwrap();
    let account = crm_store::users::find_by_username(&app.state.db, "awa.kone")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.display_name, "Awa Koné");
    assert!(account.must_change_password);
    assert!(account.store_id.is_some(), "the default store was picked");
    assert_eq!(
        browser
            .count(".user-row[data-username='awa.kone'] select.user-store-select")
            .await
            .unwrap(),
        1,
        "the administrator may move the account to another store"
    );
    browser
        .keep_screenshot(None, "admin-users.png")
        .await
        .unwrap();
    browser
        .keep_screenshot(Some("#users-list"), "admin-users-list.png")
        .await
        .unwrap();
    browser.click_on("#temp-password-close").await.unwrap();
    browser.wait_for_count("#temp-password", 0).await.unwrap();

    // The catalogue while the network is down: a French message and « Réessayer ».
    browser
        .execute(
            "window.__realFetch = window.fetch;
             window.fetch = () => Promise.reject(new TypeError('Failed to fetch'));",
            vec![],
        )
        .await
        .unwrap();
    browser.click_on("[data-tab=catalogue]").await.unwrap();
    let message = browser
        .wait_for_text("#catalogue-error", "Serveur injoignable.")
        .await
        .unwrap();
    assert!(message.contains("Réessayer"), "{message}");
    browser
        .execute("window.fetch = window.__realFetch;", vec![])
        .await
        .unwrap();
    browser.click_on("#catalogue-error-retry").await.unwrap();
    browser
        .wait_for_count("#catalogue-list .product-row", 16)
        .await
        .unwrap();
    browser.wait_for_count("#catalogue-error", 0).await.unwrap();

    // A price list: simulated first (nothing written), then « Appliquer ».
    let rice = TestApp::demo_barcode(0);
    let dir =
        std::env::temp_dir().join(format!("crm-price-list-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("prix.csv");
    std::fs::write(
        &file,
        format!("\u{feff}code-barres;prix;coût\r\n{rice};5 250;\r\n6191000000017;100;\r\n"),
    )
    .unwrap();
    let input = browser.find("#import-file").await.unwrap();
    browser
        .send_keys(&input, file.to_str().unwrap())
        .await
        .unwrap();
    browser.wait_for("#import-report").await.unwrap();
    assert_eq!(browser.text_of("#import-invalid-count").await.unwrap(), "1");
    browser
        .wait_for_text("#import-report .import-invalid", "Ligne 3")
        .await
        .unwrap();
    let rice_row = format!("#catalogue-list .product-row[data-barcode='{rice}'] .product-price");
    let before = plain(&browser.text_of(&rice_row).await.unwrap());
    assert_ne!(before, "5 250 FCFA");
    let disabled = browser
        .execute(
            "return document.querySelector('#import-apply').disabled;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        disabled,
        serde_json::json!(true),
        "no apply while a line is invalid"
    );
    browser
        .keep_screenshot(Some("#price-import"), "admin-price-list.png")
        .await
        .unwrap();
    std::fs::write(&file, format!("code-barres;prix\n{rice};5 250\n")).unwrap();
    browser.clear(&input).await.ok();
    browser
        .send_keys(&input, file.to_str().unwrap())
        .await
        .unwrap();
    browser.wait_for_text("#import-changes", "1").await.unwrap();
    browser
        .wait_for_count("#import-invalid-count", 1)
        .await
        .unwrap();
    browser
        .wait_for_text("#import-invalid-count", "0")
        .await
        .unwrap();
    browser.click_on("#import-apply").await.unwrap();
    browser
        .wait_for_text("#catalogue-flash", "Liste de prix appliquée")
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while plain(&browser.text_of(&rice_row).await.unwrap()) != "5 250 FCFA" {
        assert!(
            std::time::Instant::now() < deadline,
            "the list shows the new price"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    std::fs::remove_dir_all(&dir).ok();
    browser
        .keep_screenshot(None, "admin-catalogue.png")
        .await
        .unwrap();

    // « Magasins et caisses »: the demo store and its till, read back from the API.
    browser.click_on("[data-tab=magasins]").await.unwrap();
    browser
        .wait_for(".store-card[data-store-code=\"ABJ-PLATEAU\"] .till-row[data-till-code=C01]")
        .await
        .unwrap();
    browser
        .keep_screenshot(None, "admin-stores.png")
        .await
        .unwrap();

    // The cashier's first login: the password first, then the till.
    browser.click_on("#logout").await.unwrap();
    browser.wait_for("#username").await.unwrap();
    browser
        .fill_login_form("awa.kone", &temporary)
        .await
        .unwrap();
    let current = browser.wait_for("#password-current").await.unwrap();
    browser.wait_for("#password-forced").await.unwrap();
    browser.send_keys(&current, &temporary).await.unwrap();
    let new = browser.find("#password-new").await.unwrap();
    browser.send_keys(&new, "Caisse-Awa-2026").await.unwrap();
    let confirm = browser.find("#password-confirm").await.unwrap();
    browser
        .send_keys(&confirm, &format!("Caisse-Awa-2026{ENTER}"))
        .await
        .unwrap();
    browser.wait_for("#phone").await.unwrap();
    browser
        .wait_for_text("#till-current", "Caisse 1")
        .await
        .unwrap();
    let kept = browser
        .execute("return localStorage.getItem('crm.till');", vec![])
        .await
        .unwrap();
    assert!(
        kept.as_str().is_some_and(|k| k.contains("Caisse 1")),
        "{kept}"
    );
    browser
        .keep_screenshot(None, "admin-till.png")
        .await
        .unwrap();
    app.login_body("awa.kone", "Caisse-Awa-2026").await;

    // The director reads the accounts and changes nothing.
    browser.click_on("#logout").await.unwrap();
    browser.wait_for("#username").await.unwrap();
    browser
        .fill_login_form("dg", "Direction2026!")
        .await
        .unwrap();
    browser.wait_for("[data-nav=admin]").await.unwrap();
    browser.click_on("[data-nav=admin]").await.unwrap();
    browser
        .wait_for("#users-list .user-row[data-username='awa.kone']")
        .await
        .unwrap();
    for button in [
        "#user-new",
        ".user-toggle",
        ".user-reset",
        "select.user-role-select",
    ] {
        assert_eq!(
            browser.count(button).await.unwrap(),
            0,
            "{button} is not for the director"
        );
    }
    browser.quit().await;
}
