//! The single-page app: static files from the built `frontend/dist`, and `index.html`
//! for every other non-API path so that client-side routes survive a reload.
//!
//! `cargo xtask spa` names the files the page loads after their content
//! (`crm_frontend_bg-0123456789abcdef.wasm`) and writes brotli and gzip copies beside
//! them (`….wasm.br`, `….wasm.gz`). Here:
//! - the precompressed copy is sent when the browser accepts its encoding (brotli
//!   first), with `Content-Encoding` and `Vary: Accept-Encoding` — the 1.4 MB of
//!   WebAssembly crosses a store's network as ≈ 550 KB, at no cost per request;
//! - a fingerprinted file never changes under its name: browsers keep it a year without
//!   asking (`immutable`); everything else, `index.html` first, is revalidated on every
//!   load (`no-cache`, answered 304 by its ETag), so a new build shows at once.

use actix_files::NamedFile;
use actix_web::http::header::{self, ContentEncoding, HeaderValue};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Cache policy of a file whose name carries its content's hash.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache policy of every other file: keep, but ask before each use.
const REVALIDATE: &str = "no-cache";

/// Registers the SPA as the default service (after every API route).
pub fn configure(cfg: &mut web::ServiceConfig, spa_dir: &Path) {
    if !spa_dir.join("index.html").is_file() {
        cfg.default_service(web::to(spa_missing));
        return;
    }
    let dir = Arc::new(spa_dir.to_owned());
    cfg.default_service(web::to(move |req: HttpRequest| serve(req, dir.clone())));
}

/// A file of the SPA if the path names one, `index.html` otherwise.
async fn serve(req: HttpRequest, dir: Arc<PathBuf>) -> actix_web::Result<HttpResponse> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Ok(HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "GET, HEAD"))
            .finish());
    }
    let (path, name) = match file_in(&dir, req.path()) {
        Some(found) => found,
        None => (dir.join("index.html"), "index.html".to_owned()),
    };
    let file = match precompressed(&path, &req) {
        Some((compressed, encoding)) => {
            // The copy's type is the original's (`.br` says nothing about the content).
            let extension = Path::new(&name).extension().and_then(|e| e.to_str());
            NamedFile::open_async(compressed)
                .await?
                .set_content_type(actix_files::file_extension_to_mime(extension.unwrap_or("")))
                .set_content_encoding(encoding)
        }
        None => NamedFile::open_async(&path).await?,
    };
    let mut res = file.disable_content_disposition().into_response(&req);
    let headers = res.headers_mut();
    let cache = if is_fingerprinted(&name) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if has_compressed_copies(&path) {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    Ok(res)
}

/// The file under `dir` that a request path names, with its file name: plain names
/// only (letters, digits, `-`, `_`, `.`, no leading dot), so nothing outside `dir`, no
/// hidden file, and no precompressed copy asked for by name.
fn file_in(dir: &Path, request_path: &str) -> Option<(PathBuf, String)> {
    let relative = request_path.strip_prefix('/')?;
    let mut path = dir.to_owned();
    let mut name = None;
    for segment in relative.split('/') {
        let plain = !segment.is_empty()
            && !segment.starts_with('.')
            && segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !plain {
            return None;
        }
        path.push(segment);
        name = Some(segment);
    }
    let name = name?;
    let compressed_copy = name.ends_with(".br") || name.ends_with(".gz");
    (!compressed_copy && path.is_file()).then(|| (path, name.to_owned()))
}

/// The precompressed copy of `path` to send, if the client accepts one and it exists.
fn precompressed(path: &Path, req: &HttpRequest) -> Option<(PathBuf, ContentEncoding)> {
    let accepted = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    [
        ("br", ContentEncoding::Brotli),
        ("gzip", ContentEncoding::Gzip),
    ]
    .into_iter()
    .filter(|(token, _)| accepts(accepted, token))
    .map(|(_, encoding)| (copy_of(path, encoding), encoding))
    .find(|(copy, _)| copy.is_file())
}

/// Whether an `Accept-Encoding` value accepts `token` (listed, and not with `q=0`).
fn accepts(accept_encoding: &str, token: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let listed = parts.next().is_some_and(|t| t.eq_ignore_ascii_case(token));
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        listed && !refused
    })
}

/// `a.wasm` → `a.wasm.br` / `a.wasm.gz`.
fn copy_of(path: &Path, encoding: ContentEncoding) -> PathBuf {
    let suffix = match encoding {
        ContentEncoding::Brotli => ".br",
        _ => ".gz",
    };
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn has_compressed_copies(path: &Path) -> bool {
    [ContentEncoding::Brotli, ContentEncoding::Gzip]
        .into_iter()
        .any(|encoding| copy_of(path, encoding).is_file())
}

/// `name-0123456789abcdef.ext`: the form `cargo xtask spa` gives the files it hashes.
fn is_fingerprinted(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        hash.len() == 16 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

async fn spa_missing() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/html; charset=utf-8")
        .body(
            "<!doctype html><meta charset=utf-8><title>CRM</title>\
             <p>L'application web n'est pas construite. Lancez <code>cargo xtask dev</code>.</p>\
             <p>The web app is not built. Run <code>cargo xtask dev</code>.</p>",
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        assert!(accepts("gzip, deflate, br, zstd", "br"));
        assert!(accepts("br;q=1.0, gzip;q=0.8", "gzip"));
        assert!(!accepts("br;q=0, gzip", "br"));
        assert!(!accepts("gzip", "br"));
        assert!(!accepts("", "gzip"));
    }

    #[test]
    fn only_hashed_names_are_fingerprinted() {
        assert!(is_fingerprinted("crm_frontend_bg-0123456789abcdef.wasm"));
        assert!(is_fingerprinted("boot-0123456789abcdef.js"));
        assert!(!is_fingerprinted("index.html"));
        assert!(!is_fingerprinted("crm_frontend.js"));
        assert!(!is_fingerprinted("style-notahash.css"));
    }

    #[test]
    fn request_paths_stay_inside_the_dist_folder() {
        let dir = Path::new("/nonexistent-dist");
        for path in [
            "/../etc/passwd",
            "/.hidden",
            "/a//b",
            "/",
            "/%2e%2e/x",
            "/a\\b",
        ] {
            assert!(file_in(dir, path).is_none(), "{path}");
        }
    }
}
