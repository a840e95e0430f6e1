//! Headers on every response that tell the browser what the pages may do.
//!
//! The SPA is Rust compiled to WebAssembly, loaded by a module script served as a file
//! (`boot.js`): scripts come from this origin only — no inline script, no `eval` — and
//! `'wasm-unsafe-eval'` allows compiling the WebAssembly and nothing else. Inline styles
//! stay allowed (Leptos sets `style` attributes for progress bars and chart swatches, and
//! so does the Swagger UI at `/api/docs`), which cannot run code. The favicon and the
//! Swagger UI's icons are `data:` images. No page may be framed (clickjacking), no
//! response may be sniffed into another type, and no address — which can name a
//! customer's record — leaks to another site in a `Referer`.

use actix_web::middleware::DefaultHeaders;

/// The Content-Security-Policy of the SPA, the API and the docs.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; \
     connect-src 'self'; \
     object-src 'none'; \
     base-uri 'none'; \
     form-action 'self'; \
     frame-ancestors 'none'";

/// Middleware adding the security headers to responses that do not set their own.
pub fn middleware() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
}
