//! Every protected route × every role: who gets in, who gets 403, and 401 without a
//! token. Refused calls are detected before the route touches any data, so the ids
//! below need not exist (allowed roles then get a 404 or 422, never a 403).

use crm_domain::{Role, Scope};
use crm_tests::on_both_databases;
use serde_json::{json, Value};

struct Route {
    method: &'static str,
    path: &'static str,
    body: Option<Value>,
    allowed: &'static [Role],
}

fn routes() -> Vec<Route> {
    use Role::*;
    vec![
        Route {
            method: "GET",
            path: "/api/v1/me",
            body: None,
            allowed: &[Cashier, Marketing, Director, Admin],
        },
        Route {
            method: "POST",
            path: "/api/v1/customers/identify",
            body: Some(json!({"phone": "0701234567"})),
            allowed: &[Cashier, Admin],
        },
        Route {
            method: "POST",
            path: "/api/v1/customers",
            body: Some(json!({"phone": "12"})),
            allowed: &[Cashier, Marketing, Admin],
        },
        Route {
            method: "GET",
            path: "/api/v1/customers",
            body: None,
            allowed: &[Marketing, Director, Admin],
        },
        Route {
            method: "GET",
            path: "/api/v1/customers/999999",
            body: None,
            allowed: &[Marketing, Director, Admin],
        },
        Route {
            method: "PATCH",
            path: "/api/v1/customers/999999",
            body: Some(json!({"city": "Yamoussoukro"})),
            allowed: &[Marketing, Admin],
        },
        Route {
            method: "GET",
            path: "/api/v1/customers/999999/export",
            body: None,
            allowed: &[Marketing, Admin],
        },
        Route {
            method: "POST",
            path: "/api/v1/customers/999999/erase",
            body: None,
            allowed: &[Marketing, Admin],
        },
        Route {
            method: "POST",
            path: "/api/v1/coupons/quote",
            body: Some(json!({"code": "NOEL2026", "lines": []})),
            allowed: &[Cashier, Admin],
        },
        Route {
            method: "GET",
            path: "/api/v1/coupons",
            body: None,
            allowed: &[Marketing, Director, Admin],
        },
        Route {
            method: "POST",
            path: "/api/v1/coupons",
            // Well-formed but invalid (value 0): allowed roles get 422 and nothing is written.
            body: Some(
                json!({"kind": "GENERIC", "discount_kind": "PERCENT", "value": 0, "description": "x",
                              "valid_from": "2026-01-01", "valid_to": "2026-12-31"}),
            ),
            allowed: &[Marketing, Admin],
        },
        Route {
            method: "GET",
            path: "/api/v1/coupons/export",
            body: None,
            allowed: &[Marketing, Director, Admin],
        },
        Route {
            method: "GET",
            path: "/api/v1/coupons/999999",
            body: None,
            allowed: &[Marketing, Director, Admin],
        },
        Route {
            method: "POST",
            path: "/api/v1/coupons/999999/deactivate",
            body: None,
            allowed: &[Marketing, Admin],
        },
        Route {
            method: "GET",
            path: "/api/v1/coupons/999999/redemptions",
            body: None,
            allowed: &[Marketing, Director, Admin],
        },
        Route {
            method: "POST",
            path: "/api/v1/coupons/bulk-issue",
            body: Some(
                json!({"min_level": "GOLD", "discount_kind": "FIXED", "value": 0, "description": "x",
                              "valid_from": "2026-01-01", "valid_to": "2026-12-31"}),
            ),
            allowed: &[Marketing, Admin],
        },
        Route {
            method: "GET",
            path: "/api/v1/jobs/999999",
            body: None,
            allowed: &[Marketing, Director, Admin],
        },
    ]
}

on_both_databases! {
    async fn each_role_reaches_exactly_its_routes(app) {
        for role in Role::ALL {
            let token = app.token_for(role).await;
            for route in routes() {
                let reply = app.call(route.method, route.path, Some(&token), route.body.clone()).await;
                if route.allowed.contains(&role) {
                    assert_ne!(reply.status, 403, "{role:?} must reach {} {}: {}", route.method, route.path, reply.body);
                    assert!(reply.status < 500, "{} {}: {}", route.method, route.path, reply.body);
                } else {
                    assert_eq!(reply.status, 403, "{role:?} must be refused {} {}: {}", route.method, route.path, reply.body);
                    reply.assert_problem(403, "auth.forbidden");
                }
            }
        }
        assert_eq!(app.count("customers").await, 0, "no refused call wrote anything");
        assert_eq!(app.count("coupons").await, 0);
        assert_eq!(app.count("jobs").await, 0);
    }
}

on_both_databases! {
    async fn no_token_gets_401_everywhere(app) {
        for route in routes() {
            let reply = app.call(route.method, route.path, None, route.body.clone()).await;
            reply.assert_problem(401, "auth.missing_token");
        }
    }
}

on_both_databases! {
    async fn service_account_scopes_follow_the_table(app) {
        let pos = app.service_token(&[Scope::Pos]).await;
        let crm_read = app.service_token(&[Scope::CrmRead]).await;
        let identify = Some(json!({"phone": "0701234567"}));
        assert_eq!(app.call("POST", "/api/v1/customers/identify", Some(&pos), identify.clone()).await.status, 404);
        assert_eq!(app.call("POST", "/api/v1/customers/identify", Some(&crm_read), identify).await.status, 403);
        assert_eq!(app.call("GET", "/api/v1/customers", Some(&crm_read), None).await.status, 200);
        assert_eq!(app.call("PATCH", "/api/v1/customers/1", Some(&crm_read), Some(json!({}))).await.status, 403);
        assert_eq!(app.call("GET", "/api/v1/customers/1/export", Some(&crm_read), None).await.status, 403);
        let quote = Some(json!({"code": "X", "lines": []}));
        assert_eq!(app.call("POST", "/api/v1/coupons/quote", Some(&pos), quote.clone()).await.status, 422);
        assert_eq!(app.call("POST", "/api/v1/coupons/quote", Some(&crm_read), quote).await.status, 403);
        assert_eq!(app.call("GET", "/api/v1/coupons", Some(&crm_read), None).await.status, 200);
        assert_eq!(app.call("GET", "/api/v1/coupons", Some(&pos), None).await.status, 403);
        assert_eq!(app.call("POST", "/api/v1/coupons/1/deactivate", Some(&crm_read), None).await.status, 403);
    }
}
