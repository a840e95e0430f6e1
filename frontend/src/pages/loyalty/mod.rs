//! `/fidelite`: the loyalty programme (SPEC §4) in three pages under one set of tabs —
//! "Analyser la fidélité" (`/fidelite`: run an analysis, follow it, read its result and
//! moves, apply a simulation), "Statistiques fidélité" (`/fidelite/statistiques`) and
//! "Politique de fidélité" (`/fidelite/politique`: the admin edits it, the others read it).
//!
//! Who may do what is the domain's `Role::grants`: `LoyaltyRun` starts analyses
//! (marketing, admin), `LoyaltyRead` reads them (and the director), `AdminWrite` edits
//! the policy.
//!
//! Files: `analysis` (the page and the state its parts share), `launch` (the options and
//! « Lancer »), `recent` (the list of analyses), `report` (an analysis's result and
//! « Appliquer »), `moves` (its moves), `stats`, `policy` (the form) with `policy_form`
//! (the form's text read into a policy) and `rules` (plain Rust, host-tested).

mod analysis;
mod launch;
mod moves;
mod policy;
mod policy_form;
mod recent;
mod report;
mod rules;
mod stats;

pub use analysis::AnalysisPage;
pub use policy::PolicyPage;
pub use stats::StatsPage;

use crm_domain::{Capability, Level, Role};
use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_location;

use crate::format::level_key;
use crate::i18n::{text, use_i18n, Lang};

/// The tabs: (path, string key, `data-tab`).
const TABS: [(&str, &str, &str); 3] = [
    ("/fidelite", "loyalty.tab.analysis", "analyse"),
    (
        "/fidelite/statistiques",
        "loyalty.tab.stats",
        "statistiques",
    ),
    ("/fidelite/politique", "loyalty.tab.policy", "politique"),
];

/// Whether `role` may start analyses.
fn can_run(role: Option<Role>) -> bool {
    role.is_some_and(|r| r.grants(Capability::LoyaltyRun))
}

/// The section: its tabs, then the page of the route.
#[component]
pub fn LoyaltySection() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let tabs = TABS
        .into_iter()
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
        .collect_view();
    view! {
        <div class="loyalty-section" data-page="fidelite">
            <nav class="tabs" aria-label=i18n.tr("nav.fidelite")>{tabs}</nav>
            <Outlet />
        </div>
    }
}

/// A level's badge (`Gold` on gold).
fn level_badge(lang: Lang, level: Level) -> impl IntoView {
    let code = level.as_str();
    view! {
        <span class=format!("badge level level-{}", code.to_lowercase()) data-level=code>
            {text(lang, level_key(level))}
        </span>
    }
}
