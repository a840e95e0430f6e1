//! The CRM single-page app: Leptos, rendered in the browser, talking to `/api/v1`.

mod api;
mod app;
mod auth;
mod components;
mod files;
mod format;
mod i18n;
mod pages;
mod timer;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
