//! Every operation of the OpenAPI document × every caller: the four staff roles, a
//! service account of each scope, and nobody. The list of operations comes from
//! `openapi::document()`, itself collected from the routes the server registers
//! (`routes::documented`), so a route added to the API without a row in [`table`] fails
//! `every_documented_operation_has_a_row` — no route can be forgotten.
//!
//! Refused calls are detected before the route touches any data, so the ids below need
//! not exist and the bodies are well-formed but invalid: a caller let in gets a 404 or a
//! 422 (never a 401/403), and nothing is written either way.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_domain::{Role, Scope};
use crm_tests::{documented_operations, on_both_databases, Reply};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// What the table expects of one documented operation.
struct Row {
    method: &'static str,
    /// The path as the document writes it (`/api/v1/coupons/{id}`).
    path: &'static str,
    body: Option<Value>,
    /// Staff roles let in.
    roles: &'static [Role],
    /// Service-account scopes let in (one account per scope is tried).
    scopes: &'static [Scope],
}

/// An id (or key) that no table holds: the callers let in get a 404, not a 403.
const MISSING_ID: &str = "999999";

impl Row {
    /// The path with every parameter (`{id}`, `{key}`…) filled in with [`MISSING_ID`].
    fn url(&self) -> String {
        crm_tests::fill_path(self.path, MISSING_ID)
    }

    fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Who may call what (SPEC.md "Roles"). Public operations let everyone in.
fn table() -> Vec<Row> {
    use Role::*;
    use Scope::*;
    const STAFF: &[Role] = &[Cashier, Marketing, Director, Admin];
    const EVERY_ROLE: &[Role] = STAFF;
    const EVERY_SCOPE: &[Scope] = &Scope::ALL;
    const CRM_READERS: &[Role] = &[Marketing, Director, Admin];
    const CRM_WRITERS: &[Role] = &[Marketing, Admin];
    const TILL: &[Role] = &[Cashier, Admin];
    const LOYALTY_READERS: &[Scope] = &[CrmRead, CrmWrite, LoyaltyRun];
    let row = |method, path, body, roles, scopes| Row {
        method,
        path,
        body,
        roles,
        scopes,
    };
    // Bodies must be well-formed: a body that does not deserialise is refused with 422
    // before the handler checks the caller's rights.
    let reversal = || json!({"reason": "erreur de saisie"});
    // A coupon definition that is well-formed but invalid (value 0): refused with 422.
    let invalid_coupon = || {
        json!({"kind": "GENERIC", "discount_kind": "PERCENT", "value": 0, "description": "x",
               "valid_from": "2026-01-01", "valid_to": "2026-12-31"})
    };
    let invalid_policy = || {
        let mut policy = serde_json::to_value(crm_domain::loyalty::LoyaltyPolicy::default())
            .expect("policy as JSON");
        policy["points"]["amount"] = json!(11);
        policy
    };
    vec![
        // Operations and login: no token needed (SPEC: all but login, health and docs).
        row("GET", "/healthz", None, EVERY_ROLE, EVERY_SCOPE),
        row("GET", "/readyz", None, EVERY_ROLE, EVERY_SCOPE),
        row("GET", "/metrics", None, EVERY_ROLE, EVERY_SCOPE),
        row(
            "POST",
            "/api/v1/auth/login",
            Some(json!({})),
            EVERY_ROLE,
            EVERY_SCOPE,
        ),
        row(
            "POST",
            "/api/v1/auth/refresh",
            Some(json!({})),
            EVERY_ROLE,
            EVERY_SCOPE,
        ),
        row(
            "POST",
            "/api/v1/auth/logout",
            Some(json!({})),
            EVERY_ROLE,
            EVERY_SCOPE,
        ),
        row(
            "POST",
            "/api/v1/auth/token",
            Some(json!({})),
            EVERY_ROLE,
            EVERY_SCOPE,
        ),
        row("GET", "/api/v1/me", None, STAFF, EVERY_SCOPE),
        // A new password that breaks the policy: 422 once let in (staff only).
        row(
            "POST",
            "/api/v1/auth/password",
            Some(json!({"current_password": "x", "new_password": "court"})),
            STAFF,
            &[],
        ),
        // Staff accounts: administrators only.
        row(
            "PATCH",
            "/api/v1/users/{id}",
            Some(json!({"active": true})),
            &[Admin],
            &[],
        ),
        row(
            "POST",
            "/api/v1/users/{id}/reset-password",
            None,
            &[Admin],
            &[],
        ),
        // Administration (issue 13): the director reads accounts and stores, the till reads
        // the stores to pick its till; only administrators change them. Bodies are
        // well-formed and invalid (a bad login, an unknown time zone, an empty name, an
        // empty price list): 422 once let in.
        row("GET", "/api/v1/users", None, &[Director, Admin], &[]),
        row(
            "POST",
            "/api/v1/users",
            Some(json!({"username": "A B", "display_name": "x", "role": "CASHIER"})),
            &[Admin],
            &[],
        ),
        row(
            "GET",
            "/api/v1/stores",
            None,
            &[Cashier, Director, Admin],
            &[Pos],
        ),
        row(
            "POST",
            "/api/v1/stores",
            Some(
                json!({"code": "ABJ09", "name": "x", "city": "Abidjan", "timezone": "Mars/Olympus"}),
            ),
            &[Admin],
            &[],
        ),
        row(
            "PATCH",
            "/api/v1/stores/{id}",
            Some(json!({"timezone": "Mars/Olympus"})),
            &[Admin],
            &[],
        ),
        row(
            "POST",
            "/api/v1/stores/{id}/tills",
            Some(json!({"code": "c 2", "name": ""})),
            &[Admin],
            &[],
        ),
        row(
            "PATCH",
            "/api/v1/tills/{id}",
            Some(json!({"name": "Caisse 2"})),
            &[Admin],
            &[],
        ),
        row("POST", "/api/v1/products/price-list", None, &[Admin], &[]),
        // The till.
        row(
            "POST",
            "/api/v1/customers/identify",
            Some(json!({"phone": "0701234567"})),
            TILL,
            &[Pos],
        ),
        row(
            "POST",
            "/api/v1/coupons/quote",
            Some(json!({"code": "NOEL2026", "lines": []})),
            TILL,
            &[Pos],
        ),
        // Without an Idempotency-Key: 428 once the caller is let in. A `pos` service
        // account sells under its own name.
        row(
            "POST",
            "/api/v1/sales",
            Some(json!({"lines": [], "payments": []})),
            TILL,
            &[Pos],
        ),
        row("GET", "/api/v1/sales/by-key/{key}", None, TILL, &[Pos]),
        // A refund is a manager's decision; the seller (a cashier, a `pos` account)
        // cancels their own sale on its day.
        row(
            "POST",
            "/api/v1/sales/{id}/refund",
            Some(reversal()),
            &[Director, Admin],
            &[],
        ),
        row(
            "POST",
            "/api/v1/sales/{id}/cancel",
            Some(reversal()),
            TILL,
            &[Pos],
        ),
        // Sales history: one's own (a service account has none), or everyone's.
        row(
            "GET",
            "/api/v1/sales/mine",
            None,
            &[Cashier, Director, Admin],
            &[],
        ),
        row(
            "GET",
            "/api/v1/sales",
            None,
            &[Director, Admin],
            &[SalesRead],
        ),
        row(
            "GET",
            "/api/v1/sales/sellers",
            None,
            &[Director, Admin],
            &[SalesRead],
        ),
        row(
            "GET",
            "/api/v1/sales/{id}",
            None,
            &[Cashier, Director, Admin],
            &[SalesRead],
        ),
        // Customers.
        row(
            "POST",
            "/api/v1/customers",
            Some(json!({"phone": "12"})),
            &[Cashier, Marketing, Admin],
            &[Pos, CrmWrite],
        ),
        row(
            "GET",
            "/api/v1/customers",
            None,
            CRM_READERS,
            &[CrmRead, CrmWrite],
        ),
        row(
            "GET",
            "/api/v1/customers/{id}",
            None,
            CRM_READERS,
            &[CrmRead, CrmWrite],
        ),
        row(
            "PATCH",
            "/api/v1/customers/{id}",
            Some(json!({"city": "Yamoussoukro"})),
            CRM_WRITERS,
            &[CrmWrite],
        ),
        // The back office's customer list export and the customer page (issue 13).
        row(
            "GET",
            "/api/v1/customers/export",
            None,
            CRM_READERS,
            &[CrmRead, CrmWrite],
        ),
        row(
            "GET",
            "/api/v1/customers/{id}/history",
            None,
            CRM_READERS,
            &[CrmRead, CrmWrite],
        ),
        row(
            "GET",
            "/api/v1/customers/{id}/points",
            None,
            CRM_READERS,
            &[CrmRead, CrmWrite],
        ),
        row(
            "GET",
            "/api/v1/customers/{id}/purchases",
            None,
            CRM_READERS,
            &[CrmRead, CrmWrite],
        ),
        // The audit log: administrators, and the director reading.
        row("GET", "/api/v1/audit", None, &[Director, Admin], &[]),
        // Webhooks (issue 16): administrators only — an endpoint receives sales and
        // customers' events. The body is well-formed and invalid (an ftp address): 422.
        row("GET", "/api/v1/webhooks", None, &[Admin], &[]),
        row(
            "POST",
            "/api/v1/webhooks",
            Some(json!({"url": "ftp://erp.example.ci/", "events": ["sale.completed"]})),
            &[Admin],
            &[],
        ),
        row("DELETE", "/api/v1/webhooks/{id}", None, &[Admin], &[]),
        row(
            "GET",
            "/api/v1/webhooks/{id}/deliveries",
            None,
            &[Admin],
            &[],
        ),
        row(
            "POST",
            "/api/v1/webhooks/deliveries/{id}/redeliver",
            None,
            &[Admin],
            &[],
        ),
        // Personal data (export, erasure) is never a service account's business.
        row(
            "GET",
            "/api/v1/customers/{id}/export",
            None,
            CRM_WRITERS,
            &[],
        ),
        row(
            "POST",
            "/api/v1/customers/{id}/erase",
            None,
            CRM_WRITERS,
            &[],
        ),
        // The catalogue: read at the till and in the back office, changed by the admin.
        row(
            "GET",
            "/api/v1/products",
            None,
            EVERY_ROLE,
            &[Pos, CrmRead, CrmWrite],
        ),
        // A negative price: refused with 422 once the caller is let in.
        row(
            "POST",
            "/api/v1/products",
            Some(json!({"sku": "X-1", "name": "x", "category": "x", "price": -1})),
            &[Admin],
            &[],
        ),
        row(
            "PATCH",
            "/api/v1/products/{id}",
            Some(json!({"name": "Riz parfumé 5 kg"})),
            &[Admin],
            &[],
        ),
        // Coupons.
        row(
            "GET",
            "/api/v1/coupons",
            None,
            CRM_READERS,
            &[CrmRead, CrmWrite],
        ),
        row(
            "POST",
            "/api/v1/coupons",
            Some(invalid_coupon()),
            CRM_WRITERS,
            &[CrmWrite],
        ),
        row(
            "GET",
            "/api/v1/coupons/export",
            None,
            CRM_READERS,
            &[CrmRead, CrmWrite],
        ),
        row(
            "GET",
            "/api/v1/coupons/{id}",
            None,
            CRM_READERS,
            &[CrmRead, CrmWrite],
        ),
        row(
            "POST",
            "/api/v1/coupons/{id}/deactivate",
            None,
            CRM_WRITERS,
            &[CrmWrite],
        ),
        row(
            "GET",
            "/api/v1/coupons/{id}/redemptions",
            None,
            CRM_READERS,
            &[CrmRead, CrmWrite],
        ),
        row(
            "POST",
            "/api/v1/coupons/bulk-issue",
            Some(
                json!({"min_level": "GOLD", "discount_kind": "FIXED", "value": 0, "description": "x",
                       "valid_from": "2026-01-01", "valid_to": "2026-12-31"}),
            ),
            CRM_WRITERS,
            &[CrmWrite],
        ),
        // Jobs.
        row(
            "GET",
            "/api/v1/jobs/{id}",
            None,
            CRM_READERS,
            &[CrmRead, CrmWrite],
        ),
        // Loyalty: the policy is read with the analyses (the scheduler's scope too) and
        // changed by administrators; the stats name customers, so they need CRM reading.
        row(
            "GET",
            "/api/v1/loyalty/policy",
            None,
            CRM_READERS,
            &[CrmRead, CrmWrite, LoyaltyRun],
        ),
        // Points summing to 101: refused with 422 once let in.
        row(
            "PUT",
            "/api/v1/loyalty/policy",
            Some(invalid_policy()),
            &[Admin],
            &[],
        ),
        row(
            "GET",
            "/api/v1/loyalty/stats",
            None,
            CRM_READERS,
            &[CrmRead, CrmWrite],
        ),
        // Loyalty analyses: marketing starts them (and the scheduler's `loyalty:run`
        // account); the director reads them. A day to come: 422 once let in.
        row(
            "POST",
            "/api/v1/loyalty/analyses",
            Some(json!({"as_of": "2999-01-01"})),
            CRM_WRITERS,
            &[CrmWrite, LoyaltyRun],
        ),
        row(
            "GET",
            "/api/v1/loyalty/analyses",
            None,
            CRM_READERS,
            LOYALTY_READERS,
        ),
        row(
            "GET",
            "/api/v1/loyalty/analyses/{id}",
            None,
            CRM_READERS,
            LOYALTY_READERS,
        ),
        row(
            "GET",
            "/api/v1/loyalty/analyses/{id}/moves",
            None,
            CRM_READERS,
            LOYALTY_READERS,
        ),
        row(
            "GET",
            "/api/v1/loyalty/analyses/{id}/moves/export",
            None,
            CRM_READERS,
            LOYALTY_READERS,
        ),
        // The KPI dashboard: marketing, the director, admins, and `kpi:read`.
        row("GET", "/api/v1/kpis", None, CRM_READERS, &[KpiRead]),
        row("GET", "/api/v1/kpis/export", None, CRM_READERS, &[KpiRead]),
    ]
}

#[test]
fn every_documented_operation_has_a_row() {
    let documented: BTreeSet<String> = documented_operations()
        .into_iter()
        .map(|op| format!("{} {}", op.method, op.path))
        .collect();
    let tabled: BTreeSet<String> = table().iter().map(Row::name).collect();
    let forgotten: Vec<_> = documented.difference(&tabled).collect();
    let stale: Vec<_> = tabled.difference(&documented).collect();
    assert!(
        forgotten.is_empty(),
        "operations of the OpenAPI document without a row in the role matrix: {forgotten:?}"
    );
    assert!(
        stale.is_empty(),
        "rows of the role matrix that the OpenAPI document no longer has: {stale:?}"
    );
    assert_eq!(
        table().len(),
        tabled.len(),
        "an operation has two rows in the role matrix"
    );
}

/// Refusals by role that name the rule rather than the role: a cashier asking for a
/// refund is told that a manager decides it.
const ROLE_REFUSALS: &[&str] = &["sale.refund_needs_manager"];

/// A refusal: 403 problem+json with an `auth.*` code (`auth.forbidden`, `auth.staff_only`)
/// or one of [`ROLE_REFUSALS`].
fn assert_refused(reply: &Reply, who: &str, row: &Row) {
    assert_eq!(
        reply.status,
        403,
        "{who} must be refused {}: {}",
        row.name(),
        reply.body
    );
    assert_eq!(reply.content_type, "application/problem+json");
    assert!(
        reply.code().starts_with("auth.") || ROLE_REFUSALS.contains(&reply.code()),
        "{}",
        reply.body
    );
}

/// Let in: neither 401 nor 403, and no server error.
fn assert_let_in(reply: &Reply, who: &str, row: &Row) {
    assert!(
        reply.status != 401 && reply.status != 403,
        "{who} must reach {}, got {}: {}",
        row.name(),
        reply.status,
        reply.body
    );
    assert!(
        reply.status < 500,
        "{who} on {}: {} {}",
        row.name(),
        reply.status,
        reply.body
    );
}

on_both_databases! {
    async fn each_caller_reaches_exactly_its_operations(app) {
        let secured: std::collections::HashMap<String, bool> = documented_operations()
            .into_iter()
            .map(|op| (format!("{} {}", op.method, op.path), op.secured))
            .collect();
        let mut staff = Vec::new();
        for role in Role::ALL {
            staff.push((role, app.token_for(role).await));
        }
        let mut accounts = Vec::new();
        for scope in Scope::ALL {
            accounts.push((scope, app.service_token(&[scope]).await));
        }
        for row in table() {
            let url = row.url();
            let anonymous = app.call(row.method, &url, None, row.body.clone()).await;
            if secured[&row.name()] {
                anonymous.assert_problem(401, "auth.missing_token");
            } else {
                assert_let_in(&anonymous, "nobody", &row);
            }
            for (role, token) in &staff {
                let reply = app.call(row.method, &url, Some(token), row.body.clone()).await;
                let who = format!("{role:?}");
                if row.roles.contains(role) {
                    assert_let_in(&reply, &who, &row);
                } else {
                    assert_refused(&reply, &who, &row);
                }
            }
            for (scope, token) in &accounts {
                let reply = app.call(row.method, &url, Some(token), row.body.clone()).await;
                let who = format!("a service account with scope {}", scope.as_str());
                if row.scopes.contains(scope) {
                    assert_let_in(&reply, &who, &row);
                } else {
                    assert_refused(&reply, &who, &row);
                }
            }
        }
        for table in ["customers", "coupons", "jobs", "sales", "products", "stores", "tills"] {
            assert_eq!(app.count(table).await, 0, "no call of the matrix wrote into {table}");
        }
    }
}
