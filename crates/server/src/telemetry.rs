//! Logs, request ids and metrics.
//!
//! The request log line names the route pattern (`/api/v1/customers/{id}`), never the
//! raw path or query string, so a phone typed in a search box never reaches the logs.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::collections::{BTreeMap, BTreeSet};
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
///
/// Labels come from closed lists — the HTTP methods the API uses and the route patterns it
/// serves — and anything else counts as `other`: a scanner trying random paths or invented
/// methods must not grow the map (memory) or the scrape (Prometheus cardinality).
pub struct Metrics {
    by_route: Mutex<BTreeMap<String, RoutesOf>>,
    known_routes: BTreeSet<String>,
}

/// The label of whatever is not on the lists.
const OTHER: &str = "other";

/// Methods counted under their own name.
const KNOWN_METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// Per route pattern, per status: (count, seconds).
type RoutesOf = BTreeMap<String, BTreeMap<u16, (u64, f64)>>;

impl Metrics {
    /// Metrics that label requests with these route patterns (as actix reports them, e.g.
    /// `/api/v1/customers/{id}`); every other route counts as `other`.
    pub fn new(known_routes: impl IntoIterator<Item = String>) -> Metrics {
        Metrics {
            by_route: Mutex::default(),
            known_routes: known_routes.into_iter().collect(),
        }
    }

    /// The method label: its name when known, `other` otherwise.
    fn method_label(method: &str) -> &'static str {
        KNOWN_METHODS
            .into_iter()
            .find(|known| *known == method)
            .unwrap_or(OTHER)
    }

    /// The route label: the pattern when it is one of ours, `other` otherwise.
    fn route_label<'a>(&self, pattern: Option<&'a str>) -> &'a str {
        pattern
            .filter(|p| self.known_routes.contains(*p))
            .unwrap_or(OTHER)
    }

    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut map = self.by_route.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map
            .entry(method.to_owned())
            .or_default()
            .entry(route.to_owned())
            .or_default()
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
    let pattern = req.match_pattern();
    let route = pattern.as_deref().unwrap_or("unmatched");
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
                m.record(
                    Metrics::method_label(method.as_str()),
                    m.route_label(pattern.as_deref()),
                    status,
                    elapsed.as_secs_f64(),
                );
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
