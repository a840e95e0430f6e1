//! The single-page app: static files from the built `frontend/dist`, and `index.html`
//! for every other non-API path so that client-side routes survive a reload.

use actix_files::{Files, NamedFile};
use actix_web::dev::{fn_service, ServiceRequest, ServiceResponse};
use actix_web::{web, HttpResponse};
use std::path::{Path, PathBuf};

pub fn configure(cfg: &mut web::ServiceConfig, spa_dir: &Path) {
    let index = spa_dir.join("index.html");
    if !index.is_file() {
        cfg.default_service(web::to(spa_missing));
        return;
    }
    let index: PathBuf = index;
    cfg.service(
        Files::new("/", spa_dir)
            .index_file("index.html")
            .default_handler(fn_service(move |req: ServiceRequest| {
                let index = index.clone();
                async move {
                    let (req, _) = req.into_parts();
                    let file = NamedFile::open_async(&index).await?;
                    let res = file.into_response(&req);
                    Ok(ServiceResponse::new(req, res))
                }
            })),
    );
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
