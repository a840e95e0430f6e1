//! `cargo xtask fuzz [--seconds N] [TARGET…]`: runs the cargo-fuzz targets of `fuzz/`
//! (what the CRM parses from the outside: phones, coupon codes, money, the legacy CSV
//! rows), each for a bounded time. A crash leaves its input in `fuzz/artifacts/TARGET/`
//! and fails the task; the input then becomes a regression test in the crate it broke.
//!
//! cargo-fuzz needs nightly compiler flags (`-Zsanitizer`, sanitizer coverage). The
//! stable toolchain accepts them with `RUSTC_BOOTSTRAP=1`, which is set for this task only:
//! the workspace itself stays stable. No address sanitizer: the workspace forbids
//! `unsafe`, so what fuzzing finds is panics and overflows (debug assertions are on).

use anyhow::{bail, Context, Result};

use crate::process;
use crate::toolchain;
use crate::workspace::Workspace;

/// Seconds per target for `cargo xtask fuzz` when `--seconds` is not given.
pub const DEFAULT_SECONDS: u64 = 60;
/// Seconds per target in `cargo xtask test`: four targets stay well under two minutes.
pub const TEST_SECONDS: u64 = 20;

/// Parses the task's arguments and runs the fuzz targets.
pub fn run(ws: &Workspace, args: &[String]) -> Result<()> {
    let mut seconds = DEFAULT_SECONDS;
    let mut chosen = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                let value = args.next().context("--seconds needs a number")?;
                seconds = value
                    .parse()
                    .with_context(|| format!("--seconds: `{value}` is not a number"))?;
            }
            other if other.starts_with('-') => bail!("unknown option `{other}`"),
            target => chosen.push(target.to_owned()),
        }
    }
    run_targets(ws, seconds, &chosen)
}

/// Builds every target once, then runs `chosen` (every target when empty) for `seconds`
/// each; fails if any of them found a crash.
pub fn run_targets(ws: &Workspace, seconds: u64, chosen: &[String]) -> Result<()> {
    toolchain::ensure_cargo_fuzz(ws)?;
    let targets = if chosen.is_empty() {
        list(ws)?
    } else {
        chosen.to_vec()
    };
    process::run(&mut cargo_fuzz(ws, "build"))?;
    let mut crashed = Vec::new();
    for target in &targets {
        let corpus = ws.path("fuzz/corpus").join(target);
        std::fs::create_dir_all(&corpus)
            .with_context(|| format!("cannot create {}", corpus.display()))?;
        let mut run = cargo_fuzz(ws, "run");
        // New inputs go to the first folder (ignored by git); the committed seeds are
        // read from the second one.
        run.arg(target)
            .arg(&corpus)
            .arg(ws.path("fuzz/seeds").join(target))
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg("-timeout=10")
            .arg("-rss_limit_mb=2048")
            .arg("-print_final_stats=1");
        eprintln!("[xtask] fuzzing {target} for {seconds} s");
        if let Err(error) = process::run(&mut run) {
            eprintln!("[xtask] {target}: {error:#} (input in fuzz/artifacts/{target}/)");
            crashed.push(target.clone());
        }
    }
    if !crashed.is_empty() {
        bail!(
            "fuzzing found crashes in {}: turn each input of fuzz/artifacts/ into a regression test",
            crashed.join(", ")
        );
    }
    Ok(())
}

/// The targets declared in `fuzz/Cargo.toml`.
fn list(ws: &Workspace) -> Result<Vec<String>> {
    let listed = process::capture(&mut cargo_fuzz(ws, "list"))?;
    let targets: Vec<String> = String::from_utf8_lossy(&listed)
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    if targets.is_empty() {
        bail!("`cargo fuzz list` found no target in fuzz/");
    }
    Ok(targets)
}

/// `cargo fuzz <action>` with the options every action shares.
fn cargo_fuzz(ws: &Workspace, action: &str) -> std::process::Command {
    let mut cmd = ws.cargo();
    cmd.args(["fuzz", action, "--fuzz-dir", "fuzz"])
        .env("RUSTC_BOOTSTRAP", "1");
    if action != "list" {
        cmd.args(["--sanitizer", "none", "--debug-assertions"])
            .arg("--target-dir")
            .arg(ws.target_dir.join("fuzz"));
    }
    cmd
}
