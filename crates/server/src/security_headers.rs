//! Headers that tell the browser what the pages may do.
//!
//! The SPA is Rust compiled to WebAssembly, loaded by a module script served as a file
//! (`boot.js`): scripts come from this origin only — no inline script, no `eval` — and
//! `'wasm-unsafe-eval'` allows compiling the WebAssembly and nothing else. Inline styles
//! stay allowed (Leptos sets `style` attributes for progress bars and chart swatches, and
//! so does the Swagger UI at `/api/docs`), which cannot run code. The favicon and the
//! Swagger UI's icons are `data:` images. No page may be framed (clickjacking) and no
//! address — which can name a customer's record — leaks to another site in a `Referer`.
//!
//! Only what a browser renders as a page gets that policy: the SPA and the docs. The JSON
//! answers of the API and the probes carry `nosniff` alone, which is what keeps a JSON
//! body from ever being rendered as a page. Sending the whole set on every API answer
//! cost a third of the server's request rate (measured in docs/benchmarks.md) and
//! protected nothing: a JSON document has no script to restrict and nothing to click.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;

/// The Content-Security-Policy of the SPA and the docs.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; \
     connect-src 'self'; \
     object-src 'none'; \
     base-uri 'none'; \
     form-action 'self'; \
     frame-ancestors 'none'";

/// What every response carries.
const EVERY_RESPONSE: [(&str, &str); 1] = [("x-content-type-options", "nosniff")];

/// What pages carry besides.
const PAGES: [(&str, &str); 3] = [
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
];

/// Whether a browser may render the answer to `path` as a page: everything but the
/// JSON API, its document and the probes.
fn is_page(path: &str) -> bool {
    !(path.starts_with("/api/v1/")
        || path == "/api/openapi.json"
        || matches!(path, "/healthz" | "/readyz" | "/metrics"))
}

/// Middleware adding the security headers a response does not set itself.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let page = is_page(req.path());
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    let extra: &[(&str, &str)] = if page { &PAGES } else { &[] };
    for (name, value) in EVERY_RESPONSE.iter().chain(extra) {
        let name = HeaderName::from_static(name);
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::is_page;

    #[test]
    fn the_spa_and_the_docs_are_pages_and_the_api_is_not() {
        for page in [
            "/",
            "/pos",
            "/coupons/12",
            "/api/docs/",
            "/api/docs/index.css",
        ] {
            assert!(is_page(page), "{page}");
        }
        for api in [
            "/api/v1/me",
            "/api/v1/customers/identify",
            "/api/openapi.json",
            "/healthz",
            "/metrics",
        ] {
            assert!(!is_page(api), "{api}");
        }
    }
}
