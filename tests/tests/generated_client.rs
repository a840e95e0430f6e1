//! A generated client, as an integrator would make one: openapi-python-client (pinned by
//! `cargo xtask test`, which installs it in a virtualenv outside the repo) generates a
//! Python package from the `/api/openapi.json` a real server serves, with no warning
//! allowed, and `tests/integrator/flow.py` runs an integrator's flow through it: a
//! service-account token, identify a customer by phone, create one, check out under an
//! `Idempotency-Key` and replay it, list the sales, read a coupon. On SQLite and
//! PostgreSQL. The generated package goes to the test's temporary folder, never into the
//! source tree.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_domain::{Role, Scope};
use crm_tests::{on_both_databases, TestApp};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The package name of `tests/integrator/generator.json`, which the flow imports.
const PACKAGE: &str = "crm_client";
/// The scopes an ERP connector at the till needs for this flow.
const SCOPES: [Scope; 3] = [Scope::Pos, Scope::SalesRead, Scope::CrmRead];
const KNOWN_PHONE: &str = "0701234567";
const COUPON_CODE: &str = "BIENVENUE";

/// The openapi-python-client that `cargo xtask test` installs (`CRM_OPENAPI_PYTHON_CLIENT`
/// overrides); the virtualenv's `python` beside it runs the flow.
fn generator() -> PathBuf {
    if let Some(path) = std::env::var_os("CRM_OPENAPI_PYTHON_CLIENT") {
        return PathBuf::from(path);
    }
    let home = std::env::var_os("HOME").expect("HOME is set");
    PathBuf::from(home).join(".cache/crm-client-venv/bin/openapi-python-client")
}

fn integrator_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("integrator")
        .join(name)
}

/// `PATH` with the virtualenv's `bin` first: the generator formats its output with the
/// `ruff` installed beside it, and warns (so fails) when it finds none.
fn path_with(bin: &Path) -> std::ffi::OsString {
    let mut dirs = vec![bin.to_path_buf()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).expect("PATH entries without separators")
}

fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn run(command: &mut Command, what: &str) -> Output {
    command.output().unwrap_or_else(|e| {
        panic!(
            "cannot run {what} {:?} ({e}): `cargo xtask test` installs it (or set \
             CRM_OPENAPI_PYTHON_CLIENT)",
            command.get_program()
        )
    })
}

/// Generates the client from the served document into `out/crm_client`; fails on any
/// warning (an endpoint or a schema the generator skipped, a missing formatter…).
fn generate(app: &TestApp, out: &Path) {
    let program = generator();
    let bin = program.parent().expect("the generator is in a bin folder");
    let output = run(
        Command::new(&program)
            .current_dir(out)
            .arg("generate")
            .args(["--url", &app.url("/api/openapi.json")])
            .args(["--meta", "none"])
            .arg("--config")
            .arg(integrator_file("generator.json"))
            .arg("--output-path")
            .arg(out.join(PACKAGE))
            .arg("--fail-on-warning")
            .env("PATH", path_with(bin))
            .env("NO_COLOR", "1"),
        "openapi-python-client",
    );
    let printed = printed(&output);
    println!("===== openapi-python-client =====\n{printed}");
    assert!(
        output.status.success(),
        "openapi-python-client failed on the served document:\n{printed}"
    );
    // `--fail-on-warning` already fails on them; a wording change must not let one by.
    assert!(
        !printed.to_lowercase().contains("warning"),
        "openapi-python-client warned about the served document:\n{printed}"
    );
    assert!(
        out.join(PACKAGE).join("__init__.py").is_file(),
        "no package generated:\n{printed}"
    );
}

/// What the flow finds on the server: a registered customer, a coupon, a catalogue and a
/// service account's credentials, as environment variables for `flow.py`.
async fn seed(app: &TestApp) -> Vec<(&'static str, String)> {
    app.seed_catalogue().await;
    let cashier = app.token_for(Role::Cashier).await;
    let known = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(&cashier),
            Some(json!({"phone": KNOWN_PHONE, "first_name": "Aya"})),
        )
        .await;
    assert_eq!(known.status, 201, "{}", known.body);
    let marketing = app.token_for(Role::Marketing).await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Africa::Abidjan)
        .date_naive();
    let coupon = app
        .call(
            "POST",
            "/api/v1/coupons",
            Some(&marketing),
            Some(json!({
                "kind": "GENERIC", "code": COUPON_CODE, "discount_kind": "PERCENT", "value": 10,
                "description": "Bienvenue : 10 %", "per_customer_cap": 5,
                "valid_from": today, "valid_to": today + chrono::Days::new(30),
            })),
        )
        .await;
    assert_eq!(coupon.status, 201, "{}", coupon.body);
    let account = crm_server::accounts::create_service_account(&app.state.db, "erp", &SCOPES)
        .await
        .expect("service account");
    vec![
        ("CRM_BASE_URL", app.base_url.clone()),
        ("CRM_CLIENT_ID", account.client_id),
        ("CRM_CLIENT_SECRET", account.client_secret),
        ("CRM_KNOWN_PHONE", KNOWN_PHONE.to_owned()),
        (
            "CRM_KNOWN_CUSTOMER_ID",
            known.body["customer"]["id"].as_i64().unwrap().to_string(),
        ),
        ("CRM_BARCODE", TestApp::demo_barcode(0)),
        (
            "CRM_COUPON_ID",
            coupon.body["id"].as_i64().unwrap().to_string(),
        ),
        ("CRM_COUPON_CODE", COUPON_CODE.to_owned()),
    ]
}

/// Runs `flow.py` with the virtualenv's python and the generated package importable.
fn run_flow(out: &Path, env: &[(&str, String)]) -> Output {
    let python = generator().with_file_name("python");
    let mut command = Command::new(&python);
    command
        .current_dir(out)
        .arg(integrator_file("flow.py"))
        .env("PYTHONPATH", out)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1");
    for (name, value) in env {
        command.env(name, value);
    }
    run(&mut command, "the virtualenv's python")
}

on_both_databases! {
    async fn an_integrators_flow_passes_through_the_generated_client(app) {
        let env = seed(&app).await;
        let out = app.data_dir.join("generated-client");
        std::fs::create_dir_all(&out).unwrap();
        // The server runs on this test's runtime: wait for the programs off its threads.
        let output = tokio::task::block_in_place(|| {
            generate(&app, &out);
            run_flow(&out, &env)
        });
        let printed = printed(&output);
        println!("===== tests/integrator/flow.py =====\n{printed}");
        assert!(
            output.status.success(),
            "the integrator's flow failed through the generated client:\n{printed}"
        );
    }
}
