//! Access that can be stopped and guessed at no faster than allowed, on SQLite and
//! PostgreSQL: logout, deactivation, role changes and password resets end bearer tokens
//! on the next request; flagged accounts can only change their password; login and
//! service-token attempts are throttled and audited; signing secrets are checked at start.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_domain::Role;
use crm_tests::{on_both_databases, spawn_with, test_settings, Backend, Reply, TestApp};
use serde_json::json;

/// A staff member signed in: the whole login answer.
struct Session {
    access: String,
    refresh: String,
    user_id: i64,
}

async fn sign_in(app: &TestApp, username: &str, password: &str) -> Session {
    let body = app.login_body(username, password).await;
    Session {
        access: body["access_token"].as_str().unwrap().to_owned(),
        refresh: body["refresh_token"].as_str().unwrap().to_owned(),
        user_id: body["user"]["id"].as_i64().unwrap(),
    }
}

/// A request only a cashier's role allows: the till's identify.
async fn till_call(app: &TestApp, token: &str) -> Reply {
    app.call(
        "POST",
        "/api/v1/customers/identify",
        Some(token),
        Some(json!({"phone": "0701234567"})),
    )
    .await
}

fn assert_allowed(reply: &Reply) {
    assert!(
        reply.status != 401 && reply.status != 403,
        "expected the token to be accepted: {} {}",
        reply.status,
        reply.body
    );
}

async fn login_reply(app: &TestApp, username: &str, password: &str) -> Reply {
    app.call(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"username": username, "password": password})),
    )
    .await
}

on_both_databases! {
    async fn logout_stops_that_sessions_access_token_at_once(app) {
        app.create_user("awa", Role::Cashier, "Caisse2026!").await;
        let till_one = sign_in(&app, "awa", "Caisse2026!").await;
        let till_two = sign_in(&app, "awa", "Caisse2026!").await;
        assert_allowed(&till_call(&app, &till_one.access).await);

        let out = app
            .call("POST", "/api/v1/auth/logout", None, Some(json!({"refresh_token": till_one.refresh})))
            .await;
        assert_eq!(out.status, 204);
        till_call(&app, &till_one.access).await.assert_problem(401, "auth.session_revoked");
        app.call("GET", "/api/v1/me", Some(&till_one.access), None)
            .await
            .assert_problem(401, "auth.session_revoked");
        // The other till's session is another login: it goes on.
        assert_allowed(&till_call(&app, &till_two.access).await);
    }
}

on_both_databases! {
    async fn a_stolen_refresh_token_replayed_ends_the_access_token_too(app) {
        app.create_user("awa", Role::Cashier, "Caisse2026!").await;
        let session = sign_in(&app, "awa", "Caisse2026!").await;
        let rotated = app
            .call("POST", "/api/v1/auth/refresh", None, Some(json!({"refresh_token": session.refresh})))
            .await;
        assert_eq!(rotated.status, 200, "{}", rotated.body);
        let current = rotated.body["access_token"].as_str().unwrap().to_owned();
        assert_allowed(&till_call(&app, &current).await);
        // The spent token comes back: the whole family is revoked, access tokens included.
        app.call("POST", "/api/v1/auth/refresh", None, Some(json!({"refresh_token": session.refresh})))
            .await
            .assert_problem(401, "auth.invalid_refresh_token");
        till_call(&app, &current).await.assert_problem(401, "auth.session_revoked");
    }
}

on_both_databases! {
    async fn deactivating_a_user_stops_their_tokens_and_logins(app) {
        let admin = app.token_for(Role::Admin).await;
        app.create_user("awa", Role::Cashier, "Caisse2026!").await;
        let awa = sign_in(&app, "awa", "Caisse2026!").await;
        assert_allowed(&till_call(&app, &awa.access).await);

        let stopped = app
            .call("PATCH", &format!("/api/v1/users/{}", awa.user_id), Some(&admin), Some(json!({"active": false})))
            .await;
        assert_eq!(stopped.status, 200, "{}", stopped.body);
        assert_eq!(stopped.body["active"], false);

        till_call(&app, &awa.access).await.assert_problem(401, "auth.session_revoked");
        app.call("POST", "/api/v1/auth/refresh", None, Some(json!({"refresh_token": awa.refresh})))
            .await
            .assert_problem(401, "auth.invalid_refresh_token");
        login_reply(&app, "awa", "Caisse2026!").await.assert_problem(401, "auth.invalid_credentials");

        // Let back in: a new login works again.
        let back = app
            .call("PATCH", &format!("/api/v1/users/{}", awa.user_id), Some(&admin), Some(json!({"active": true})))
            .await;
        assert_eq!(back.status, 200, "{}", back.body);
        let again = sign_in(&app, "awa", "Caisse2026!").await;
        assert_allowed(&till_call(&app, &again.access).await);

        let entries = crm_store::audit::for_entity(&app.state.db, "user", &awa.user_id.to_string())
            .await
            .unwrap();
        assert_eq!(entries.iter().filter(|e| e.action == "user.updated").count(), 2);
    }
}

on_both_databases! {
    async fn a_role_change_stops_tokens_carrying_the_old_role(app) {
        let admin = app.token_for(Role::Admin).await;
        app.create_user("awa", Role::Cashier, "Caisse2026!").await;
        let awa = sign_in(&app, "awa", "Caisse2026!").await;
        let changed = app
            .call("PATCH", &format!("/api/v1/users/{}", awa.user_id), Some(&admin), Some(json!({"role": "MARKETING"})))
            .await;
        assert_eq!(changed.status, 200, "{}", changed.body);
        assert_eq!(changed.body["role"], "MARKETING");
        till_call(&app, &awa.access).await.assert_problem(401, "auth.session_revoked");
        // The session itself goes on: refreshing gives a token with the new role.
        let refreshed = app
            .call("POST", "/api/v1/auth/refresh", None, Some(json!({"refresh_token": awa.refresh})))
            .await;
        assert_eq!(refreshed.status, 200, "{}", refreshed.body);
        assert_eq!(refreshed.body["user"]["role"], "MARKETING");
        let token = refreshed.body["access_token"].as_str().unwrap();
        till_call(&app, token).await.assert_problem(403, "auth.forbidden");
        assert_eq!(app.call("GET", "/api/v1/customers", Some(token), None).await.status, 200);
    }
}

on_both_databases! {
    async fn only_admins_change_accounts_and_not_their_own_access(app) {
        app.create_user("awa", Role::Cashier, "Caisse2026!").await;
        let awa = sign_in(&app, "awa", "Caisse2026!").await;
        for role in [Role::Cashier, Role::Marketing, Role::Director] {
            let token = app.token_for(role).await;
            app.call("PATCH", &format!("/api/v1/users/{}", awa.user_id), Some(&token), Some(json!({"active": false})))
                .await
                .assert_problem(403, "auth.forbidden");
            app.call("POST", &format!("/api/v1/users/{}/reset-password", awa.user_id), Some(&token), None)
                .await
                .assert_problem(403, "auth.forbidden");
        }
        app.call("PATCH", &format!("/api/v1/users/{}", awa.user_id), None, Some(json!({"active": false})))
            .await
            .assert_problem(401, "auth.missing_token");

        app.create_user("chef", Role::Admin, "Admin2026!x").await;
        let chef = sign_in(&app, "chef", "Admin2026!x").await;
        let path = format!("/api/v1/users/{}", chef.user_id);
        app.call("PATCH", &path, Some(&chef.access), Some(json!({"active": false})))
            .await
            .assert_problem(409, "user.self_lockout");
        app.call("PATCH", &path, Some(&chef.access), Some(json!({"role": "CASHIER"})))
            .await
            .assert_problem(409, "user.self_lockout");
        app.call("PATCH", "/api/v1/users/999999", Some(&chef.access), Some(json!({"active": false})))
            .await
            .assert_problem(404, "user.not_found");
        app.call("PATCH", &format!("/api/v1/users/{}", awa.user_id), Some(&chef.access), Some(json!({"role": "ROOT"})))
            .await
            .assert_problem(422, "request.invalid_body");
        assert_allowed(&till_call(&app, &awa.access).await);
    }
}

on_both_databases! {
    async fn a_reset_flags_the_account_until_it_chooses_its_own_password(app) {
        let admin = app.token_for(Role::Admin).await;
        app.create_user("awa", Role::Cashier, "Caisse2026!").await;
        let before = sign_in(&app, "awa", "Caisse2026!").await;

        let reset = app
            .call("POST", &format!("/api/v1/users/{}/reset-password", before.user_id), Some(&admin), None)
            .await;
        assert_eq!(reset.status, 200, "{}", reset.body);
        assert_eq!(reset.body["user"]["must_change_password"], true);
        let temporary = reset.body["temporary_password"].as_str().unwrap().to_owned();

        // Everything from before the reset is over.
        till_call(&app, &before.access).await.assert_problem(401, "auth.session_revoked");
        app.call("POST", "/api/v1/auth/refresh", None, Some(json!({"refresh_token": before.refresh})))
            .await
            .assert_problem(401, "auth.invalid_refresh_token");
        login_reply(&app, "awa", "Caisse2026!").await.assert_problem(401, "auth.invalid_credentials");

        // The temporary password opens a session that can only change it.
        let flagged = app.login_body("awa", &temporary).await;
        assert_eq!(flagged["user"]["must_change_password"], true);
        let token = flagged["access_token"].as_str().unwrap().to_owned();
        till_call(&app, &token).await.assert_problem(403, "auth.password_change_required");
        let me = app.call("GET", "/api/v1/me", Some(&token), None).await;
        assert_eq!(me.status, 200);
        assert_eq!(me.body["user"]["must_change_password"], true);

        let change = |current: &str, new: &str| {
            json!({"current_password": current, "new_password": new})
        };
        app.call("POST", "/api/v1/auth/password", Some(&token), Some(change("wrong-one-1", "Nouveau2026!")))
            .await
            .assert_problem(401, "auth.invalid_credentials");
        app.call("POST", "/api/v1/auth/password", Some(&token), Some(change(&temporary, "court1")))
            .await
            .assert_problem(422, "password.too_short");
        app.call("POST", "/api/v1/auth/password", Some(&token), Some(change(&temporary, "awa-nouveau-2026")))
            .await
            .assert_problem(422, "password.contains_username");
        app.call("POST", "/api/v1/auth/password", Some(&token), Some(change(&temporary, &temporary)))
            .await
            .assert_problem(422, "password.unchanged");

        let changed = app
            .call("POST", "/api/v1/auth/password", Some(&token), Some(change(&temporary, "Nouveau2026!")))
            .await;
        assert_eq!(changed.status, 200, "{}", changed.body);
        assert_eq!(changed.body["user"]["must_change_password"], false);
        let fresh = changed.body["access_token"].as_str().unwrap();
        assert_allowed(&till_call(&app, fresh).await);
        // The flagged session's token is over; the new password is the only one.
        till_call(&app, &token).await.assert_problem(401, "auth.session_revoked");
        login_reply(&app, "awa", &temporary).await.assert_problem(401, "auth.invalid_credentials");
        sign_in(&app, "awa", "Nouveau2026!").await;

        let actions: Vec<String> = crm_store::audit::for_entity(&app.state.db, "user", &before.user_id.to_string())
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(actions, ["user.password_reset", "user.password_changed"]);
    }
}

on_both_databases! {
    async fn imported_plain_and_foreign_passwords_become_flagged_accounts(app) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/legacy");
        crm_server::import::legacy(&app.state, &dir).await.expect("import");
        // A plain password from the old system works once, then must be replaced.
        let plain = app.login_body("ytraore", "Bienvenue2026!").await;
        assert_eq!(plain["user"]["must_change_password"], true);
        let token = plain["access_token"].as_str().unwrap();
        till_call(&app, token).await.assert_problem(403, "auth.password_change_required");
        // A hash of another algorithm cannot be checked: an admin resets the account.
        let admin = app.token_for(Role::Admin).await;
        let user = crm_store::users::find_by_username(&app.state.db, "mbamba").await.unwrap().unwrap();
        assert!(user.must_change_password);
        let reset = app
            .call("POST", &format!("/api/v1/users/{}/reset-password", user.id), Some(&admin), None)
            .await;
        assert_eq!(reset.status, 200, "{}", reset.body);
        let temporary = reset.body["temporary_password"].as_str().unwrap();
        assert_eq!(app.login_body("mbamba", temporary).await["user"]["must_change_password"], true);
    }
}

on_both_databases! {
    async fn service_accounts_cannot_use_the_staff_password_change(app) {
        let token = app.service_token(&[crm_domain::Scope::Pos]).await;
        app.call("POST", "/api/v1/auth/password", Some(&token),
                 Some(json!({"current_password": "x", "new_password": "Nouveau2026!"})))
            .await
            .assert_problem(403, "auth.staff_only");
        app.call("POST", "/api/v1/auth/password", None,
                 Some(json!({"current_password": "x", "new_password": "Nouveau2026!"})))
            .await
            .assert_problem(401, "auth.missing_token");
    }
}

/// A server allowing 3 attempts a minute per name and 2 password hashes at a time (the
/// per-address allowance is left wide: every test client is 127.0.0.1).
async fn strict(backend: Backend) -> TestApp {
    spawn_with(backend, |s| {
        s.login_attempts_per_name = 3;
        s.login_attempts_per_address = 10_000;
        s.password_hashing_slots = 2;
    })
    .await
}

/// Two API instances on one database: each sees two guesses, under its own allowance of
/// three; together they saw four, and the fourth is refused.
async fn instances_on_one_database_share_the_login_allowance(app: TestApp) {
    app.create_user("awa", Role::Cashier, "Caisse2026!").await;
    let second = app.spawn_beside().await;
    // The shared counters count per minute: start early in one.
    let into_minute = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 60;
    if into_minute > 40 {
        tokio::time::sleep(std::time::Duration::from_secs(61 - into_minute)).await;
    }
    let mut statuses = Vec::new();
    for base_url in [
        &app.base_url,
        &second.base_url,
        &app.base_url,
        &second.base_url,
    ] {
        let reply = app
            .client
            .post(format!("{base_url}/api/v1/auth/login"))
            .json(&json!({"username": "awa", "password": "guess-1234"}))
            .send()
            .await
            .unwrap();
        statuses.push(reply.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_on_one_database_share_the_login_allowance_sqlite() {
    instances_on_one_database_share_the_login_allowance(strict(Backend::Sqlite).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_on_one_database_share_the_login_allowance_postgres() {
    instances_on_one_database_share_the_login_allowance(strict(Backend::Postgres).await).await
}

async fn guessing_is_slowed_per_name_and_audited(app: TestApp) {
    app.create_user("awa", Role::Cashier, "Caisse2026!").await;
    for _ in 0..3 {
        login_reply(&app, "awa", "guess-1234")
            .await
            .assert_problem(401, "auth.invalid_credentials");
    }
    // Even the right password waits now: the guesser cannot tell.
    let limited = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "AWA", "password": "Caisse2026!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    let body: serde_json::Value = limited.json().await.unwrap();
    assert_eq!(body["code"], "auth.too_many_attempts");

    // Another name is not held back by awa's guesser.
    app.create_user("moussa", Role::Cashier, "Caisse2026!")
        .await;
    sign_in(&app, "moussa", "Caisse2026!").await;

    let failures = crm_store::audit::for_entity(&app.state.db, "auth", "awa")
        .await
        .unwrap();
    assert_eq!(failures.len(), 3);
    assert!(failures.iter().all(|f| f.action == "auth.login_failed"));
    assert!(failures
        .iter()
        .all(|f| !f.after.as_deref().unwrap_or("").contains("guess")));

    // Service tokens are throttled the same way.
    let issued = crm_server::accounts::create_service_account(
        &app.state.db,
        "erp",
        &[crm_domain::Scope::Pos],
    )
    .await
    .unwrap();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let reply = app
            .call(
                "POST",
                "/api/v1/auth/token",
                None,
                Some(json!({"client_id": issued.client_id, "client_secret": "wrong"})),
            )
            .await;
        statuses.push(reply.status);
    }
    assert_eq!(statuses, [401, 401, 401, 429]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_is_slowed_per_name_and_audited_sqlite() {
    guessing_is_slowed_per_name_and_audited(strict(Backend::Sqlite).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_is_slowed_per_name_and_audited_postgres() {
    guessing_is_slowed_per_name_and_audited(strict(Backend::Postgres).await).await
}

/// 300 logins at once with two hashing slots: every answer is a clean 200/401/429/503,
/// and the server still serves afterwards.
async fn a_login_flood_is_answered_not_crashed(app: TestApp) {
    app.create_user("awa", Role::Cashier, "Caisse2026!").await;
    let logins = (0..300).map(|i| {
        let client = app.client.clone();
        let url = app.url("/api/v1/auth/login");
        async move {
            client
                .post(url)
                .json(&json!({"username": format!("flood{i}"), "password": "x"}))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    });
    let statuses = futures::future::join_all(logins).await;
    assert!(
        statuses.iter().all(|s| [401, 429, 503].contains(s)),
        "unexpected answers: {statuses:?}"
    );
    assert!(statuses.contains(&401));
    sign_in(&app, "awa", "Caisse2026!").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_flood_is_answered_not_crashed_sqlite() {
    a_login_flood_is_answered_not_crashed(strict(Backend::Sqlite).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_flood_is_answered_not_crashed_postgres() {
    a_login_flood_is_answered_not_crashed(strict(Backend::Postgres).await).await
}

#[tokio::test]
async fn unsafe_token_settings_are_refused_at_start() {
    let dir = std::env::temp_dir().join(format!("crm-test-{}", uuid::Uuid::new_v4().simple()));
    let url = format!("sqlite://{}/crm.sqlite?mode=rwc", dir.display());

    let mut short = test_settings(url.clone(), dir.clone());
    short.jwt_secret = Some("only-20-bytes-secret".into());
    let err = crm_server::Application::build(short)
        .await
        .err()
        .expect("short secret refused");
    assert!(format!("{err:#}").contains("32 octets"), "{err:#}");

    let mut previous = test_settings(url.clone(), dir.clone());
    previous.jwt_previous_secret = Some("short".into());
    assert!(crm_server::Application::build(previous).await.is_err());

    let mut long_lived = test_settings(url, dir.clone());
    long_lived.access_token_ttl_secs = 24 * 3600;
    let err = crm_server::Application::build(long_lived)
        .await
        .err()
        .expect("day-long tokens refused");
    assert!(
        format!("{err:#}").contains("CRM_ACCESS_TOKEN_TTL_SECS"),
        "{err:#}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
