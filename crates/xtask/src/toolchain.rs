//! Installing what the build and the tests need, once.
//!
//! Each `ensure_*` step is idempotent, returns quickly when the tool is already there and
//! prints one line saying what it found or did.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::process;
use crate::workspace::Workspace;

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The npm build of binaryen: Debian's v108 emits a .wasm that Chromium rejects
/// (`WebAssembly.Table.set`), so never fall back to a `wasm-opt` found on PATH.
const BINARYEN_VERSION: &str = "132.0.0";
/// Pinned so that a contract run finds the same things on every machine.
const SCHEMATHESIS_VERSION: &str = "4.32.5";
/// The OpenAPI validator the contract test checks the document with (same virtualenv).
const SPEC_VALIDATOR_VERSION: &str = "0.9.0";
/// The Python client generator of the generated-client test (its own virtualenv): pinned
/// so that its warnings, and the code it writes, are the same on every machine.
const OPENAPI_PYTHON_CLIENT_VERSION: &str = "0.29.1";
const CARGO_FUZZ_VERSION: &str = "0.13.2";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const WRK: &str = "/usr/bin/wrk";

/// The programs that turn the compiled frontend into `frontend/dist`.
pub struct SpaTools {
    pub wasm_bindgen: PathBuf,
    pub wasm_opt: PathBuf,
}

/// Installs the wasm target, wasm-bindgen-cli and wasm-opt when missing.
pub fn ensure_spa_tools(ws: &Workspace) -> Result<SpaTools> {
    ensure_wasm_target()?;
    let wasm_bindgen = ensure_wasm_bindgen(ws)?;
    let wasm_opt = ensure_wasm_opt()?;
    Ok(SpaTools {
        wasm_bindgen,
        wasm_opt,
    })
}

/// Adds the wasm32 target to the active toolchain.
pub fn ensure_wasm_target() -> Result<()> {
    let installed =
        process::probe(process::command("rustup").args(["target", "list", "--installed"]))
            .context("cannot run `rustup`: xtask needs a rustup-managed toolchain")?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        step_done(&format!("rust target {WASM_TARGET}"), "present");
        return Ok(());
    }
    step_doing(&format!("rust target {WASM_TARGET}"), "installing");
    process::run(process::command("rustup").args(["target", "add", WASM_TARGET]))
}

/// Makes a `wasm-bindgen` of exactly the version in Cargo.lock available: the CLI refuses
/// to process a .wasm built by another version of the library.
pub fn ensure_wasm_bindgen(ws: &Workspace) -> Result<PathBuf> {
    let wanted = ws.locked_version("wasm-bindgen")?;
    let label = format!("wasm-bindgen-cli {wanted}");
    let installed_by_cargo = cargo_home().join("bin").join("wasm-bindgen");
    for candidate in [PathBuf::from("wasm-bindgen"), installed_by_cargo.clone()] {
        if wasm_bindgen_version(&candidate).as_deref() == Some(wanted.as_str()) {
            step_done(&label, "present");
            return Ok(candidate);
        }
    }
    step_doing(&label, "installing with cargo install (several minutes)");
    // Without --locked: the CLI's own lockfile pins crates that no longer build on
    // current toolchains; that is how it was measured to work on these machines.
    process::run(
        ws.cargo()
            .args(["install", "wasm-bindgen-cli", "--version", &wanted]),
    )?;
    match wasm_bindgen_version(&installed_by_cargo) {
        Some(found) if found == wanted => Ok(installed_by_cargo),
        found => bail!(
            "after `cargo install`, {} reports version {found:?}, expected {wanted}",
            installed_by_cargo.display()
        ),
    }
}

/// Installs binaryen from npm into a cache outside the repo and returns its `wasm-opt`.
pub fn ensure_wasm_opt() -> Result<PathBuf> {
    let label = format!("wasm-opt (binaryen {BINARYEN_VERSION}, npm)");
    let prefix = home()?.join(".cache/crm/tools");
    let wasm_opt = prefix.join("node_modules/.bin/wasm-opt");
    let major = BINARYEN_VERSION
        .split('.')
        .next()
        .unwrap_or(BINARYEN_VERSION);
    let is_wanted = |path: &Path| {
        process::probe(process::command(path).arg("--version"))
            .is_some_and(|version| version.contains(&format!("version {major}")))
    };
    if is_wanted(&wasm_opt) {
        step_done(&label, "present");
        return Ok(wasm_opt);
    }
    step_doing(&label, "installing with npm");
    if process::probe(process::command("npm").arg("--version")).is_none() {
        bail!("npm is missing: install Node.js 20 and npm, then run this again");
    }
    std::fs::create_dir_all(&prefix)
        .with_context(|| format!("cannot create {}", prefix.display()))?;
    process::run(
        process::command("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(format!("binaryen@{BINARYEN_VERSION}")),
    )?;
    if !is_wanted(&wasm_opt) {
        bail!("{} does not run after `npm install`", wasm_opt.display());
    }
    Ok(wasm_opt)
}

/// Installs Chromium and chromedriver from Debian for the browser tests.
pub fn ensure_browser() -> Result<()> {
    ensure_debian_packages(
        "chromium + chromedriver (Debian)",
        &["chromium", "chromium-driver"],
        &[CHROMIUM, CHROMEDRIVER],
    )
}

/// Installs wrk from Debian: the benchmarks' second HTTP load generator.
pub fn ensure_wrk() -> Result<PathBuf> {
    ensure_debian_packages("wrk (Debian)", &["wrk"], &[WRK])?;
    Ok(PathBuf::from(WRK))
}

/// Installs Debian `packages` with apt-get unless every one of `paths` exists.
fn ensure_debian_packages(label: &str, packages: &[&str], paths: &[&str]) -> Result<()> {
    if paths.iter().all(|path| Path::new(path).exists()) {
        step_done(label, "present");
        return Ok(());
    }
    step_doing(label, "installing with apt-get");
    // Root installs directly; anyone else needs a password-less sudo (CI has no stdin).
    let as_root = process::probe(process::command("id").arg("-u")).as_deref() == Some("0");
    let apt_get = |args: &[&str]| {
        let mut cmd = if as_root {
            process::command("apt-get")
        } else {
            let mut sudo = process::command("sudo");
            sudo.args(["-n", "apt-get"]);
            sudo
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    process::run(&mut apt_get(&["update"]))?;
    process::run(&mut apt_get(&[&["install", "-y"][..], packages].concat()))?;
    for path in paths {
        if !Path::new(path).exists() {
            bail!("{path} is still missing after apt-get install");
        }
    }
    Ok(())
}

/// Installs cargo-nextest, the test runner `cargo xtask test` uses.
pub fn ensure_nextest(ws: &Workspace) -> Result<()> {
    let label = "cargo-nextest";
    if process::probe(ws.cargo().args(["nextest", "--version"])).is_some() {
        step_done(label, "present");
        return Ok(());
    }
    step_doing(label, "installing with cargo install (several minutes)");
    process::run(ws.cargo().args(["install", "cargo-nextest", "--locked"]))
}

/// Installs cargo-fuzz, which builds and runs the parser fuzz targets of `fuzz/`.
pub fn ensure_cargo_fuzz(ws: &Workspace) -> Result<()> {
    let label = format!("cargo-fuzz {CARGO_FUZZ_VERSION}");
    let found = process::probe(ws.cargo().args(["fuzz", "--version"]));
    if found.is_some_and(|version| version.contains(CARGO_FUZZ_VERSION)) {
        step_done(&label, "present");
        return Ok(());
    }
    step_doing(&label, "installing with cargo install (about two minutes)");
    process::run(ws.cargo().args([
        "install",
        "cargo-fuzz",
        "--locked",
        "--version",
        CARGO_FUZZ_VERSION,
    ]))
}

/// Makes the pinned schemathesis and openapi-spec-validator available in a virtualenv
/// outside the repo and returns schemathesis's program (the validator is beside it), for
/// the contract tests (`tests/tests/contract.rs`).
pub fn ensure_schemathesis() -> Result<PathBuf> {
    let label = format!(
        "schemathesis {SCHEMATHESIS_VERSION}, openapi-spec-validator {SPEC_VALIDATOR_VERSION} (PyPI, virtualenv)"
    );
    let venv = home()?.join(".cache/crm-venv");
    let program = venv.join("bin/schemathesis");
    let pip = venv.join("bin/pip");
    let is_wanted = || {
        let schemathesis = process::probe(process::command(&program).arg("--version"))
            .is_some_and(|version| version.contains(SCHEMATHESIS_VERSION));
        let validator = process::probe(process::command(&pip).args([
            "show",
            "--disable-pip-version-check",
            "openapi-spec-validator",
        ]))
        .is_some_and(|shown| shown.contains(&format!("Version: {SPEC_VALIDATOR_VERSION}")));
        schemathesis && validator
    };
    if is_wanted() {
        step_done(&label, "present");
        return Ok(program);
    }
    step_doing(&label, "installing with pip");
    process::run(process::command("python3").args(["-m", "venv"]).arg(&venv))
        .context("cannot create a virtualenv: install python3 and python3-venv")?;
    process::run(
        process::command(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("schemathesis=={SCHEMATHESIS_VERSION}"))
            .arg(format!("openapi-spec-validator=={SPEC_VALIDATOR_VERSION}")),
    )?;
    if !is_wanted() {
        bail!("{} does not run after `pip install`", program.display());
    }
    Ok(program)
}

/// Makes the pinned openapi-python-client available in its own virtualenv outside the
/// repo (its pins of httpx and pydantic are its own, not schemathesis's) and returns its
/// program, for the generated-client test (`tests/tests/generated_client.rs`): the
/// virtualenv's `python` runs the flow, and its `ruff` formats the generated code.
pub fn ensure_openapi_python_client() -> Result<PathBuf> {
    let label = format!("openapi-python-client {OPENAPI_PYTHON_CLIENT_VERSION} (PyPI, virtualenv)");
    let venv = home()?.join(".cache/crm-client-venv");
    let program = venv.join("bin/openapi-python-client");
    let is_wanted = || {
        process::probe(process::command(&program).arg("--version"))
            .is_some_and(|version| version.contains(OPENAPI_PYTHON_CLIENT_VERSION))
            && venv.join("bin/ruff").is_file()
    };
    if is_wanted() {
        step_done(&label, "present");
        return Ok(program);
    }
    step_doing(&label, "installing with pip");
    process::run(process::command("python3").args(["-m", "venv"]).arg(&venv))
        .context("cannot create a virtualenv: install python3 and python3-venv")?;
    process::run(
        process::command(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!(
                "openapi-python-client=={OPENAPI_PYTHON_CLIENT_VERSION}"
            )),
    )?;
    if !is_wanted() {
        bail!("{} does not run after `pip install`", program.display());
    }
    Ok(program)
}

/// The paths the browser tests are told to use.
pub fn browser_paths() -> [(&'static str, &'static str); 2] {
    [("CHROMEDRIVER", CHROMEDRIVER), ("CHROMIUM", CHROMIUM)]
}

/// The version printed by `wasm-bindgen --version` ("wasm-bindgen 0.2.130"), if it runs.
fn wasm_bindgen_version(program: &Path) -> Option<String> {
    let output = process::probe(process::command(program).arg("--version"))?;
    output.split_whitespace().nth(1).map(str::to_owned)
}

fn home() -> Result<PathBuf> {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .context("HOME is not set: cannot locate the tool cache")
}

/// Where `cargo install` puts binaries.
fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| home().ok().map(|home| home.join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
}

fn step_done(tool: &str, state: &str) {
    eprintln!("[xtask] ✓ {tool}: {state}");
}

fn step_doing(tool: &str, action: &str) {
    eprintln!("[xtask] → {tool}: {action}");
}
