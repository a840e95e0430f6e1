//! The smaller hardening items of issue 9: bounded paging, bounded metrics labels, private
//! development keys, security headers, the SPA served precompressed with the right cache
//! policy, and database connections that died under the pool.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_domain::Role;
use crm_tests::{on_both_databases, spawn, spawn_with, Backend, TestApp};
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;

/// `page` values that overflow an SQL offset (the largest u64, the largest i64).
const HUGE_PAGES: [&str; 2] = ["18446744073709551615", "9223372036854775807"];

on_both_databases! {
    async fn huge_page_numbers_are_clamped_on_every_list(app) {
        app.seed_catalogue().await;
        let admin = app.token_for(Role::Admin).await;
        let coupon = app
            .call("POST", "/api/v1/coupons", Some(&admin), Some(json!({
                "kind": "GENERIC", "discount_kind": "PERCENT", "value": 10, "description": "Test",
                "valid_from": "2026-01-01", "valid_to": "2036-01-01"})))
            .await;
        assert_eq!(coupon.status, 201, "{}", coupon.body);
        let lists = [
            "/api/v1/customers".to_owned(),
            "/api/v1/products".to_owned(),
            "/api/v1/coupons".to_owned(),
            format!("/api/v1/coupons/{}/redemptions", coupon.body["id"]),
        ];
        for list in &lists {
            for page in HUGE_PAGES {
                let reply = app.call("GET", &format!("{list}?page={page}&per_page=200"), Some(&admin), None).await;
                assert_eq!(reply.status, 200, "{list} page {page}: {}", reply.body);
                assert_eq!(reply.body["page"], crm_server::routes::paging::MAX_PAGE, "{list}");
                assert_eq!(reply.body["items"], json!([]), "{list}");
            }
            // Beyond u64 is not a number this API reads.
            app.call("GET", &format!("{list}?page=18446744073709551616"), Some(&admin), None)
                .await
                .assert_problem(400, "request.invalid_query");
            // The server is still whole: the first page answers.
            let first = app.call("GET", &format!("{list}?page=1"), Some(&admin), None).await;
            assert_eq!(first.status, 200, "{list}: {}", first.body);
        }
        // The sales histories page their `sales` the same way.
        let cashier = app.token_for(Role::Cashier).await;
        let cashier_id = app.call("GET", "/api/v1/me", Some(&cashier), None).await.body["user"]["id"].clone();
        let all_sales = format!("/api/v1/sales?cashier_id={cashier_id}&");
        for (list, token) in [(all_sales.as_str(), &admin), ("/api/v1/sales/mine?", &cashier)] {
            for page in HUGE_PAGES {
                let reply = app.call("GET", &format!("{list}page={page}&per_page=100"), Some(token), None).await;
                assert_eq!(reply.status, 200, "{list} page {page}: {}", reply.body);
                assert_eq!(reply.body["page"], crm_server::routes::paging::MAX_PAGE, "{list}");
                assert_eq!(reply.body["sales"], json!([]), "{list}");
            }
        }
    }
}

/// The label values of one label in a Prometheus text exposition.
fn label_values(metrics: &str, label: &str) -> BTreeSet<String> {
    let key = format!("{label}=\"");
    metrics
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(&key))
        .map(|(_, rest)| rest.split('"').next().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_label_only_known_methods_and_routes() {
    let app = spawn(Backend::Sqlite).await;
    let token = app.token_for(Role::Marketing).await;
    app.call("GET", "/api/v1/customers/424242", Some(&token), None)
        .await;
    for i in 0..20 {
        let random = uuid::Uuid::new_v4().simple().to_string();
        app.call("GET", &format!("/scan-{random}/{i}"), None, None)
            .await;
        app.call("GET", &format!("/api/v1/scan-{random}"), None, None)
            .await;
        app.call("GET", &format!("/api/docs/scan-{random}"), None, None)
            .await;
        let method = reqwest::Method::from_bytes(format!("BREW{i}").as_bytes()).unwrap();
        app.client
            .request(method, app.url("/api/v1/customers"))
            .send()
            .await
            .unwrap();
    }
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let methods = label_values(&metrics, "method");
    let known_methods: BTreeSet<String> = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other",
    ]
    .map(str::to_owned)
    .into();
    assert!(methods.is_subset(&known_methods), "{methods:?}");
    assert!(
        methods.contains("other"),
        "invented methods count as other: {metrics}"
    );
    let routes = label_values(&metrics, "route");
    let mut known_routes: BTreeSet<String> = crm_server::routes::patterns().collect();
    known_routes.insert("other".to_owned());
    assert!(
        routes.is_subset(&known_routes),
        "unknown labels: {:?}",
        routes.difference(&known_routes).collect::<Vec<_>>()
    );
    assert!(
        routes.contains("/api/v1/customers/{id}"),
        "known routes keep their pattern: {metrics}"
    );
    assert!(
        !metrics.contains("scan-") && !metrics.contains("BREW"),
        "{metrics}"
    );
    // A bounded scrape: 20 different random paths and methods did not add 20 series each.
    let series = metrics.lines().filter(|l| !l.starts_with('#')).count();
    assert!(series < 40, "{series} series:\n{metrics}");
}

#[test]
fn generated_development_keys_are_private_to_the_server() {
    use std::os::unix::fs::PermissionsExt;
    let root = std::env::temp_dir().join(format!("crm-keys-{}", uuid::Uuid::new_v4().simple()));
    let data_dir = root.join("data");
    let mut settings = crm_server::Settings {
        data_dir: data_dir.clone(),
        ..crm_server::Settings::default()
    };
    crm_server::startup::resolve_secrets(&mut settings).unwrap();
    assert!(settings.jwt_secret.is_some());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode(&data_dir.join("dev-keys.json")),
        0o600,
        "only the server's account reads the keys"
    );
    assert_eq!(
        mode(&data_dir),
        0o700,
        "the data folder is not world-readable"
    );
    // Read back on the next start, unchanged.
    let mut again = crm_server::Settings {
        data_dir,
        ..crm_server::Settings::default()
    };
    crm_server::startup::resolve_secrets(&mut again).unwrap();
    assert_eq!(again.jwt_secret, settings.jwt_secret);
    std::fs::remove_dir_all(root).unwrap();
}

/// A built SPA in miniature: an index, a fingerprinted wasm with its brotli and gzip
/// copies (distinct bytes, so the test sees which one was sent), an unhashed file.
fn fake_spa(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><script type=module src=/boot.js></script>",
    )
    .unwrap();
    std::fs::write(dir.join("app-0123456789abcdef.wasm"), b"\0asm raw").unwrap();
    std::fs::write(dir.join("app-0123456789abcdef.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(dir.join("app-0123456789abcdef.wasm.gz"), b"gzip bytes").unwrap();
    std::fs::write(dir.join("boot.js"), b"import '/x.js';").unwrap();
}

async fn get(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    if let Some(value) = accept_encoding {
        req = req.header("accept-encoding", value);
    }
    req.send().await.unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spa_is_served_precompressed_with_long_caching_of_fingerprinted_files() {
    let spa = std::env::temp_dir().join(format!("crm-spa-{}", uuid::Uuid::new_v4().simple()));
    fake_spa(&spa);
    let app = spawn_with(Backend::Sqlite, |s| s.spa_dir = spa.clone()).await;
    let wasm = "/app-0123456789abcdef.wasm";
    for (accepted, encoding, body) in [
        (Some("gzip, deflate, br, zstd"), "br", &b"brotli bytes"[..]),
        (Some("gzip, deflate"), "gzip", b"gzip bytes"),
        (Some("br;q=0, gzip;q=0.5"), "gzip", b"gzip bytes"),
        (None, "", b"\0asm raw"),
    ] {
        let res = get(&app, wasm, accepted).await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "content-encoding"), encoding, "{accepted:?}");
        assert_eq!(header(&res, "content-type"), "application/wasm");
        assert_eq!(header(&res, "vary").to_lowercase(), "accept-encoding");
        assert_eq!(
            header(&res, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(&res.bytes().await.unwrap()[..], body, "{accepted:?}");
    }
    // The page that names the files is revalidated on every load, and so is every client
    // route that falls back to it; an unhashed file is never kept blindly either.
    for path in [
        "/",
        "/index.html",
        "/pos",
        "/ventes/mes-ventes",
        "/app-0123456789abcdef.wasm.br",
    ] {
        let res = get(&app, path, Some("br, gzip")).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(header(&res, "cache-control"), "no-cache", "{path}");
        assert_eq!(header(&res, "content-encoding"), "", "{path}");
        assert!(
            res.text().await.unwrap().starts_with("<!doctype html>"),
            "{path}"
        );
    }
    let boot = get(&app, "/boot.js", None).await;
    assert_eq!(header(&boot, "cache-control"), "no-cache");
    assert!(
        header(&boot, "content-type").starts_with("text/javascript")
            || header(&boot, "content-type").starts_with("application/javascript")
    );
    let posted = app.client.post(app.url("/")).send().await.unwrap();
    assert_eq!(posted.status(), 405);
    std::fs::remove_dir_all(spa).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_docs_carry_the_page_policy_and_every_answer_nosniff() {
    let spa = std::env::temp_dir().join(format!("crm-spa-{}", uuid::Uuid::new_v4().simple()));
    fake_spa(&spa);
    let app = spawn_with(Backend::Sqlite, |s| s.spa_dir = spa.clone()).await;
    for path in ["/", "/pos", "/coupons/3", "/api/docs/"] {
        let res = get(&app, path, None).await;
        assert!(res.status().as_u16() < 500, "{path}");
        let csp = header(&res, "content-security-policy");
        let script_src = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap_or_else(|| panic!("{path}: no script-src in {csp:?}"));
        assert_eq!(script_src, "script-src 'self' 'wasm-unsafe-eval'", "{path}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(header(&res, "x-frame-options"), "DENY", "{path}");
        assert_eq!(header(&res, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&res, "referrer-policy"), "no-referrer", "{path}");
    }
    // JSON is never rendered as a page: nosniff is all it needs, and the hot paths
    // (identify answers hundreds of times a second per store) skip the rest.
    for path in [
        "/api/v1/me",
        "/api/v1/nope",
        "/healthz",
        "/api/openapi.json",
    ] {
        let res = get(&app, path, None).await;
        assert!(res.status().as_u16() < 500, "{path}");
        assert_eq!(header(&res, "x-content-type-options"), "nosniff", "{path}");
        assert!(
            res.headers().get("content-security-policy").is_none(),
            "{path}"
        );
    }
    // The Swagger UI loads its scripts from files, which that policy allows.
    let docs = get(&app, "/api/docs/", None).await.text().await.unwrap();
    assert!(docs.contains("swagger-initializer.js"));
    assert!(
        !has_inline_script(&docs),
        "the Swagger UI page has no inline script"
    );
    let initializer = get(&app, "/api/docs/swagger-initializer.js", None).await;
    assert_eq!(initializer.status(), 200);
    std::fs::remove_dir_all(spa).unwrap();
}

/// Whether an HTML page has a `<script>` without `src` (what `script-src` without
/// `'unsafe-inline'` refuses to run).
fn has_inline_script(html: &str) -> bool {
    html.split("<script").skip(1).any(|tag| {
        let open = tag.split('>').next().unwrap_or("");
        !open.contains("src=")
    })
}

#[test]
fn the_spa_page_loads_no_inline_script() {
    let frontend = Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend");
    let source = std::fs::read_to_string(frontend.join("index.html")).unwrap();
    assert!(!has_inline_script(&source), "frontend/index.html");
    if let Ok(built) = std::fs::read_to_string(crm_tests::spa_dir().join("index.html")) {
        assert!(!has_inline_script(&built), "the built index.html");
    }
}

/// Kills every other session on the test database, as a PostgreSQL restart would.
async fn terminate_backends(app: &TestApp) -> u64 {
    let outside = sea_orm::Database::connect(&app.state.settings.database_url)
        .await
        .unwrap();
    let killed = outside
        .query_all_raw(sea_orm::Statement::from_string(
            outside.get_database_backend(),
            "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        ))
        .await
        .unwrap()
        .len() as u64;
    outside.close().await.unwrap();
    killed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_survive_connections_killed_under_the_pool_and_the_till_lanes() {
    let app = spawn(Backend::Postgres).await;
    let cashier = app.token_for(Role::Cashier).await;
    let marketing = app.token_for(Role::Marketing).await;
    let created = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(&cashier),
            Some(json!({"phone": "0701234567"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let identify = || {
        app.call(
            "POST",
            "/api/v1/customers/identify",
            Some(&cashier),
            Some(json!({"phone": "0701234567"})),
        )
    };
    // Several connections in the pool, and the till lanes opened.
    let warm = futures::future::join_all(
        (0..8).map(|_| app.call("GET", "/api/v1/customers", Some(&marketing), None)),
    )
    .await;
    assert!(warm.iter().all(|r| r.status == 200));
    assert_eq!(identify().await.status, 200);

    let killed = terminate_backends(&app).await;
    assert!(
        killed >= 2,
        "the pool and a lane had sessions to lose ({killed})"
    );

    // Every request still answers: dead connections are replaced, not reported.
    for round in 0..20 {
        let found = identify().await;
        assert_eq!(found.status, 200, "identify, round {round}: {}", found.body);
        assert_eq!(found.body["customer"]["id"], created.body["customer"]["id"]);
        let listed = app
            .call("GET", "/api/v1/customers", Some(&marketing), None)
            .await;
        assert_eq!(listed.status, 200, "list, round {round}: {}", listed.body);
    }
}
