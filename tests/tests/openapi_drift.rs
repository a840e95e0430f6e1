//! The committed `openapi/openapi.json` is exactly what the server serves. When this
//! fails, run `cargo xtask openapi` and commit the result.

use crm_tests::{spawn, Backend};

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
        crm_server::openapi::to_json() == committed(),
        "openapi/openapi.json is out of date: run `cargo xtask openapi` and commit it"
    );
}

#[test]
fn every_api_route_is_documented() {
    let spec: serde_json::Value = serde_json::from_str(&committed()).unwrap();
    let paths = spec["paths"].as_object().unwrap();
    for (method, path) in [
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/logout"),
        ("post", "/api/v1/auth/token"),
        ("get", "/api/v1/me"),
        ("post", "/api/v1/customers/identify"),
        ("post", "/api/v1/customers"),
        ("get", "/api/v1/customers"),
        ("get", "/api/v1/customers/{id}"),
        ("patch", "/api/v1/customers/{id}"),
        ("get", "/api/v1/customers/{id}/export"),
        ("post", "/api/v1/customers/{id}/erase"),
        ("get", "/api/v1/products"),
        ("post", "/api/v1/products"),
        ("patch", "/api/v1/products/{id}"),
        ("post", "/api/v1/sales"),
        ("get", "/api/v1/sales"),
        ("get", "/api/v1/sales/mine"),
        ("get", "/api/v1/sales/by-key/{key}"),
        ("get", "/api/v1/sales/{id}"),
        ("post", "/api/v1/sales/{id}/refund"),
        ("post", "/api/v1/sales/{id}/cancel"),
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/metrics"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from the spec"
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
