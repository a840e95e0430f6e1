//! `cargo xtask bench`: the performance figures of docs/benchmarks.md. Not a test: it
//! prints numbers for a person to compare, on this machine, in this session.
//!
//! identify: PostgreSQL with 100 000 generated customers (`crm demo`), each given a
//! SPECIAL coupon by a bulk issue (identify returns it), the release
//! server, and `loadgen` with 8 keep-alive clients; the yardstick is `pgbench -S` with 8
//! clients on the same PostgreSQL. The machine's speed drifts from minute to minute, so
//! each identify run comes right after a `pgbench -S` run of the same length and the
//! ratio is printed per pair. Both connect without TLS (loopback). Each identify run is
//! also driven by `wrk` (Debian; `bench/identify.lua` sends the same requests), against
//! the same `pgbench -S` run: on 2 cores the load generator's own CPU is taken from the
//! server and PostgreSQL, so the leaner generator shows more of the server.
//!
//! With `--sales M`: the data set also gets M sales over a year (`crm demo --sales`), and
//! the runs measure checkout (`POST /sales`, 8 tills) and "Mes ventes" for a month of
//! the busy demo cashier instead of identify. `--reuse` keeps an existing `crm_bench`
//! database instead of rebuilding it (the 20 M-sale set takes half an hour).
//!
//! With `--kpis`: the data set gets `--sales` sales (default 200 000) over a year, and the
//! runs measure the KPI dashboard for 365 days (`GET /kpis?period=365d`, 8 dashboards
//! refreshing at once), then the export of that year as .xlsx, one client at a time.
//!
//! With `--coupons`: the runs measure the coupon quote at the till (`POST /coupons/quote`,
//! 8 clients), then one bulk issue of a SPECIAL coupon to every customer.
//!
//! With `--search`: the back office's customer search (`GET /customers?q=`) by phone, by
//! customer number and by name prefix, as the demo marketing user.
//!
//! With `--loyalty`: the loyalty analysis instead (`crate::loyalty_bench`).

use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::postgres;
use crate::process;
use crate::toolchain;
use crate::workspace::Workspace;

const BENCH_DB: &str = "crm_bench";
const PGBENCH_DB: &str = "crm_pgbench";
const BIND: &str = "127.0.0.1:18080";
/// The customer search has its own database and port, so that it never drops the data
/// set nor meets the server of another bench running on the same machine.
const SEARCH_DB: &str = "crm_bench_search";
const SEARCH_BIND: &str = "127.0.0.1:18081";

/// Options: `--customers N` (100000), `--sales N` (0), `--clients N` (8), `--seconds N`
/// (20), `--runs N` (3), `--reuse`, `--coupons`, `--kpis`, `--search`.
pub fn run(ws: &Workspace, args: &[String]) -> Result<()> {
    if args.iter().any(|a| a == "--loyalty") {
        return crate::loyalty_bench::run(ws, args);
    }
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
    let customers = option("--customers", 100_000)?;
    let clients = option("--clients", 8)?;
    let seconds = option("--seconds", 20)?;
    let runs = option("--runs", 3)?;
    let reuse = args.iter().any(|a| a == "--reuse");
    let coupons = args.iter().any(|a| a == "--coupons");
    let kpis = args.iter().any(|a| a == "--kpis");
    let search = args.iter().any(|a| a == "--search");
    let sales = option("--sales", if kpis { 200_000 } else { 0 })?;

    let admin_url =
        std::env::var("CRM_TEST_PG").unwrap_or_else(|_| postgres::DEFAULT_TEST_URL.to_owned());
    postgres::ensure_reachable(&admin_url)?;
    let (bench_db, bind) = if search {
        (SEARCH_DB, SEARCH_BIND)
    } else {
        (BENCH_DB, BIND)
    };
    let server_url = format!("{}?sslmode=disable", with_database(&admin_url, bench_db));

    process::run(ws.cargo().args([
        "build",
        "--release",
        "--package",
        "crm-server",
        "--bin",
        "crm",
    ]))?;
    process::run(ws.cargo().args([
        "build",
        "--release",
        "--package",
        "crm-tests",
        "--bin",
        "loadgen",
    ]))?;
    let crm = ws.target_dir.join("release/crm");
    let loadgen = ws.target_dir.join("release/loadgen");
    // Only identify is also driven by wrk; the search needs no Debian package.
    let wrk = if search {
        std::path::PathBuf::new()
    } else {
        toolchain::ensure_wrk()?
    };
    let wrk_script = ws.target_dir.join("bench-identify.lua");
    std::fs::write(&wrk_script, include_str!("../bench/identify.lua"))
        .with_context(|| format!("cannot write {}", wrk_script.display()))?;

    let data_dir = ws.target_dir.join(if search {
        "bench-search-data"
    } else {
        "bench-data"
    });
    if !reuse {
        psql(
            &admin_url,
            &format!("DROP DATABASE IF EXISTS {bench_db} WITH (FORCE)"),
        )?;
        psql(&admin_url, &format!("CREATE DATABASE {bench_db}"))?;
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
                .env("CRM_DATABASE_URL", &server_url)
                .env("CRM_DATA_DIR", &data_dir),
        )?;
        println!(
            "[bench] crm demo --customers {customers} --sales {sales}: {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let scenarios: &[&str] = if kpis {
        &["kpis", "kpi-export"]
    } else if coupons {
        &["quote"]
    } else if search {
        &["search-phone", "search-number", "search-name"]
    } else if sales > 0 {
        &["checkout", "month"]
    } else {
        &["identify"]
    };

    // Migrations first, as operators do: on a large reused data set they can take minutes.
    process::run(
        process::command(&crm)
            .arg("migrate")
            .env("CRM_DATABASE_URL", &server_url)
            .env("CRM_DATA_DIR", &data_dir),
    )?;
    let pgbench_url = with_database(&admin_url, PGBENCH_DB);
    let pair_with_pgbench = scenarios == ["identify"];
    if pair_with_pgbench {
        psql(
            &admin_url,
            &format!("DROP DATABASE IF EXISTS {PGBENCH_DB} WITH (FORCE)"),
        )?;
        psql(&admin_url, &format!("CREATE DATABASE {PGBENCH_DB}"))?;
        process::run(
            process::command("pgbench")
                .args(["-i", "-q", "-s", "10", &pgbench_url])
                .env("PGSSLMODE", "disable"),
        )?;
    }
    let mut server = process::command(&crm)
        .args(["serve", "--bind", bind])
        .env("CRM_DATABASE_URL", &server_url)
        .env("CRM_DATA_DIR", &data_dir)
        .env("RUST_LOG", "warn")
        .spawn()
        .context("cannot start the server")?;
    let outcome = (|| -> Result<()> {
        wait_for_port(bind)?;
        if pair_with_pgbench && !reuse {
            // As in a store: customers hold personal coupons, which identify returns.
            println!("[bench] a SPECIAL coupon for every customer:");
            bulk_issue(&loadgen, customers)?;
        }
        // The floor: HTTP alone, same client, same server.
        println!("[bench] GET /healthz (HTTP alone):");
        process::run(process::command(&loadgen).args([
            &format!("http://{bind}"),
            &customers.to_string(),
            &clients.to_string(),
            &seconds.to_string(),
            "healthz",
        ]))?;
        let token = if pair_with_pgbench {
            let out = process::capture(process::command(&loadgen).args([
                &format!("http://{bind}"),
                &customers.to_string(),
                "1",
                "1",
                "token",
            ]))?;
            String::from_utf8_lossy(&out).trim().to_owned()
        } else {
            String::new()
        };
        let mut ratios = Vec::new();
        let mut wrk_ratios = Vec::new();
        for scenario in scenarios {
            for run in 1..=runs {
                let yardstick = if pair_with_pgbench {
                    println!("[bench] pgbench -S run {run}/{runs}:");
                    Some(pgbench_select(&pgbench_url, clients, seconds)?)
                } else {
                    None
                };
                println!("[bench] {scenario} run {run}/{runs} (loadgen):");
                // An export is a person's click: one at a time.
                let clients = if *scenario == "kpi-export" {
                    1
                } else {
                    clients
                };
                let out = process::capture(process::command(&loadgen).args([
                    &format!("http://{bind}"),
                    &customers.to_string(),
                    &clients.to_string(),
                    &seconds.to_string(),
                    &scenario.to_string(),
                ]))?;
                let out = String::from_utf8_lossy(&out);
                print!("  {out}");
                if let (Some(tps), Some(rate)) = (yardstick, requests_per_second(&out)) {
                    println!("  → {:.0} % of pgbench -S", 100.0 * rate / tps);
                    ratios.push(rate / tps);
                    println!("[bench] {scenario} run {run}/{runs} (wrk):");
                    let rate =
                        wrk_identify(&wrk, &wrk_script, &token, customers, clients, seconds)?;
                    println!("  → {:.0} % of pgbench -S", 100.0 * rate / tps);
                    wrk_ratios.push(rate / tps);
                }
            }
        }
        for (generator, ratios) in [("loadgen", &mut ratios), ("wrk", &mut wrk_ratios)] {
            if ratios.is_empty() {
                continue;
            }
            ratios.sort_by(f64::total_cmp);
            println!(
                "[bench] identify ({generator}) / pgbench -S, per pair: median {:.0} % (from {:.0} % to {:.0} %)",
                100.0 * ratios[ratios.len() / 2],
                100.0 * ratios[0],
                100.0 * ratios[ratios.len() - 1]
            );
        }
        if coupons {
            println!("[bench] bulk issue to every customer:");
            bulk_issue(&loadgen, customers)?;
        }
        Ok(())
    })();
    let _ = server.kill();
    let _ = server.wait();
    outcome
}

/// Issues a SPECIAL coupon to every customer through the server, timed by `loadgen`.
fn bulk_issue(loadgen: &std::path::Path, customers: u64) -> Result<()> {
    process::run(process::command(loadgen).args([
        &format!("http://{BIND}"),
        &customers.to_string(),
        "1",
        "0",
        "bulk",
    ]))
}

/// One `pgbench -S` run: prints its figures, returns its transactions per second.
fn pgbench_select(url: &str, clients: u64, seconds: u64) -> Result<f64> {
    let out = process::capture(
        process::command("pgbench")
            .args([
                "-S",
                "-c",
                &clients.to_string(),
                "-j",
                "2",
                "-T",
                &seconds.to_string(),
                url,
            ])
            .env("PGSSLMODE", "disable"),
    )?;
    let out = String::from_utf8_lossy(&out);
    for line in out
        .lines()
        .filter(|l| l.starts_with("tps") || l.starts_with("latency"))
    {
        println!("  {line}");
    }
    out.lines()
        .find_map(|l| {
            l.strip_prefix("tps = ")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .context("pgbench printed no tps")
}

/// One identify run driven by `wrk` (one thread, like `loadgen`'s event loops: the
/// leanest client that keeps `clients` connections busy): prints its figures, returns its
/// requests per second. Any non-2xx answer fails the run: a fast error is no figure.
fn wrk_identify(
    wrk: &std::path::Path,
    script: &std::path::Path,
    token: &str,
    customers: u64,
    clients: u64,
    seconds: u64,
) -> Result<f64> {
    let out = process::capture(
        process::command(wrk)
            .args(["--threads", "1", "--latency", "--connections"])
            .arg(clients.to_string())
            .arg("--duration")
            .arg(format!("{seconds}s"))
            .arg("--script")
            .arg(script)
            .arg(format!("http://{BIND}"))
            .env("CRM_BENCH_TOKEN", token)
            .env("CRM_BENCH_CUSTOMERS", customers.to_string()),
    )?;
    let out = String::from_utf8_lossy(&out);
    let figure = |prefix: &str| {
        out.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(str::trim))
    };
    if let Some(failed) = figure("Non-2xx or 3xx responses:") {
        bail!("wrk: {failed} identify requests failed\n{out}");
    }
    for percentile in ["50%", "99%"] {
        if let Some(latency) = figure(percentile) {
            println!("  latency p{}: {latency}", percentile.trim_end_matches('%'));
        }
    }
    let rate: f64 = figure("Requests/sec:")
        .and_then(|r| r.parse().ok())
        .context("wrk printed no Requests/sec")?;
    println!("  {rate:.0} req/s");
    Ok(rate)
}

/// The `→ N req/s` figure of a `loadgen` report.
fn requests_per_second(report: &str) -> Option<f64> {
    report
        .split('→')
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

pub(crate) fn with_database(url: &str, database: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    let (server, _) = base.rsplit_once('/').unwrap_or((base, ""));
    format!("{server}/{database}")
}

pub(crate) fn psql(url: &str, sql: &str) -> Result<()> {
    process::run(process::command("psql").args([url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]))
}

fn wait_for_port(address: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(address).is_err() {
        if Instant::now() > deadline {
            bail!("the server did not listen on {address} within 30 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}
