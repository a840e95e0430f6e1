//! `loadgen`: drives `POST /customers/identify` with N concurrent keep-alive clients
//! for a fixed time and prints throughput and latency percentiles. Used by
//! `cargo xtask bench`; it is a measuring tool, not a test.
//!
//! Usage: loadgen URL CUSTOMERS [CONCURRENCY=8] [SECONDS=20] [identify|healthz|checkout|month|quote|kpis|kpi-export|search-phone|search-number|search-name|bulk|token|webhook-register RECEIVER|webhook-delete ID]
//! (logs in as the demo cashier; customers are `crm demo`'s numbers 0..CUSTOMERS).
//! - `identify`: `POST /customers/identify` with random customers in random phone forms;
//! - `healthz`: `GET /healthz`, the cost of HTTP alone on this machine;
//! - `checkout`: `POST /sales` of 1–4 demo products, a random customer, paid in cash;
//! - `month`: `GET /sales/mine?period=month` of the demo cashier ("Mes ventes");
//! - `kpis`: `GET /kpis?period=365d` as the demo director (a dashboard refreshing);
//! - `kpi-export`: `GET /kpis/export?format=xlsx&period=365d` as the demo director;
//! - `quote`: `POST /coupons/quote` of the demo code `BIENVENUE` on a 1–4 product basket,
//!   for a random customer (70 %) or an anonymous sale;
//! - `search-phone`, `search-number`, `search-name`: the back office's customer search
//!   (`GET /customers?q=`) as the demo marketing user, by a random customer's phone in a
//!   random written form, by a random customer number, or by a five-letter name prefix;
//! - `bulk`: once, as the demo marketing user, `POST /coupons/bulk-issue` to every
//!   customer, following the job to its end: prints the time and coupons per second;
//! - `token`: prints the demo cashier's access token, for `wrk` (see `cargo xtask bench`);
//! - `webhook-register RECEIVER`: as the demo admin, registers RECEIVER for
//!   `sale.completed` and prints the endpoint's id; `webhook-delete ID` deletes it (the
//!   checkout-with-a-dead-receiver bench, `cargo xtask bench --webhooks`).
#![allow(
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "a measuring tool: a missing argument or answer field should stop it loudly, and \
              its casts (percentile positions, microseconds) are far from the limits"
)]

use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(
        args.len() >= 3,
        "usage: loadgen URL CUSTOMERS [CONCURRENCY] [SECONDS]"
    );
    let base = args[1].trim_end_matches('/').to_owned();
    let customers: u64 = args[2].parse()?;
    let concurrency: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(8);
    let seconds: u64 = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(20);
    let mode = args.get(5).cloned().unwrap_or_else(|| "identify".into());
    anyhow::ensure!(
        [
            "identify",
            "healthz",
            "checkout",
            "month",
            "quote",
            "kpis",
            "kpi-export",
            "search-phone",
            "search-number",
            "search-name",
            "bulk",
            "token",
            "webhook-register",
            "webhook-delete"
        ]
        .contains(&mode.as_str()),
        "unknown mode {mode}"
    );

    // Only for logging in and the bulk issue; the measured requests use `Connection`.
    let client = reqwest::Client::new();
    if mode == "bulk" {
        return bulk_issue(&client, &base).await;
    }
    if let Some(action) = mode.strip_prefix("webhook-") {
        let target = args
            .get(6)
            .ok_or_else(|| anyhow::anyhow!("{mode} needs a receiver address or an id"))?;
        return webhook(&client, &base, action, target).await;
    }
    let token = if mode.starts_with("kpi") {
        log_in(&client, &base, "dg", "Direction2026!").await?
    } else if mode.starts_with("search") {
        log_in(&client, &base, "marketing", "Marketing2026!").await?
    } else {
        log_in(&client, &base, "caisse", "Caisse2026!").await?
    };
    if mode == "token" {
        // For another load generator (`wrk`) driving the same requests.
        println!("{token}");
        return Ok(());
    }

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    // Like `pgbench -j 2`: two threads, each driving its share of the connections.
    let threads = concurrency.clamp(1, 2);
    let address = base
        .strip_prefix("http://")
        .ok_or_else(|| anyhow::anyhow!("loadgen speaks plain http:// only"))?
        .to_owned();
    let workers: Vec<_> = (0..threads)
        .map(|thread| {
            let clients: Vec<usize> = (thread..concurrency).step_by(threads).collect();
            let (address, token, mode) = (address.clone(), token.clone(), mode.clone());
            std::thread::spawn(move || -> anyhow::Result<(Vec<u64>, u64)> {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                tokio::task::LocalSet::new().block_on(&runtime, async move {
                    let runs: Vec<_> = clients
                        .into_iter()
                        .map(|worker| {
                            let (address, token, mode) =
                                (address.clone(), token.clone(), mode.clone());
                            tokio::task::spawn_local(async move {
                                drive(&address, &token, &mode, worker, customers, deadline).await
                            })
                        })
                        .collect();
                    let mut all = Vec::new();
                    let mut errors = 0;
                    for run in runs {
                        let (lat, err) = run.await??;
                        all.extend(lat);
                        errors += err;
                    }
                    Ok((all, errors))
                })
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for w in workers {
        let (lat, err) = w
            .join()
            .map_err(|_| anyhow::anyhow!("a client thread panicked"))??;
        all.extend(lat);
        errors += err;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    println!(
        "{}: {} ok, {} errors in {:.1} s with {} clients → {:.0} req/s; p50 {:.2} ms, p90 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        mode,
        all.len(),
        errors,
        elapsed,
        concurrency,
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.90),
        pct(0.95),
        pct(0.99),
        all.last().copied().unwrap_or(0) as f64 / 1000.0
    );
    anyhow::ensure!(
        !all.is_empty(),
        "no request succeeded: is the server serving the data set this run expects (same keys)?"
    );
    Ok(())
}

/// One keep-alive client: requests until `deadline`, returning the latencies (µs) of
/// the successful ones and the number of failures.
async fn drive(
    address: &str,
    token: &str,
    mode: &str,
    worker: usize,
    customers: u64,
    deadline: Instant,
) -> anyhow::Result<(Vec<u64>, u64)> {
    let mut connection = Connection::open(address).await?;
    let mut latencies_us = Vec::with_capacity(200_000);
    let mut errors = 0u64;
    let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ (worker as u64 + 1);
    let mut request = Vec::with_capacity(1024);
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut sent_baskets = 0u64;
    while Instant::now() < deadline {
        // xorshift: cheap, and different customers on every request.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        request.clear();
        match mode {
            "healthz" => http_request(&mut request, "GET", "/healthz", None, None, None),
            "month" => http_request(
                &mut request,
                "GET",
                "/api/v1/sales/mine?period=month",
                Some(token),
                None,
                None,
            ),
            "kpis" => http_request(
                &mut request,
                "GET",
                "/api/v1/kpis?period=365d",
                Some(token),
                None,
                None,
            ),
            "kpi-export" => http_request(
                &mut request,
                "GET",
                "/api/v1/kpis/export?format=xlsx&period=365d",
                Some(token),
                None,
                None,
            ),
            "search-phone" | "search-number" | "search-name" => {
                let q = match mode {
                    // `+` and spaces as a browser's query string sends them.
                    "search-phone" => typed_phone(seed, customers)
                        .replace('+', "%2B")
                        .replace(' ', "%20"),
                    "search-number" => crm_domain::customer::customer_number(
                        i64::try_from(1 + seed % customers).unwrap_or(1),
                    ),
                    _ => NAME_PREFIXES[(seed % NAME_PREFIXES.len() as u64) as usize]
                        .replace(' ', "%20"),
                };
                http_request(
                    &mut request,
                    "GET",
                    &format!("/api/v1/customers?q={q}&per_page=20"),
                    Some(token),
                    None,
                    None,
                );
            }
            "checkout" => {
                let (customer, lines) = random_basket(seed, customers);
                let body = json!({"customer_id": customer, "lines": lines,
                                  "payments": [{"method": "ESPECES", "amount": 200_000}]});
                // A new basket, a new key: unique across runs on the same data set.
                sent_baskets += 1;
                let key = format!("loadgen-{run}-{worker}-{sent_baskets}");
                http_request(
                    &mut request,
                    "POST",
                    "/api/v1/sales",
                    Some(token),
                    Some(&key),
                    Some(&serde_json::to_vec(&body)?),
                );
            }
            "quote" => {
                let (customer, lines) = random_basket(seed, customers);
                let body = json!({"code": "bienvenue", "customer_id": customer, "lines": lines});
                http_request(
                    &mut request,
                    "POST",
                    "/api/v1/coupons/quote",
                    Some(token),
                    None,
                    Some(&serde_json::to_vec(&body)?),
                );
            }
            _ => {
                // Digits, spaces and `+` only: no escaping needed, and no JSON value to build.
                let body = format!(r#"{{"phone":"{}"}}"#, typed_phone(seed, customers));
                http_request(
                    &mut request,
                    "POST",
                    "/api/v1/customers/identify",
                    Some(token),
                    None,
                    Some(body.as_bytes()),
                );
            }
        }
        let sent = Instant::now();
        match connection.exchange(&request).await {
            Ok(status) if (200..300).contains(&status) => {
                latencies_us.push(sent.elapsed().as_micros() as u64)
            }
            Ok(_) => errors += 1,
            Err(_) => {
                // The server closed or broke the connection: count it, open another.
                errors += 1;
                connection = Connection::open(address).await?;
            }
        }
    }
    Ok((latencies_us, errors))
}

/// Five-letter starts of the demo's family and given names, as marketing would type them
/// (each finds tens of thousands of the 1 000 000 generated customers).
const NAME_PREFIXES: [&str; 12] = [
    "kouas", "n gue", "traor", "ouatt", "diaba", "couli", "gnagn", "adjou", "kouam", "fatou",
    "salim", "chris",
];

/// A demo customer's phone in one of the forms cashiers type.
fn typed_phone(seed: u64, customers: u64) -> String {
    let phone = crm_server::demo::demo_phone(seed % customers);
    match seed % 4 {
        0 => phone,
        1 => format!("+225 {phone}"),
        2 => format!("00225{phone}"),
        _ => phone
            .as_bytes()
            .chunks(2)
            .map(|c| std::str::from_utf8(c).unwrap_or(""))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn http_request(
    out: &mut Vec<u8>,
    method: &str,
    path: &str,
    token: Option<&str>,
    idempotency_key: Option<&str>,
    body: Option<&[u8]>,
) {
    use std::io::Write;
    let _ = write!(out, "{method} {path} HTTP/1.1\r\nHost: bench\r\n");
    if let Some(token) = token {
        let _ = write!(out, "Authorization: Bearer {token}\r\n");
    }
    if let Some(key) = idempotency_key {
        let _ = write!(out, "Idempotency-Key: {key}\r\n");
    }
    match body {
        Some(body) => {
            let _ = write!(
                out,
                "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            out.extend_from_slice(body);
        }
        None => out.extend_from_slice(b"\r\n"),
    }
}

/// A bare HTTP/1.1 keep-alive connection: the measuring client must cost little, since it
/// shares the machine's 2 cores with the server and PostgreSQL (pgbench, the yardstick,
/// is a lean C client). Reads responses framed by `Content-Length`, which is all the
/// server sends for these routes.
struct Connection {
    stream: tokio::net::TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    async fn open(address: &str) -> anyhow::Result<Connection> {
        let stream = tokio::net::TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buffer: Vec::with_capacity(16 * 1024),
        })
    }

    /// Sends one request and reads its whole response; returns the status code.
    async fn exchange(&mut self, request: &[u8]) -> anyhow::Result<u16> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        self.stream.write_all(request).await?;
        self.buffer.clear();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if let Some(head_end) = find(&self.buffer, b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buffer[..head_end])?;
                let status: u16 = head
                    .get(9..12)
                    .ok_or_else(|| anyhow::anyhow!("short status line"))?
                    .parse()?;
                let length: usize = head
                    .split("\r\n")
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().ok())?
                    })
                    .ok_or_else(|| anyhow::anyhow!("response without Content-Length"))?;
                while self.buffer.len() < head_end + 4 + length {
                    let n = self.stream.read(&mut chunk).await?;
                    anyhow::ensure!(n > 0, "connection closed mid-response");
                    self.buffer.extend_from_slice(&chunk[..n]);
                }
                return Ok(status);
            }
            let n = self.stream.read(&mut chunk).await?;
            anyhow::ensure!(n > 0, "connection closed");
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// 1–4 demo products, and a customer 70 % of the time (demo customers have ids
/// 1..=CUSTOMERS, plus the 6 seeded ones).
fn random_basket(seed: u64, customers: u64) -> (Option<u64>, Vec<serde_json::Value>) {
    let products = crm_server::demo::DEMO_PRODUCTS.len() as u64;
    let lines = (0..1 + seed % 4)
        .map(|k| {
            let code = crm_server::demo::DEMO_PRODUCTS[((seed >> (8 * k)) % products) as usize].0;
            json!({"barcode": crm_domain::barcode::ean13(code), "quantity": 1 + (seed >> 40) % 3})
        })
        .collect();
    let customer = (seed % 10 < 7).then(|| 1 + (seed >> 20) % customers);
    (customer, lines)
}

/// Issues a SPECIAL coupon to every customer and follows the job to its end.
async fn bulk_issue(client: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    let token = log_in(client, base, "marketing", "Marketing2026!").await?;
    let today = chrono::Utc::now().date_naive();
    let started = Instant::now();
    let job: serde_json::Value = client
        .post(format!("{base}/api/v1/coupons/bulk-issue"))
        .bearer_auth(&token)
        .json(&json!({"min_level": "STANDARD", "discount_kind": "FIXED", "value": 1_000,
                      "description": "Bench", "valid_from": today, "valid_to": today + chrono::Days::new(30)}))
        .send()
        .await?
        .json()
        .await?;
    let id = job["id"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("bulk issue refused: {job}"))?;
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let job: serde_json::Value = client
            .get(format!("{base}/api/v1/jobs/{id}"))
            .bearer_auth(&token)
            .send()
            .await?
            .json()
            .await?;
        match job["status"].as_str() {
            Some("SUCCEEDED") => {
                let issued = job["result"]["issued"].as_i64().unwrap_or(0);
                let secs = started.elapsed().as_secs_f64();
                println!(
                    "bulk: {issued} coupons issued in {secs:.1} s → {:.0} coupons/s",
                    issued as f64 / secs
                );
                return Ok(());
            }
            Some("FAILED") => anyhow::bail!("bulk issue failed: {job}"),
            _ => {}
        }
    }
}

/// Registers (`register`, prints the id) or deletes (`delete`) a webhook endpoint as the
/// demo admin.
async fn webhook(
    client: &reqwest::Client,
    base: &str,
    action: &str,
    target: &str,
) -> anyhow::Result<()> {
    let token = log_in(client, base, "admin", "Admin2026!").await?;
    if action == "register" {
        let created: serde_json::Value = client
            .post(format!("{base}/api/v1/webhooks"))
            .bearer_auth(&token)
            .json(&json!({"url": target, "events": ["sale.completed"]}))
            .send()
            .await?
            .json()
            .await?;
        let id = created["endpoint"]["id"]
            .as_i64()
            .ok_or_else(|| anyhow::anyhow!("webhook refused: {created}"))?;
        println!("{id}");
    } else {
        let status = client
            .delete(format!("{base}/api/v1/webhooks/{target}"))
            .bearer_auth(&token)
            .send()
            .await?
            .status();
        anyhow::ensure!(
            status.is_success(),
            "webhook {target} not deleted: {status}"
        );
    }
    Ok(())
}

/// An access token for a demo login.
async fn log_in(
    client: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> anyhow::Result<String> {
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await?
        .json()
        .await?;
    Ok(login["access_token"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("demo login {username} failed: {login}"))?
        .to_owned())
}
