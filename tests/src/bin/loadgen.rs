//! `loadgen`: drives `POST /customers/identify` with N concurrent keep-alive clients
//! for a fixed time and prints throughput and latency percentiles. Used by
//! `cargo xtask bench`; it is a measuring tool, not a test.
//!
//! Usage: loadgen URL CUSTOMERS [CONCURRENCY=8] [SECONDS=20] [identify|healthz|checkout|month|quote|bulk]
//! (logs in as the demo cashier; customers are `crm demo`'s numbers 0..CUSTOMERS).
//! - `identify`: `POST /customers/identify` with random customers in random phone forms;
//! - `healthz`: `GET /healthz`, the cost of HTTP alone on this machine;
//! - `checkout`: `POST /sales` of 1–4 demo products, a random customer, paid in cash;
//! - `month`: `GET /sales/mine?period=month` of the demo cashier ("Mes ventes");
//! - `quote`: `POST /coupons/quote` of the demo code `BIENVENUE` on a 1–4 product basket,
//!   for a random customer (70 %) or an anonymous sale;
//! - `bulk`: once, as the demo marketing user, `POST /coupons/bulk-issue` to every
//!   customer, following the job to its end: prints the time and coupons per second.

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
        ["identify", "healthz", "checkout", "month", "quote", "bulk"].contains(&mode.as_str()),
        "unknown mode {mode}"
    );

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    if mode == "bulk" {
        return bulk_issue(&client, &base).await;
    }
    let token = log_in(&client, &base, "caisse", "Caisse2026!").await?;

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers = (0..concurrency).map(|worker| {
        let (client, token, base, mode) = (client.clone(), token.clone(), base.clone(), mode.clone());
        tokio::spawn(async move {
            let mut latencies_us = Vec::with_capacity(200_000);
            let mut errors = 0u64;
            let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ (worker as u64 + 1);
            while Instant::now() < deadline {
                // xorshift: cheap, and different customers on every request.
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let phone = crm_server::demo::demo_phone(seed % customers);
                let typed = match seed % 4 {
                    0 => phone,
                    1 => format!("+225 {phone}"),
                    2 => format!("00225{phone}"),
                    _ => phone
                        .as_bytes()
                        .chunks(2)
                        .map(|c| std::str::from_utf8(c).unwrap_or(""))
                        .collect::<Vec<_>>()
                        .join(" "),
                };
                let sent = Instant::now();
                let request = match mode.as_str() {
                    "healthz" => client.get(format!("{base}/healthz")),
                    "month" => client.get(format!("{base}/api/v1/sales/mine?period=month")).bearer_auth(&token),
                    "checkout" => {
                        let (customer, lines) = random_basket(seed, customers);
                        client
                            .post(format!("{base}/api/v1/sales"))
                            .bearer_auth(&token)
                            .json(&json!({"customer_id": customer, "lines": lines,
                                          "payments": [{"method": "ESPECES", "amount": 200_000}]}))
                    }
                    "quote" => {
                        let (customer, lines) = random_basket(seed, customers);
                        client
                            .post(format!("{base}/api/v1/coupons/quote"))
                            .bearer_auth(&token)
                            .json(&json!({"code": "bienvenue", "customer_id": customer, "lines": lines}))
                    }
                    _ => client
                        .post(format!("{base}/api/v1/customers/identify"))
                        .bearer_auth(&token)
                        .json(&json!({"phone": typed})),
                };
                let ok = request.send().await.map(|r| r.status().is_success());
                match ok {
                    Ok(true) => latencies_us.push(sent.elapsed().as_micros() as u64),
                    _ => errors += 1,
                }
            }
            (latencies_us, errors)
        })
    });
    let mut all = Vec::new();
    let mut errors = 0;
    for w in futures::future::join_all(workers).await {
        let (lat, err) = w?;
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
    Ok(())
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
