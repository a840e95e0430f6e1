//! The SPA in headless Chromium: a staff member whose password was reset signs in with
//! the temporary one, sees nothing but « Changer le mot de passe » (no menu, no way
//! around it), changes it with the keyboard alone, and lands on the till.
//!
//! Element ids: `#password-page`, `#password-forced`, `#password-current`,
//! `#password-new`, `#password-policy`, `#password-confirm`, `#password-error`,
//! `#password-submit`, the header's `#password-link`.

use crm_domain::Role;
use crm_tests::webdriver::{Browser, ENTER};
use crm_tests::{spawn_with, Backend};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_account_must_choose_its_password_before_the_till() {
    let app = spawn_with(Backend::Sqlite, |s| s.seed_demo = true).await;
    let admin = app.token_for(Role::Admin).await;
    let caisse = crm_store::users::find_by_username(&app.state.db, "caisse")
        .await
        .unwrap()
        .unwrap();
    let reset = app
        .call(
            "POST",
            &format!("/api/v1/users/{}/reset-password", caisse.id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(reset.status, 200, "{}", reset.body);
    let temporary = reset.body["temporary_password"]
        .as_str()
        .unwrap()
        .to_owned();

    let browser = Browser::start().await.expect("headless Chromium starts");
    browser
        .log_in(&app.base_url, "caisse", &temporary)
        .await
        .unwrap();
    browser.wait_for("#password-forced").await.unwrap();
    assert!(
        browser.find("[data-nav=caisse]").await.is_err(),
        "no menu while flagged"
    );

    // Typing the address of the till does not get around it.
    browser
        .goto(&format!("{}/caisse", app.base_url))
        .await
        .unwrap();
    browser.wait_for("#password-forced").await.unwrap();
    assert!(
        browser.find("#phone").await.is_err(),
        "the till stays out of reach"
    );

    // The policy speaks while typing; the keyboard does the rest.
    let current = browser.wait_for("#password-current").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        browser.active_element_id().await.unwrap(),
        "password-current"
    );
    browser.send_keys(&current, &temporary).await.unwrap();
    let new = browser.find("#password-new").await.unwrap();
    browser.send_keys(&new, "court").await.unwrap();
    browser
        .wait_for_text("#password-policy", "10 caractères")
        .await
        .unwrap();
    if let Some(dir) = std::env::var_os("CRM_SCREENSHOT_DIR") {
        let path = std::path::Path::new(&dir).join("password.png");
        browser.screenshot(&path).await.unwrap();
    }
    browser.clear(&new).await.unwrap();
    browser.send_keys(&new, "Nouveau2026!").await.unwrap();
    let confirm = browser.find("#password-confirm").await.unwrap();
    browser
        .send_keys(&confirm, &format!("Nouveau2026!{ENTER}"))
        .await
        .unwrap();

    // Done: the till, with its menu, and the old temporary password is over.
    browser.wait_for("#phone").await.unwrap();
    browser.wait_for("[data-nav=caisse]").await.unwrap();
    let login = app
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(serde_json::json!({"username": "caisse", "password": temporary})),
        )
        .await;
    login.assert_problem(401, "auth.invalid_credentials");
    app.login_body("caisse", "Nouveau2026!").await;
    browser.quit().await;
}
