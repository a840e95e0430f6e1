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

/// (method, route pattern, status).
type RouteKey = (String, String, u16);

/// Request counts and total duration per route and status.
#[derive(Default)]
pub struct Metrics {
    by_route: Mutex<BTreeMap<RouteKey, (u64, f64)>>,
}

impl Metrics {
    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut map = self.by_route.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map
            .entry((method.to_owned(), route.to_owned(), status))
            .or_insert((0, 0.0));
        entry.0 += 1;
        entry.1 += seconds;
    }

    /// Prometheus text exposition.
    pub fn render(&self) -> String {
        let map = self.by_route.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::from(
            "# HELP crm_http_requests_total HTTP requests served.\n# TYPE crm_http_requests_total counter\n",
        );
        for ((method, route, status), (count, _)) in map.iter() {
            out.push_str(&format!(
                "crm_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}\n"
            ));
        }
        out.push_str("# HELP crm_http_request_duration_seconds_sum Time spent serving requests.\n# TYPE crm_http_request_duration_seconds_sum counter\n");
        for ((method, route, status), (_, seconds)) in map.iter() {
            out.push_str(&format!(
                "crm_http_request_duration_seconds_sum{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {seconds:.6}\n"
            ));
        }
        out
    }
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
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let method = req.method().to_string();
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
                m.record(&method, &route, status, elapsed.as_secs_f64());
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
