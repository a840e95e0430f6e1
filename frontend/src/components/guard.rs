//! Role guard for a route: the page, or "accès refusé".

use leptos::prelude::*;

use crate::auth::{home_path, use_auth};
use crate::components::Section;
use crate::i18n::use_i18n;

/// Shows `children` only to the roles allowed in `section`.
#[component]
pub fn Guarded(section: Section, children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    // A memo, so that a token refresh (new session value, same role) does not re-render the page.
    let allowed = Memo::new(move |_| auth.role().map(|role| section.allowed(role)));
    view! {
        <Show
            when=move || allowed.get() == Some(true)
            fallback=move || view! { <AccessDenied /> }
        >
            {children()}
        </Show>
    }
}

/// The message a role sees on a page it may not open.
#[component]
pub fn AccessDenied() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let home = move || auth.role().map(home_path).unwrap_or("/login");
    view! {
        <section class="card notice notice-denied" id="access-denied" role="alert">
            <div class="notice-icon" aria-hidden="true">"⊘"</div>
            <h1>{i18n.tr("access.denied.title")}</h1>
            <p>{i18n.tr("access.denied.text")}</p>
            <a class="button" href=home>{i18n.tr("access.back_home")}</a>
        </section>
    }
}
