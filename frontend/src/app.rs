//! The router and the shell (header, role menu, page).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::path;

use crate::api;
use crate::auth::{home_path, use_auth, Auth};
use crate::components::{Guarded, Section};
use crate::i18n::{use_i18n, I18n};
use crate::pages::{
    admin::{AdminSection, CataloguePage, StoresPage, UsersPage, WebhooksPage},
    coupons::CouponsPage,
    customers::{CustomerPage, CustomersPage},
    home::HomePage,
    journal::JournalPage,
    kpi::KpiPage,
    login::LoginPage,
    loyalty::{AnalysisPage, LoyaltySection, PolicyPage, StatsPage},
    password::PasswordPage,
    pos::PosPage,
    sales::SalesPage,
};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    I18n::provide();
    Auth::provide();
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage />
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=RootRedirect />
                    <Route
                        path=path!("accueil")
                        view=|| view! { <Guarded section=Section::Accueil><HomePage /></Guarded> }
                    />
                    <Route
                        path=path!("caisse")
                        view=|| view! { <Guarded section=Section::Caisse><PosPage /></Guarded> }
                    />
                    <Route
                        path=path!("ventes")
                        view=|| view! { <Guarded section=Section::Ventes><SalesPage /></Guarded> }
                    />
                    <Route
                        path=path!("clients")
                        view=|| view! { <Guarded section=Section::Clients><CustomersPage /></Guarded> }
                    />
                    <Route
                        path=path!("clients/:id")
                        view=|| view! { <Guarded section=Section::Clients><CustomerPage /></Guarded> }
                    />
                    <Route
                        path=path!("coupons")
                        view=|| view! { <Guarded section=Section::Coupons><CouponsPage /></Guarded> }
                    />
                    <ParentRoute
                        path=path!("fidelite")
                        view=|| view! { <Guarded section=Section::Fidelite><LoyaltySection /></Guarded> }
                    >
                        <Route path=path!("") view=AnalysisPage />
                        <Route path=path!("statistiques") view=StatsPage />
                        <Route path=path!("politique") view=PolicyPage />
                    </ParentRoute>
                    <Route
                        path=path!("kpi")
                        view=|| view! { <Guarded section=Section::Kpi><KpiPage /></Guarded> }
                    />
                    <ParentRoute
                        path=path!("admin")
                        view=|| view! { <Guarded section=Section::Admin><AdminSection /></Guarded> }
                    >
                        <Route path=path!("") view=UsersPage />
                        <Route path=path!("magasins") view=StoresPage />
                        <Route path=path!("catalogue") view=CataloguePage />
                        <Route path=path!("webhooks") view=WebhooksPage />
                    </ParentRoute>
                    <Route
                        path=path!("admin/journal")
                        view=|| view! { <Guarded section=Section::Journal><JournalPage /></Guarded> }
                    />
                    <Route path=path!("mot-de-passe") view=|| view! { <PasswordPage /> } />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// `/`: the role's home, or the login page.
#[component]
fn RootRedirect() -> impl IntoView {
    let auth = use_auth();
    let target = auth.role().map(home_path).unwrap_or("/login");
    view! { <Redirect path=target /> }
}

/// Header, menu and the routed page; the login page for a visitor without a session.
#[component]
fn Shell() -> impl IntoView {
    let auth = use_auth();
    let signed_in = Memo::new(move |_| auth.is_signed_in());
    // A temporary or imported password: nothing but the change until it is done.
    let must_change = Memo::new(move |_| auth.user().is_some_and(|u| u.must_change_password));

    // Check the saved session once; a dead token is refreshed or sends back to the login page.
    if auth.session_untracked().is_some() {
        spawn_local(async move {
            if let Ok(me) = api::me(auth).await {
                if let Some(user) = me.user {
                    auth.set_user(user);
                }
            }
        });
    }

    // A visitor without a session signs in, then comes back to the page they opened.
    let location = use_location();
    let to_login = move || {
        let mut here = location.pathname.get_untracked();
        let search = location.search.get_untracked();
        if !search.is_empty() {
            here = format!("{here}?{search}");
        }
        let path = if here == "/" {
            "/login".to_owned()
        } else {
            format!(
                "/login?next={}",
                String::from(js_sys::encode_uri_component(&here))
            )
        };
        view! { <Redirect path=path /> }
    };

    view! {
        <Show when=move || signed_in.get() fallback=to_login>
            <div class="app">
                <Header />
                <Show
                    when=move || !must_change.get()
                    fallback=|| view! {
                        <main class="content content-single" id="main">
                            <PasswordPage forced=true />
                        </main>
                    }
                >
                    <div class="layout">
                        <SideNav />
                        <main class="content" id="main">
                            <Outlet />
                        </main>
                    </div>
                </Show>
            </div>
        </Show>
    }
}

#[component]
fn Header() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let navigate = use_navigate();
    let display_name = move || auth.user().map(|u| u.display_name).unwrap_or_default();
    let role = move || {
        auth.role()
            .map(|r| crate::i18n::text(i18n.lang(), role_key(r)))
            .unwrap_or_default()
    };
    let on_logout = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            api::logout(auth).await;
            navigate("/login", Default::default());
        });
    };
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                <span class="brand-name">{i18n.tr("app.name")}</span>
            </a>
            <div class="topbar-spacer"></div>
            <div class="user-chip">
                <span class="avatar" aria-hidden="true">
                    {move || initials(&auth.user().map(|u| u.display_name).unwrap_or_default())}
                </span>
                <span class="user-text">
                    <span id="user-name" class="user-name">{display_name}</span>
                    <span id="user-role" class="user-role">{role}</span>
                </span>
            </div>
            <a id="password-link" class="button button-ghost" href="/mot-de-passe">
                {i18n.tr("password.link")}
            </a>
            <LangSwitch />
            <button id="logout" class="button button-ghost" type="button" on:click=on_logout>
                {i18n.tr("shell.logout")}
            </button>
        </header>
    }
}

/// The French / English switch (also on the login page).
#[component]
pub fn LangSwitch() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <button
            id="lang-switch"
            class="button button-ghost lang-switch"
            type="button"
            title=i18n.tr("shell.lang_switch_title")
            on:click=move |_| i18n.toggle()
        >
            {i18n.tr("shell.lang_switch")}
        </button>
    }
}

#[component]
fn SideNav() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let location = use_location();
    let role = Memo::new(move |_| auth.role());
    let items = move || {
        let role = role.get();
        role.map(Section::menu)
            .unwrap_or(&[])
            .iter()
            .map(|&section| {
                let path = section.path();
                let label = move || i18n.t(section.label_key(role));
                let active = move || is_active(&location.pathname.get(), section, role);
                view! {
                    <li>
                        <a
                            href=path
                            data-nav=section.key()
                            class="nav-link"
                            class:active=active
                            aria-current=move || if active() { Some("page") } else { None }
                        >
                            <span class="nav-icon" aria-hidden="true">{icon(section)}</span>
                            <span>{label}</span>
                        </a>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <nav class="sidenav" aria-label=i18n.tr("shell.menu")>
            <ul>{items}</ul>
        </nav>
    }
}

/// Whether `section`'s menu entry is the page's: the entry with the longest path that
/// holds the location (`/admin/journal` is « Journal d'audit », not « Administration »).
fn is_active(here: &str, section: Section, role: Option<crm_api_types::Role>) -> bool {
    let holds = |s: Section| {
        here == s.path()
            || here
                .strip_prefix(s.path())
                .is_some_and(|rest| rest.starts_with('/'))
    };
    holds(section)
        && !role.map(Section::menu).unwrap_or(&[]).iter().any(|&other| {
            other != section && other.path().len() > section.path().len() && holds(other)
        })
}

/// A small glyph per area (no icon font: nothing is fetched from outside).
pub fn icon(section: Section) -> &'static str {
    match section {
        Section::Accueil => "⌂",
        Section::Caisse => "▣",
        Section::Ventes => "≡",
        Section::Clients => "☺",
        Section::Coupons => "✂",
        Section::Fidelite => "★",
        Section::Kpi => "◔",
        Section::Admin => "⚙",
        Section::Journal => "☰",
    }
}

/// String key of a role's name.
pub fn role_key(role: crm_api_types::Role) -> &'static str {
    use crm_api_types::Role;
    match role {
        Role::Cashier => "role.CASHIER",
        Role::Marketing => "role.MARKETING",
        Role::Director => "role.DIRECTOR",
        Role::Admin => "role.ADMIN",
    }
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

#[component]
fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <main class="page-center">
            <section class="card notice">
                <h1>{i18n.tr("notfound.title")}</h1>
                <p>{i18n.tr("notfound.text")}</p>
                <a class="button" href="/">{i18n.tr("access.back_home")}</a>
            </section>
        </main>
    }
}
