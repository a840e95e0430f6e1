//! Login, tokens and sessions, on SQLite and PostgreSQL.

use crm_domain::{Role, Scope};
use crm_tests::on_both_databases;
use serde_json::json;

on_both_databases! {
    async fn login_returns_tokens_and_the_user(app) {
        app.create_user("awa", Role::Cashier, "Caisse2026!").await;
        let body = app.login_body("awa", "Caisse2026!").await;
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["user"]["username"], "awa");
        assert_eq!(body["user"]["role"], "CASHIER");
        assert!(body["expires_in"].as_i64().unwrap() > 0);
        let token = body["access_token"].as_str().unwrap();
        let me = app.call("GET", "/api/v1/me", Some(token), None).await;
        assert_eq!(me.status, 200);
        assert_eq!(me.body["user"]["username"], "awa");
    }
}

on_both_databases! {
    async fn wrong_password_and_unknown_user_get_401(app) {
        app.create_user("awa", Role::Cashier, "Caisse2026!").await;
        for (user, password) in [("awa", "caisse2026!"), ("awa", ""), ("nobody", "Caisse2026!")] {
            let reply = app
                .call("POST", "/api/v1/auth/login", None, Some(json!({"username": user, "password": password})))
                .await;
            reply.assert_problem(401, "auth.invalid_credentials");
        }
        assert_eq!(app.count("refresh_tokens").await, 0, "a refused login opens no session");
    }
}

on_both_databases! {
    async fn refresh_rotates_and_a_reused_token_ends_the_session(app) {
        app.create_user("awa", Role::Cashier, "Caisse2026!").await;
        let first = app.login_body("awa", "Caisse2026!").await;
        let old = first["refresh_token"].as_str().unwrap().to_owned();

        let second = app.call("POST", "/api/v1/auth/refresh", None, Some(json!({"refresh_token": old}))).await;
        assert_eq!(second.status, 200, "{}", second.body);
        let new = second.body["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(new, old);
        assert!(second.body["access_token"].as_str().is_some());

        // The old token is spent: presenting it again is refused and revokes the family.
        let reuse = app.call("POST", "/api/v1/auth/refresh", None, Some(json!({"refresh_token": old}))).await;
        reuse.assert_problem(401, "auth.invalid_refresh_token");
        let after_theft = app.call("POST", "/api/v1/auth/refresh", None, Some(json!({"refresh_token": new}))).await;
        after_theft.assert_problem(401, "auth.invalid_refresh_token");
    }
}

on_both_databases! {
    async fn logout_revokes_the_refresh_token(app) {
        app.create_user("awa", Role::Cashier, "Caisse2026!").await;
        let body = app.login_body("awa", "Caisse2026!").await;
        let refresh = body["refresh_token"].as_str().unwrap();
        let out = app.call("POST", "/api/v1/auth/logout", None, Some(json!({"refresh_token": refresh}))).await;
        assert_eq!(out.status, 204);
        let again = app.call("POST", "/api/v1/auth/refresh", None, Some(json!({"refresh_token": refresh}))).await;
        again.assert_problem(401, "auth.invalid_refresh_token");
    }
}

on_both_databases! {
    async fn refresh_tokens_are_stored_hashed(app) {
        app.create_user("awa", Role::Cashier, "Caisse2026!").await;
        let body = app.login_body("awa", "Caisse2026!").await;
        let refresh = body["refresh_token"].as_str().unwrap();
        let stored = crm_store::sessions::all_hashes(&app.state.db).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_ne!(stored[0], refresh);
        assert!(!stored[0].contains(refresh));
    }
}

on_both_databases! {
    async fn service_accounts_get_scoped_tokens(app) {
        let token = app.service_token(&[Scope::Pos]).await;
        // `pos` reaches the till routes…
        let identify = app
            .call("POST", "/api/v1/customers/identify", Some(&token), Some(json!({"phone": "0701234567"})))
            .await;
        identify.assert_problem(404, "customer.not_found");
        // …and nothing else.
        app.call("GET", "/api/v1/customers", Some(&token), None).await.assert_problem(403, "auth.forbidden");
        let me = app.call("GET", "/api/v1/me", Some(&token), None).await;
        assert_eq!(me.body["scopes"], json!(["pos"]));
        assert!(me.body["user"].is_null());
    }
}

on_both_databases! {
    async fn service_account_with_a_wrong_secret_gets_401(app) {
        let issued = crm_server::accounts::create_service_account(&app.state.db, "erp", &[Scope::KpiRead])
            .await
            .unwrap();
        let reply = app
            .call("POST", "/api/v1/auth/token", None,
                  Some(json!({"client_id": issued.client_id, "client_secret": "wrong"})))
            .await;
        reply.assert_problem(401, "auth.invalid_credentials");
    }
}
