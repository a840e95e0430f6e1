//! docs/scheduling.md, run: the very script the crontab line, the systemd service and the
//! Kubernetes CronJob call (`docs/scheduling/run-analysis.sh`), against a real server with
//! a real `loyalty:run` service account — run by bash as the test harness would, and by
//! `sh` through the crontab line of the document as cron would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_domain::Scope;
use crm_tests::{Backend, TestApp};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/scheduling/run-analysis.sh")
}

fn document() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/scheduling.md"))
        .expect("docs/scheduling.md")
}

/// A service account with `scopes`: (client id, secret).
async fn account(app: &TestApp, scopes: &[Scope]) -> (String, String) {
    let issued =
        crm_server::accounts::create_service_account(&app.state.db, "planificateur", scopes)
            .await
            .expect("service account");
    (issued.client_id, issued.client_secret)
}

/// How a run ended.
#[derive(Debug)]
struct Ended {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `program args…` with the script's environment pointing at `app`, off the
/// runtime's threads (the server answers on them meanwhile).
async fn run(
    app: &TestApp,
    (id, secret): (&str, &str),
    extra: &[(&str, &str)],
    program: &str,
    args: &[String],
) -> Ended {
    let mut command = Command::new(program);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CRM_URL", &app.base_url)
        .env("CRM_CLIENT_ID", id)
        .env("CRM_CLIENT_SECRET", secret)
        .env("CRM_POLL_SECONDS", "1")
        .env("CRM_TIMEOUT_SECONDS", "120")
        .envs(extra.iter().copied());
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("the shell runs");
    Ended {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

async fn bash(app: &TestApp, credentials: (&str, &str), args: &[&str]) -> Ended {
    bash_with(app, credentials, &[], args).await
}

async fn bash_with(
    app: &TestApp,
    credentials: (&str, &str),
    extra: &[(&str, &str)],
    args: &[&str],
) -> Ended {
    let mut all = vec![script().display().to_string()];
    all.extend(args.iter().map(|a| (*a).to_owned()));
    run(app, credentials, extra, "bash", &all).await
}

/// The analyses as the scheduler's account reads them, newest first.
async fn analyses(app: &TestApp, token: &str) -> Vec<Value> {
    let reply = app
        .call(
            "GET",
            "/api/v1/loyalty/analyses?per_page=20",
            Some(token),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["items"].as_array().unwrap().clone()
}

async fn refused_credentials_start_nothing(backend: Backend) {
    let app = crm_tests::spawn(backend).await;
    let (id, _) = account(&app, &[Scope::LoyaltyRun]).await;
    let ended = bash(&app, (&id, "WrongSecret0000000000000000000000000000"), &[]).await;
    assert_eq!(ended.code, Some(2), "{ended:?}");
    assert!(
        ended.stderr.contains("auth.invalid_credentials"),
        "{ended:?}"
    );
    assert_eq!(app.count("jobs").await, 0);
    // A secret that is not letters and digits never reaches curl's JSON.
    let ended = bash(&app, (&id, "a\"b"), &[]).await;
    assert_eq!(ended.code, Some(2), "{ended:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_start_nothing_sqlite() {
    refused_credentials_start_nothing(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_start_nothing_postgres() {
    refused_credentials_start_nothing(Backend::Postgres).await
}

/// The nightly run: the script starts an applied analysis with the scheduler's account,
/// follows it to SUCCEEDED and exits 0; `check` then finds it; an account without the
/// scope is refused and starts nothing.
async fn the_script_runs_an_analysis_to_its_end(backend: Backend) {
    let app = crm_tests::spawn(backend).await;
    let scheduler = account(&app, &[Scope::LoyaltyRun]).await;
    let credentials = (scheduler.0.as_str(), scheduler.1.as_str());
    let token = app.service_token(&[Scope::LoyaltyRun]).await;

    let before = bash(&app, credentials, &["check", "36"]).await;
    assert_eq!(before.code, Some(1), "no analysis yet: {before:?}");

    let ended = bash(&app, credentials, &[]).await;
    assert_eq!(ended.code, Some(0), "{ended:?}");
    let ran = analyses(&app, &token).await;
    assert_eq!(ran.len(), 1, "{ran:?}");
    assert_eq!(ran[0]["status"], "SUCCEEDED");
    assert_eq!(ran[0]["dry_run"], false);
    assert!(
        ended
            .stdout
            .contains(&format!("analyse {} terminée", ran[0]["id"])),
        "{ended:?}"
    );

    let after = bash(&app, credentials, &["check", "36"]).await;
    assert_eq!(after.code, Some(0), "{after:?}");

    // A dry run is no applied run for `check`, and does not hide the applied one.
    let dry = bash_with(&app, credentials, &[("CRM_DRY_RUN", "true")], &[]).await;
    assert_eq!(dry.code, Some(0), "{dry:?}");
    assert_eq!(analyses(&app, &token).await[0]["dry_run"], true);
    assert_eq!(
        bash(&app, credentials, &["check", "36"]).await.code,
        Some(0)
    );

    let (pos_id, pos_secret) = account(&app, &[Scope::Pos]).await;
    let refused = bash(&app, (&pos_id, &pos_secret), &[]).await;
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(refused.stderr.contains("auth.forbidden"), "{refused:?}");
    assert_eq!(
        analyses(&app, &token).await.len(),
        2,
        "the refused account started nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_script_runs_an_analysis_to_its_end_sqlite() {
    the_script_runs_an_analysis_to_its_end(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_script_runs_an_analysis_to_its_end_postgres() {
    the_script_runs_an_analysis_to_its_end(Backend::Postgres).await
}

/// The crontab line of docs/scheduling.md, run by `sh` as cron runs it, with its three
/// paths (environment file, script, log) moved to this test's folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_crontab_line_runs_the_analysis() {
    let app = crm_tests::spawn(Backend::Sqlite).await;
    let (id, secret) = account(&app, &[Scope::LoyaltyRun]).await;
    let doc = document();
    let line = doc
        .split("```cron\n")
        .skip(1)
        .filter_map(|block| block.lines().next())
        .find(|line| line.contains("run-analysis.sh") && !line.contains(" check"))
        .expect("a crontab line running the analysis");
    let fields: Vec<&str> = line.splitn(6, ' ').collect();
    assert_eq!(
        &fields[..5],
        ["15", "3", "*", "*", "*"],
        "every night at 03:15"
    );

    let env_file = app.data_dir.join("scheduler.env");
    std::fs::write(
        &env_file,
        format!(
            "CRM_URL={}\nCRM_CLIENT_ID={id}\nCRM_CLIENT_SECRET={secret}\n",
            app.base_url
        ),
    )
    .unwrap();
    let log = app.data_dir.join("loyalty-analysis.log");
    let command = fields[5]
        .replace("/etc/crm/scheduler.env", &env_file.display().to_string())
        .replace(
            "/opt/crm/bin/run-analysis.sh",
            &script().display().to_string(),
        )
        .replace(
            "/var/log/crm/loyalty-analysis.log",
            &log.display().to_string(),
        );
    // Only the environment cron gives: no CRM_* variable but those of the file.
    let ended = run(&app, ("", ""), &[], "sh", &["-c".into(), command]).await;
    assert_eq!(ended.code, Some(0), "{ended:?}");
    let written = std::fs::read_to_string(&log).unwrap();
    assert!(written.contains("terminée"), "{written}");
    let token = app.service_token(&[Scope::LoyaltyRun]).await;
    assert_eq!(analyses(&app, &token).await[0]["status"], "SUCCEEDED");
}
