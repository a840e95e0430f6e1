//! Developer tasks of the CRM workspace, run as `cargo xtask <task>` (alias in
//! `.cargo/config.toml`). Each task installs what it needs when it is missing, so that a
//! fresh machine goes from clone to running product or green tests in one command.
#![allow(
    clippy::indexing_slicing,
    reason = "a developer task reads cargo's JSON (a missing key reads as null) and its own \
              measurements; a surprise there should stop the task loudly, not be papered over"
)]

mod bench;
mod fuzz;
mod loyalty_bench;
mod postgres;
mod process;
mod spa;
mod toolchain;
mod workspace;

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use workspace::Workspace;

const USAGE: &str = "\
Usage: cargo xtask <task> [args…]

Tasks:
  dev       install what is missing, build the SPA and the server (release), then run
            `crm serve --bind 127.0.0.1:8080` on ./data/crm.sqlite with the demo store
  test      install what is missing (Chromium, schemathesis, openapi-python-client,
            cargo-fuzz included), build the SPA, check PostgreSQL, then `cargo nextest
            run --workspace --no-fail-fast [args…]`, then fuzz each parser for 20 s
  lint      cargo fmt --check, clippy of the workspace, clippy of the SPA for wasm32
  ci        lint, then test
  spa       build the SPA into frontend/dist (always rebuilds)
  openapi   regenerate openapi/openapi.json from the server's code
  fuzz      run the parser fuzz targets of fuzz/ (cargo-fuzz); options --seconds N
            (per target, default 60) and target names (default: all)
  bench     performance figures on PostgreSQL (see docs/benchmarks.md); options
            --customers N --clients N --seconds N --runs N; --loyalty times
            `crm loyalty analyze` on PostgreSQL and SQLite
  help      print this message

Environment: CRM_DATABASE_URL (dev), CRM_TEST_PG (test, default
postgres://postgres@127.0.0.1:5432/postgres), CARGO_TARGET_DIR.";

/// Where `dev` listens; the README points browsers there.
const DEV_BIND: &str = "127.0.0.1:8080";
const DEV_DATABASE_URL: &str = "sqlite://data/crm.sqlite?mode=rwc";
const DENY_WARNINGS: [&str; 3] = ["--", "-D", "warnings"];

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    let outcome = match task.as_str() {
        "dev" => Workspace::locate().and_then(|ws| dev(&ws)),
        "test" => Workspace::locate().and_then(|ws| test(&ws, &rest)),
        "lint" => Workspace::locate().and_then(|ws| lint(&ws).map(|()| 0)),
        "ci" => Workspace::locate().and_then(|ws| ci(&ws, &rest)),
        "spa" => Workspace::locate().and_then(|ws| spa(&ws).map(|()| 0)),
        "openapi" => Workspace::locate().and_then(|ws| openapi(&ws).map(|()| 0)),
        "fuzz" => Workspace::locate().and_then(|ws| fuzz::run(&ws, &rest).map(|()| 0)),
        "bench" => Workspace::locate().and_then(|ws| bench::run(&ws, &rest).map(|()| 0)),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(0)
        }
        "" => {
            eprintln!("{USAGE}");
            Ok(2)
        }
        unknown => {
            eprintln!("error: unknown task `{unknown}`\n\n{USAGE}");
            Ok(2)
        }
    };
    match outcome {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(error) => {
            eprintln!("[xtask] error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Builds everything in release mode and replaces this process with the server, so that
/// Ctrl-C and the exit code belong to the server itself.
fn dev(ws: &Workspace) -> Result<i32> {
    let tools = timed("tools", || toolchain::ensure_spa_tools(ws))?;
    timed("SPA", || spa::build_if_stale(ws, &tools))?;
    timed("server (release)", || {
        process::run(
            ws.cargo()
                .args(["build", "--release", "--package", "crm-server"]),
        )
    })?;
    let mut server = process::command(ws.target_dir.join("release/crm"));
    server
        .args(["serve", "--bind", DEV_BIND])
        .current_dir(&ws.root)
        .env("CRM_SEED_DEMO", "true")
        .env("CRM_SPA_DIR", "frontend/dist");
    if std::env::var_os("CRM_DATABASE_URL").is_none() {
        server.env("CRM_DATABASE_URL", DEV_DATABASE_URL);
    }
    eprintln!("$ {}", process::describe(&server));
    run_in_place(server)
}

#[cfg(unix)]
fn run_in_place(mut command: std::process::Command) -> Result<i32> {
    use std::os::unix::process::CommandExt;
    let error = command.exec();
    Err(error).context("cannot start the server")
}

#[cfg(not(unix))]
fn run_in_place(mut command: std::process::Command) -> Result<i32> {
    let status = command.status().context("cannot start the server")?;
    Ok(process::exit_code(status))
}

/// Runs every test of the workspace, API, browser and contract tests included, on SQLite
/// and PostgreSQL, then a short parser fuzzing run. Returns the test runner's exit code
/// (1 if only the fuzzing failed).
fn test(ws: &Workspace, nextest_args: &[String]) -> Result<i32> {
    let (tools, schemathesis, client_generator) = timed("tools", || {
        let tools = toolchain::ensure_spa_tools(ws)?;
        toolchain::ensure_browser()?;
        toolchain::ensure_nextest(ws)?;
        toolchain::ensure_cargo_fuzz(ws)?;
        Ok((
            tools,
            toolchain::ensure_schemathesis()?,
            toolchain::ensure_openapi_python_client()?,
        ))
    })?;
    // The browser tests load the SPA from frontend/dist.
    timed("SPA", || spa::build_if_stale(ws, &tools))?;
    let database_url =
        std::env::var("CRM_TEST_PG").unwrap_or_else(|_| postgres::DEFAULT_TEST_URL.to_owned());
    timed("PostgreSQL", || postgres::ensure_reachable(&database_url))?;

    let mut nextest = ws.cargo();
    nextest
        .args(["nextest", "run", "--workspace", "--no-fail-fast"])
        .args(nextest_args)
        .env("CRM_TEST_PG", &database_url)
        .env("CRM_SCHEMATHESIS", &schemathesis)
        .env("CRM_OPENAPI_PYTHON_CLIENT", &client_generator)
        .env("CRM_SPA_DIR", spa::dist_dir(ws));
    for (name, path) in toolchain::browser_paths() {
        nextest.env(name, path);
    }
    let code = timed("tests", || {
        process::status(&mut nextest).map(process::exit_code)
    })?;
    if code != 0 {
        eprintln!("[xtask] tests failed (cargo nextest exited with {code})");
    }
    // Fuzzing runs even after failed tests, so that one run reports everything.
    let fuzzing = timed("parser fuzzing", || {
        fuzz::run_targets(ws, fuzz::TEST_SECONDS, &[])
    });
    if let Err(error) = fuzzing {
        eprintln!("[xtask] {error:#}");
        return Ok(if code == 0 { 1 } else { code });
    }
    Ok(code)
}

/// The checks that need no database: formatting and clippy on both targets. All of them
/// run even when one fails, so that a single CI run reports every problem.
fn lint(ws: &Workspace) -> Result<()> {
    let rustfmt = || process::run(ws.cargo().args(["fmt", "--all", "--check"]));
    let clippy_workspace = || {
        process::run(
            ws.cargo()
                .args(["clippy", "--workspace", "--all-targets"])
                .args(DENY_WARNINGS),
        )
    };
    // The SPA's browser-only code paths are only compiled for wasm32.
    let clippy_spa = || {
        toolchain::ensure_wasm_target()?;
        process::run(
            ws.cargo()
                .args([
                    "clippy",
                    "--package",
                    "crm-frontend",
                    "--target",
                    "wasm32-unknown-unknown",
                ])
                .args(DENY_WARNINGS),
        )
    };
    let checks: [(&str, &dyn Fn() -> Result<()>); 3] = [
        ("rustfmt", &rustfmt),
        ("clippy (workspace)", &clippy_workspace),
        ("clippy (SPA, wasm32)", &clippy_spa),
    ];
    let failed: Vec<&str> = checks
        .into_iter()
        .filter(|(name, check)| match timed(name, check) {
            Ok(()) => false,
            Err(error) => {
                eprintln!("[xtask] {name}: {error:#}");
                true
            }
        })
        .map(|(name, _)| name)
        .collect();
    if !failed.is_empty() {
        bail!("lint failed: {}", failed.join(", "));
    }
    Ok(())
}

/// Lint then test; the tests run even when lint fails, so one run reports everything.
fn ci(ws: &Workspace, nextest_args: &[String]) -> Result<i32> {
    let lint = lint(ws);
    if let Err(error) = &lint {
        eprintln!("[xtask] {error:#}; running the tests anyway");
    }
    let code = test(ws, nextest_args)?;
    lint.map(|()| code)
}

fn spa(ws: &Workspace) -> Result<()> {
    let tools = timed("tools", || toolchain::ensure_spa_tools(ws))?;
    timed("SPA", || spa::build(ws, &tools))
}

/// Regenerates the committed OpenAPI document from the server's code.
fn openapi(ws: &Workspace) -> Result<()> {
    let spec = process::capture(ws.cargo().args([
        "run",
        "--quiet",
        "--package",
        "crm-server",
        "--bin",
        "crm",
        "--",
        "openapi",
    ]))?;
    // Refuse to overwrite the committed document with something that is not JSON.
    serde_json::from_slice::<serde_json::Value>(&spec)
        .context("`crm openapi` did not print a JSON document")?;
    let path = ws.path("openapi/openapi.json");
    if std::fs::read(&path).is_ok_and(|current| current == spec) {
        eprintln!("[xtask] ✓ openapi/openapi.json is already up to date");
        return Ok(());
    }
    std::fs::create_dir_all(ws.path("openapi"))?;
    std::fs::write(&path, &spec).with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("[xtask] ✓ openapi/openapi.json regenerated");
    Ok(())
}

/// Runs a phase and prints how long it took: the budget of a cold CI run is tight.
fn timed<T>(phase: &str, run: impl FnOnce() -> Result<T>) -> Result<T> {
    let started = Instant::now();
    let outcome = run();
    let verdict = if outcome.is_ok() { "done" } else { "FAILED" };
    eprintln!(
        "[xtask] {phase}: {verdict} in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    outcome
}
