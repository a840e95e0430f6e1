//! The committed `openapi/openapi.json` is exactly what the server serves, and the server
//! serves exactly what the document describes. When the first tests fail, run
//! `cargo xtask openapi` and commit the result.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_domain::codes;
use crm_tests::{documented_operations, fill_path, spawn, Backend, Reply};
use std::collections::BTreeSet;

fn committed() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    std::fs::read_to_string(path).expect("openapi/openapi.json is committed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_spec_matches_the_committed_file() {
    let app = spawn(Backend::Sqlite).await;
    let served: serde_json::Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let file: serde_json::Value = serde_json::from_str(&committed()).unwrap();
    assert!(
        served == file,
        "openapi/openapi.json is out of date: run `cargo xtask openapi` and commit it"
    );
}

#[test]
fn committed_file_is_the_generators_output_byte_for_byte() {
    assert!(
        crm_server::openapi::to_json().unwrap() == committed(),
        "openapi/openapi.json is out of date: run `cargo xtask openapi` and commit it"
    );
}

/// Code generators name their methods after the operation ids: each is unique, and says
/// its tag first (`coupons_list`).
#[test]
fn operation_ids_are_unique_and_start_with_their_tag() {
    let document: serde_json::Value = serde_json::from_str(&committed()).unwrap();
    let mut seen = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            let tag = operation["tags"][0]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no tag"));
            assert!(
                id.starts_with(&format!("{tag}_")),
                "{method} {path}: {id} does not start with {tag}_"
            );
            assert!(
                seen.insert(id.to_owned()),
                "{method} {path}: operationId {id} used twice"
            );
        }
    }
    assert!(seen.len() > 30, "every operation was read: {seen:?}");
    assert_eq!(document["servers"][0]["url"], "/");
}

/// The methods an API route may answer to.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Every `(method, path)` pair of the document.
fn documented() -> BTreeSet<(String, String)> {
    documented_operations()
        .into_iter()
        .map(|op| (op.method.to_owned(), op.path))
        .collect()
}

/// Whether the documented `template` (`/api/v1/sales/{id}`) matches the concrete `url`.
fn matches(template: &str, url: &str) -> bool {
    let template: Vec<&str> = template.split('/').collect();
    let url: Vec<&str> = url.split('/').collect();
    template.len() == url.len()
        && template
            .iter()
            .zip(&url)
            .all(|(t, u)| t == u || (t.starts_with('{') && t.ends_with('}')))
}

/// Whether no route took the request: the API's fallback answers `route.not_found`, the
/// SPA's (every other path) its HTML page, or 405 to a method other than GET.
fn answered_by_a_fallback(reply: &Reply) -> bool {
    reply.code() == codes::ROUTE_NOT_FOUND
        || reply.status == 405
        || reply.content_type.starts_with("text/html")
}

/// The served side comes from the running app, not from a list: every method is sent to
/// every documented path, and what answers says whether a route took it
/// ([`answered_by_a_fallback`]). A request
/// must be taken exactly when a documented operation of that method matches its path
/// (`GET /api/v1/customers/identify` is `GET /api/v1/customers/{id}`'s): a documented
/// route the router does not serve fails, and so does a method served without being
/// documented. A route outside the document cannot be registered at all:
/// `routes::documented` only takes `#[utoipa::path]` handlers, and the few undocumented
/// routes are `routes::UNDOCUMENTED_ROUTES`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_router_serves_exactly_the_documented_operations() {
    let app = spawn(Backend::Sqlite).await;
    let documented = documented();
    let paths: BTreeSet<&String> = documented.iter().map(|(_, path)| path).collect();
    let mut disagreements = Vec::new();
    for path in &paths {
        let url = fill_path(path, "999999");
        for method in METHODS {
            let reply = app
                .call(method, &url, None, Some(serde_json::json!({})))
                .await;
            let served = !answered_by_a_fallback(&reply);
            let expected = documented
                .iter()
                .any(|(m, template)| m == method && matches(template, &url));
            if served != expected {
                disagreements.push(format!(
                    "{method} {url}: served {served} ({}), documented {expected}",
                    reply.status
                ));
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "the router and the document disagree: {disagreements:#?}"
    );
}

/// The drift test above only means something if the document holds the whole API.
#[test]
fn the_document_holds_every_tag_of_the_api() {
    let documented = documented();
    for (method, path) in [
        ("POST", "/api/v1/auth/login"),
        ("GET", "/api/v1/me"),
        ("PATCH", "/api/v1/users/{id}"),
        ("GET", "/api/v1/customers/{id}"),
        ("PATCH", "/api/v1/products/{id}"),
        ("POST", "/api/v1/sales"),
        ("POST", "/api/v1/coupons/bulk-issue"),
        ("GET", "/api/v1/jobs/{id}"),
        ("GET", "/healthz"),
    ] {
        assert!(
            documented.contains(&(method.to_owned(), path.to_owned())),
            "{method} {path} missing from the document"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interactive_docs_are_served_without_internet() {
    let app = spawn(Backend::Sqlite).await;
    let page = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger"), "Swagger UI page");
    assert!(
        !html.contains("https://"),
        "no asset is loaded from the internet"
    );
    let bundle = app
        .client
        .get(app.url("/api/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        bundle.status(),
        200,
        "the Swagger UI bundle is served locally"
    );
}
