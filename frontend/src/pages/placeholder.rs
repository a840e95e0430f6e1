//! Areas that come in later releases: a tidy "bientôt disponible" page.

use leptos::prelude::*;

use crate::app::icon;
use crate::auth::use_auth;
use crate::components::Section;
use crate::i18n::use_i18n;

/// The page of an area not built yet.
#[component]
pub fn Placeholder(section: Section) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let title = move || i18n.t(section.label_key(auth.role()));
    view! {
        <div class="page" data-page=section.key()>
            <header class="page-header">
                <h1>{title}</h1>
            </header>
            <section class="card notice notice-soon">
                <div class="notice-icon" aria-hidden="true">{icon(section)}</div>
                <h2>{i18n.tr("soon.title")}</h2>
                <p>{i18n.tr(section.description_key())}</p>
                <p class="muted">{i18n.tr("soon.text")}</p>
            </section>
        </div>
    }
}
