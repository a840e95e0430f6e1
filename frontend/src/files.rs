//! Saving a file the API sent (the CSV exports, the KPI workbook): a Blob, an object URL
//! and a click on a temporary link, so the bearer token never has to appear in a URL.

use std::time::Duration;

use leptos::prelude::{document, set_timeout};
use wasm_bindgen::JsCast;

use crate::api;
use crate::auth::Auth;
use crate::components::Msg;

/// What kind of file an export is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// CSV for French Excel.
    Csv,
    /// An Excel workbook (`.xlsx`).
    Xlsx,
}

impl FileKind {
    /// The media type the saved Blob is given.
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Csv => "text/csv;charset=utf-8",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// Fetches a CSV export with the bearer token and hands it to the browser, under the
/// name the server suggests or `fallback`.
pub async fn download_csv(auth: Auth, path: &str, fallback: &str) -> Result<(), Msg> {
    download(auth, path, fallback, FileKind::Csv).await
}

/// Fetches an export of `kind` with the bearer token and hands it to the browser, under
/// the name the server suggests or `fallback`.
pub async fn download(auth: Auth, path: &str, fallback: &str, kind: FileKind) -> Result<(), Msg> {
    download_as(auth, path, fallback, kind.mime()).await
}

/// Fetches a JSON document (a customer's data-subject export) and saves it as a file
/// named `fallback`.
pub async fn download_json(auth: Auth, path: &str, fallback: &str) -> Result<(), Msg> {
    let file = api::download(auth, path).await.map_err(Msg::Api)?;
    save(fallback, "application/json", &file.bytes).map_err(|_| Msg::Key("files.download_failed"))
}

async fn download_as(auth: Auth, path: &str, fallback: &str, mime: &str) -> Result<(), Msg> {
    let file = api::download(auth, path).await.map_err(Msg::Api)?;
    let name = file.file_name.unwrap_or_else(|| fallback.to_string());
    save(&name, mime, &file.bytes).map_err(|_| Msg::Key("files.download_failed"))
}

/// Offers `bytes` to the user as a download named `name`.
fn save(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    let link = document()
        .create_element("a")
        .map_err(|e| format!("{e:?}"))?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .map_err(|_| "not an anchor".to_string())?;
    link.set_href(&url);
    link.set_download(name);
    link.set_hidden(true);
    if let Some(body) = document().body() {
        let _ = body.append_child(&link);
    }
    link.click();
    link.remove();
    // Give the browser time to start reading the blob before the URL is freed.
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        Duration::from_secs(30),
    );
    Ok(())
}
