//! `cargo xtask bench --loyalty`: the loyalty analysis of issue 11 through the command
//! operators run, `crm loyalty analyze` (release build), on PostgreSQL and on SQLite with
//! the same `crm demo` data set: a dry run, then an apply with congratulation coupons.
//! Each run is timed from outside (wall clock, and peak RSS from `/usr/bin/time -v`); the
//! command prints its own time for the analysis alone. docs/benchmarks.md records them.
//!
//! Options: `--customers N` (20 000), `--sales N` (200 000), `--reuse` (keep the data sets
//! of an earlier run: the apply changed their levels, so a dry run then finds less to
//! move), `--pg-only`.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::bench::{psql, with_database};
use crate::postgres;
use crate::process;
use crate::workspace::Workspace;

const BENCH_DB: &str = "crm_bench_loyalty";

pub fn run(ws: &Workspace, args: &[String]) -> Result<()> {
    let option = |name: &str, default: u64| -> Result<u64> {
        match args.iter().position(|a| a == name) {
            Some(i) => args
                .get(i + 1)
                .with_context(|| format!("{name} needs a value"))?
                .parse()
                .with_context(|| format!("{name} takes a number")),
            None => Ok(default),
        }
    };
    let customers = option("--customers", 20_000)?;
    let sales = option("--sales", 200_000)?;
    let reuse = args.iter().any(|a| a == "--reuse");
    let pg_only = args.iter().any(|a| a == "--pg-only");

    process::run(ws.cargo().args([
        "build",
        "--release",
        "--package",
        "crm-server",
        "--bin",
        "crm",
    ]))?;
    let crm = ws.target_dir.join("release/crm");
    let data_dir = ws.target_dir.join("bench-loyalty");
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;

    let admin_url =
        std::env::var("CRM_TEST_PG").unwrap_or_else(|_| postgres::DEFAULT_TEST_URL.to_owned());
    postgres::ensure_reachable(&admin_url)?;
    let pg_url = format!("{}?sslmode=disable", with_database(&admin_url, BENCH_DB));
    if !reuse {
        psql(
            &admin_url,
            &format!("DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"),
        )?;
        psql(&admin_url, &format!("CREATE DATABASE {BENCH_DB}"))?;
    }
    let mut targets = vec![("PostgreSQL", pg_url)];
    if !pg_only {
        let file = data_dir.join("crm.sqlite");
        if !reuse {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
        targets.push(("SQLite", format!("sqlite://{}?mode=rwc", file.display())));
    }
    for (name, url) in &targets {
        if !reuse {
            let started = Instant::now();
            process::run(
                process::command(&crm)
                    .args([
                        "demo",
                        "--customers",
                        &customers.to_string(),
                        "--sales",
                        &sales.to_string(),
                    ])
                    .env("CRM_DATABASE_URL", url)
                    .env("CRM_DATA_DIR", &data_dir),
            )?;
            println!(
                "[bench] {name}: crm demo --customers {customers} --sales {sales}: {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        for mode in [
            &["--dry-run", "--generate-coupons"][..],
            &["--generate-coupons"],
        ] {
            analyze(&crm, url, &data_dir, name, mode)?;
        }
    }
    Ok(())
}

/// Runs `crm loyalty analyze <mode>` under `/usr/bin/time -v` and prints its figures.
fn analyze(crm: &Path, url: &str, data_dir: &Path, name: &str, mode: &[&str]) -> Result<()> {
    let started = Instant::now();
    let out = process::command("/usr/bin/time")
        .arg("-v")
        .arg(crm)
        .args(["loyalty", "analyze"])
        .args(mode)
        .env("CRM_DATABASE_URL", url)
        .env("CRM_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .context("cannot run /usr/bin/time (Debian package `time`)")?;
    let wall = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        anyhow::bail!(
            "crm loyalty analyze {} failed:\n{stdout}\n{stderr}",
            mode.join(" ")
        );
    }
    let peak_kb = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    println!("[bench] {name}: crm loyalty analyze {}", mode.join(" "));
    print!("{stdout}");
    println!(
        "  → wall {wall:.2} s (process), peak RSS {:.1} MB\n",
        peak_kb as f64 / 1024.0
    );
    Ok(())
}
