//! Hostile input: malformed or oversized bodies and forged tokens get a 4xx
//! problem+json with a stable code, and nothing is written.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use crm_domain::Role;
use crm_tests::{on_both_databases, JWT_SECRET};
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::json;

on_both_databases! {
    async fn malformed_wrong_typed_and_incomplete_bodies_are_refused(app) {
        let token = app.token_for(Role::Cashier).await;
        let path = "/api/v1/customers";
        let cases: [(&[u8], u16, &str); 6] = [
            (b"{\"phone\": ", 400, "request.malformed_json"),
            (b"not json at all", 400, "request.malformed_json"),
            (b"{\"phone\": 701234567}", 422, "request.invalid_body"),
            (b"{\"phone\": \"0701234567\", \"sms_consent\": \"oui\"}", 422, "request.invalid_body"),
            (b"{\"first_name\": \"Aya\"}", 422, "request.invalid_body"),
            (b"[]", 422, "request.invalid_body"),
        ];
        for (body, status, code) in cases {
            let reply = app.call_raw(path, Some(&token), "application/json", body.to_vec()).await;
            reply.assert_problem(status, code);
        }
        let wrong_type = app.call_raw(path, Some(&token), "text/plain", b"{\"phone\":\"0701234567\"}".to_vec()).await;
        wrong_type.assert_problem(415, "request.unsupported_media_type");
        assert_eq!(app.count("customers").await, 0);
    }
}

on_both_databases! {
    async fn oversized_bodies_get_413(app) {
        let token = app.token_for(Role::Cashier).await;
        let huge = json!({"phone": "0701234567", "first_name": "A".repeat(200_000)}).to_string();
        let reply = app.call_raw("/api/v1/customers", Some(&token), "application/json", huge.into_bytes()).await;
        reply.assert_problem(413, "request.too_large");
        let login = app.call_raw("/api/v1/auth/login", None, "application/json", vec![b' '; 100_000]).await;
        login.assert_problem(413, "request.too_large");
        assert_eq!(app.count("customers").await, 0);
    }
}

fn forge(claims: serde_json::Value, secret: &str) -> String {
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

on_both_databases! {
    async fn expired_tampered_and_unsigned_tokens_are_refused(app) {
        let now = chrono::Utc::now().timestamp();
        let body = Some(json!({"phone": "0701234567"}));
        let path = "/api/v1/customers";

        let expired = forge(json!({"sub": "user:1", "uid": 1, "role": "ADMIN", "iat": now - 7200, "exp": now - 3600}), JWT_SECRET);
        app.call("POST", path, Some(&expired), body.clone()).await.assert_problem(401, "auth.token_expired");

        let foreign = forge(json!({"sub": "user:1", "uid": 1, "role": "ADMIN", "iat": now, "exp": now + 600}), "another-secret");
        app.call("POST", path, Some(&foreign), body.clone()).await.assert_problem(401, "auth.invalid_token");

        // A real cashier token whose payload is edited to claim ADMIN: the signature no longer matches.
        let genuine = app.token_for(Role::Cashier).await;
        let parts: Vec<&str> = genuine.split('.').collect();
        let mut payload: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        payload["role"] = json!("ADMIN");
        let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(payload.to_string()), parts[2]);
        app.call("GET", "/api/v1/customers", Some(&tampered), None).await.assert_problem(401, "auth.invalid_token");

        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(json!({"sub": "user:1", "uid": 1, "role": "ADMIN", "iat": now, "exp": now + 600}).to_string());
        for unsigned in [format!("{header}.{claims}."), format!("{header}.{claims}")] {
            app.call("POST", path, Some(&unsigned), body.clone()).await.assert_problem(401, "auth.invalid_token");
        }
        app.call("POST", path, Some("garbage"), body.clone()).await.assert_problem(401, "auth.invalid_token");

        let basic = app
            .client
            .post(app.url(path))
            .header("authorization", "Basic YWRtaW46YWRtaW4=")
            .json(&json!({"phone": "0701234567"}))
            .send()
            .await
            .unwrap();
        assert_eq!(basic.status(), 401);
        assert_eq!(app.count("customers").await, 0);
    }
}

on_both_databases! {
    async fn unknown_api_routes_and_bad_ids_are_problems_too(app) {
        let token = app.token_for(Role::Marketing).await;
        app.call("GET", "/api/v1/nope", Some(&token), None).await.assert_problem(404, "route.not_found");
        app.call("GET", "/api/v1/customers/abc", Some(&token), None).await.assert_problem(404, "resource.not_found");
        app.call("GET", "/api/v1/customers?page=-1", Some(&token), None).await.assert_problem(400, "request.invalid_query");
    }
}
