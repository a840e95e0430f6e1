//! Logs, request ids and metrics.
//!
//! The request log line names the route pattern (`/api/v1/customers/{id}`), never the
//! raw path or query string, so a phone typed in a search box never reaches the logs.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

/// Installs the global log subscriber (`RUST_LOG`, default `info`).
pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Request counts and total duration, by method, route pattern and status. Nested maps so
/// that counting a request looks up borrowed strings and allocates nothing but the first
/// time a route is seen.
#[derive(Default)]
pub struct Metrics {
    by_route: Mutex<BTreeMap<String, RoutesOf>>,
}

/// Per route pattern, per status: (count, seconds).
type RoutesOf = BTreeMap<String, BTreeMap<u16, (u64, f64)>>;

impl Metrics {
    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut map = self.by_route.lock().unwrap_or_else(|p| p.into_inner());
        if !map.contains_key(method) {
            map.insert(method.to_owned(), BTreeMap::new());
        }
        let routes = map.get_mut(method).expect("inserted above");
        if !routes.contains_key(route) {
            routes.insert(route.to_owned(), BTreeMap::new());
        }
        let entry = routes
            .get_mut(route)
            .expect("inserted above")
            .entry(status)
            .or_insert((0, 0.0));
        entry.0 += 1;
        entry.1 += seconds;
    }

    /// (method, route, status, count, seconds), sorted.
    fn rows(&self) -> Vec<(String, String, u16, u64, f64)> {
        let map = self.by_route.lock().unwrap_or_else(|p| p.into_inner());
        let mut rows = Vec::new();
        for (method, routes) in map.iter() {
            for (route, statuses) in routes {
                for (status, (count, seconds)) in statuses {
                    rows.push((method.clone(), route.clone(), *status, *count, *seconds));
                }
            }
        }
        rows
    }

    /// Prometheus text exposition.
    pub fn render(&self) -> String {
        let rows = self.rows();
        let mut out = String::from(
            "# HELP crm_http_requests_total HTTP requests served.\n# TYPE crm_http_requests_total counter\n",
        );
        for (method, route, status, count, _) in &rows {
            out.push_str(&format!(
                "crm_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}\n"
            ));
        }
        out.push_str("# HELP crm_http_request_duration_seconds_sum Time spent serving requests.\n# TYPE crm_http_request_duration_seconds_sum counter\n");
        for (method, route, status, _, seconds) in &rows {
            out.push_str(&format!(
                "crm_http_request_duration_seconds_sum{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {seconds:.6}\n"
            ));
        }
        out
    }
}

/// A new request id: this process's random prefix and a sequence number. Unique across
/// restarts and servers (the prefix), and free of the system call a random UUID per
/// request would cost.
fn new_request_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    static PREFIX: OnceLock<String> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let prefix = PREFIX.get_or_init(|| format!("{:08x}", rand::random::<u32>()));
    format!("{prefix}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Middleware: gives every request an id (echoed in `x-request-id`), logs one line when
/// it ends, and counts it.
pub async fn observe_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_owned)
        .unwrap_or_else(new_request_id);
    let method = req.method().clone();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let metrics = req
        .app_data::<actix_web::web::Data<crate::startup::AppState>>()
        .map(|s| s.metrics.clone());
    let span = tracing::info_span!("request", id = %request_id, method = %method, route = %route);
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let _entered = span.enter();
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            tracing::info!(
                status,
                latency_ms = elapsed.as_secs_f64() * 1000.0,
                "served"
            );
            if let Some(m) = metrics {
                m.record(method.as_str(), &route, status, elapsed.as_secs_f64());
            }
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                res.headers_mut().insert(REQUEST_ID, value);
            }
            Ok(res)
        }
        Err(err) => {
            tracing::warn!(error = %err, "request failed");
            Err(err)
        }
    }
}
