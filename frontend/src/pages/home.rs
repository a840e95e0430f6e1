//! `/accueil`: the back-office home, one tile per area of the role.

use leptos::prelude::*;

use crate::app::icon;
use crate::auth::use_auth;
use crate::components::Section;
use crate::i18n::use_i18n;

/// Welcome and the role's areas.
#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let role = Memo::new(move |_| auth.role());
    let name = move || auth.user().map(|u| u.display_name).unwrap_or_default();
    let tiles = move || {
        let role = role.get();
        role.map(Section::menu)
            .unwrap_or(&[])
            .iter()
            .filter(|&&s| s != Section::Accueil)
            .map(|&section| {
                view! {
                    <a class="tile card" href=section.path() data-tile=section.key()>
                        <span class="tile-icon" aria-hidden="true">{icon(section)}</span>
                        <span class="tile-title">{move || i18n.t(section.label_key(role))}</span>
                        <span class="tile-text">{i18n.tr(section.description_key())}</span>
                    </a>
                }
            })
            .collect_view()
    };
    view! {
        <div class="page" data-page="accueil">
            <header class="page-header">
                <h1>{i18n.tr("home.welcome")} ", " {name}</h1>
                <p class="muted">{i18n.tr("home.intro")}</p>
            </header>
            <div class="tiles">{tiles}</div>
        </div>
    }
}
