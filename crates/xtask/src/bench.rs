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
//! With `--webhooks`: checkout (8 tills) with no webhook endpoint, with an endpoint for
//! `sale.completed` whose receiver answers 200 at once, with one whose receiver accepts
//! connections and never answers (every attempt waits out its timeout), and with one
//! whose port refuses connections, in turn within each run: the till must not feel a
//! receiver that is down.
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
/// (20), `--runs N` (3), `--reuse`, `--coupons`, `--kpis`, `--search`, `--webhooks`.
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
    let webhooks = args.iter().any(|a| a == "--webhooks");
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
    // Only identify is also driven by wrk; the search and webhook runs need no Debian package.
    let wrk = if search || webhooks {
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
    let scenarios: &[&str] = if webhooks {
        // Run by `checkout_beside_dead_receivers`, not by the loop below.
        &[]
    } else if kpis {
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
        if webhooks {
            checkout_beside_dead_receivers(&loadgen, customers, clients, seconds, runs)?;
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

/// Checkout runs with no webhook endpoint, with a receiver that answers at once, with one
/// that hangs (accepts the connection, never answers) and with a closed port, in turn
/// within each run (each run starting with the next one) so that the drift touches the
/// four alike. Prints each run's
/// figures and the p99 of the receivers that are down against the one that is up.
fn checkout_beside_dead_receivers(
    loadgen: &std::path::Path,
    customers: u64,
    clients: u64,
    seconds: u64,
    runs: u64,
) -> Result<()> {
    let healthy = receiver(Receiver::Answers)?;
    let hanging = receiver(Receiver::Hangs)?;
    // A port that was just free and is closed again: every attempt is refused at once, so
    // the worker retries as fast as its backoff lets it.
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        format!("http://{}/hooks", listener.local_addr()?)
    };
    let receivers = [
        ("no endpoint", None),
        ("receiver up", Some(healthy.as_str())),
        ("hanging receiver", Some(hanging.as_str())),
        ("refusing receiver", Some(refused.as_str())),
    ];
    let mut p99s: Vec<[f64; 4]> = Vec::new();
    for run in 1..=runs {
        let mut row = [0.0; 4];
        // Each run starts with the next receiver: checkout slows as the day's sales grow
        // (its counters are updated in place), so a fixed order would favour the first.
        let first = usize::try_from(run - 1).unwrap_or(0) % receivers.len();
        let order: Vec<usize> = (0..receivers.len())
            .map(|i| (first + i) % receivers.len())
            .collect();
        for index in order {
            let (label, receiver) = receivers[index];
            let slot = &mut row[index];
            let endpoint = match receiver {
                Some(url) => {
                    let out = process::capture(process::command(loadgen).args([
                        &format!("http://{BIND}"),
                        "1",
                        "1",
                        "0",
                        "webhook-register",
                        url,
                    ]))?;
                    Some(String::from_utf8_lossy(&out).trim().to_owned())
                }
                None => None,
            };
            println!("[bench] checkout, {label}, run {run}/{runs} (loadgen):");
            let out = process::capture(process::command(loadgen).args([
                &format!("http://{BIND}"),
                &customers.to_string(),
                &clients.to_string(),
                &seconds.to_string(),
                "checkout",
            ]))?;
            let out = String::from_utf8_lossy(&out);
            print!("  {out}");
            *slot = figure_after(&out, "p99 ").context("loadgen printed no p99")?;
            if let Some(id) = endpoint {
                process::run(process::command(loadgen).args([
                    &format!("http://{BIND}"),
                    "1",
                    "1",
                    "0",
                    "webhook-delete",
                    &id,
                ]))?;
            }
        }
        p99s.push(row);
    }
    for (run, [without, up, hanging, refused]) in p99s.iter().enumerate() {
        println!(
            "[bench] checkout p99, run {}: no endpoint {without:.2} ms; receiver up {up:.2} ms; hanging receiver {hanging:.2} ms ({:+.0} % of up); refusing receiver {refused:.2} ms ({:+.0} % of up)",
            run + 1,
            100.0 * (hanging / up - 1.0),
            100.0 * (refused / up - 1.0),
        );
    }
    Ok(())
}

/// How a bench receiver treats the deliveries it is sent.
#[derive(Clone, Copy)]
enum Receiver {
    /// Reads each request and answers `204 No Content` at once.
    Answers,
    /// Down the worst way: accepts every connection and never answers, so each attempt
    /// holds a worker slot for its whole timeout.
    Hangs,
}

/// A receiver on a free local port, served by threads until the bench ends. Returns its URL.
fn receiver(kind: Receiver) -> Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}/hooks", listener.local_addr()?);
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for connection in listener.incoming().flatten() {
            match kind {
                // Kept open, never read or written.
                Receiver::Hangs => held.push(connection),
                Receiver::Answers => {
                    std::thread::spawn(move || answer_every_request(connection));
                }
            }
        }
    });
    Ok(url)
}

/// Answers each HTTP/1.1 request on `connection` with 204 (keep-alive), until it closes.
fn answer_every_request(mut connection: TcpStream) {
    use std::io::{Read, Write};
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        // A whole request: its head, then as many bytes as its Content-Length says.
        let request_len = pending
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|end| {
                let head = String::from_utf8_lossy(&pending[..end]).to_ascii_lowercase();
                let body: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                end + 4 + body
            })
            .filter(|len| pending.len() >= *len);
        if let Some(len) = request_len {
            pending.drain(..len);
            if connection
                .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                .is_err()
            {
                return;
            }
            continue;
        }
        match connection.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => pending.extend_from_slice(&chunk[..n]),
        }
    }
}

/// The number after `prefix` in a `loadgen` report (`p99 1.23 ms` → 1.23).
fn figure_after(report: &str, prefix: &str) -> Option<f64> {
    report
        .split(prefix)
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
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
