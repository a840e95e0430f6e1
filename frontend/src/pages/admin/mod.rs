//! `/admin`: « Administration » (SPEC roles table: administrators change, the director
//! reads) in three pages under one set of tabs — « Utilisateurs » (`/admin`: accounts,
//! the temporary password shown once, role, deactivation, reset), « Magasins et caisses »
//! (`/admin/magasins`) and « Catalogue » (`/admin/catalogue`: search, the product form,
//! the price-list import with its dry-run report and « Appliquer »).
//!
//! Who may change what comes from `Role::grants(Capability::AdminWrite)`; the director
//! sees the same pages without their buttons. Files: `users` (with `secret`, the
//! temporary password panel), `stores`, `catalogue` (with `product_form` and
//! `price_import`), and `rules` (plain Rust, host-tested).

mod catalogue;
mod price_import;
mod product_form;
mod rules;
mod secret;
mod stores;
mod users;
mod webhooks;

pub use catalogue::CataloguePage;
pub use stores::StoresPage;
pub use users::UsersPage;
pub use webhooks::WebhooksPage;

use crm_domain::{Capability, Role};
use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_location;

use crate::components::Msg;
use crate::i18n::use_i18n;

/// The tabs: (path, string key, `data-tab`). « Webhooks » is the administrators' only.
const TABS: [(&str, &str, &str); 4] = [
    ("/admin", "admin.tab.users", "utilisateurs"),
    ("/admin/magasins", "admin.tab.stores", "magasins"),
    ("/admin/catalogue", "admin.tab.catalogue", "catalogue"),
    ("/admin/webhooks", "admin.tab.webhooks", "webhooks"),
];

/// Whether `role` may change accounts, stores and the catalogue (else: read only).
fn can_write(role: Option<Role>) -> bool {
    role.is_some_and(|r| r.grants(Capability::AdminWrite))
}

/// The section: its tabs, then the page of the route.
#[component]
pub fn AdminSection() -> impl IntoView {
    let i18n = use_i18n();
    let auth = crate::auth::use_auth();
    let location = use_location();
    let tabs = move || {
        let writer = can_write(auth.role());
        TABS.into_iter()
            .filter(move |(_, _, tab)| writer || *tab != "webhooks")
            .map(|(path, key, tab)| {
                let active = move || location.pathname.get().trim_end_matches('/') == path;
                view! {
                    <a
                        href=path
                        class="tab"
                        data-tab=tab
                        class:active=active
                        aria-current=move || active().then_some("page")
                    >
                        {i18n.tr(key)}
                    </a>
                }
            })
            .collect_view()
    };
    view! {
        <div class="admin-section" data-page="admin">
            <nav class="tabs" aria-label=i18n.tr("nav.admin")>{tabs}</nav>
            <Outlet />
        </div>
    }
}

/// A load failure with « Réessayer » (every admin page shows its errors this way).
#[component]
fn LoadError(
    /// Element id.
    id: &'static str,
    /// The failure, hidden while `None`.
    error: RwSignal<Option<Msg>>,
    /// What « Réessayer » does.
    retry: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || error.with(Option::is_some)>
            <div id=id class="form-error load-error" role="alert">
                <p>{move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}</p>
                <button id=format!("{id}-retry") class="button button-small" type="button" on:click=move |_| retry.run(())>
                    {i18n.tr("admin.retry")}
                </button>
            </div>
        </Show>
    }
}

/// A confirmation after a change (`role=status`), closed with ×.
#[component]
fn Flash(id: &'static str, flash: RwSignal<Option<Msg>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || flash.with(Option::is_some)>
            <p id=id class="flash" role="status">
                <span>{move || flash.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}</span>
                <button class="icon-button" type="button" title=i18n.tr("admin.close") on:click=move |_| flash.set(None)>
                    "×"
                </button>
            </p>
        </Show>
    }
}
