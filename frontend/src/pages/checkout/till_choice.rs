//! Which till this screen sells at: picked once, then remembered in `localStorage`
//! (a till is a machine, not a person: every cashier who signs in on it sells there).
//! The sale and the coupon quote send it as `till_id`. With one open till to choose
//! from (the cashier's default store's, else every store's) it is picked by itself; a
//! remembered till that was closed or removed is forgotten and picked again.

use crm_api_types::StoreView;
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use crate::api;
use crate::auth::use_auth;
use crate::components::Msg;
use crate::i18n::use_i18n;

const STORAGE_KEY: &str = "crm.till";

/// A till one can sell at, with what the screen shows of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TillOption {
    /// Till id.
    pub id: i64,
    /// `Caisse 1 — Supermarché Plateau`.
    pub label: String,
}

/// What to do once the stores are read.
#[derive(Clone, Debug, PartialEq)]
pub enum Choice {
    /// The remembered till is still open: keep it.
    Keep(TillOption),
    /// No usable remembered till and a single open one: take it.
    Only(TillOption),
    /// Several open tills: the cashier picks one.
    Ask(Vec<TillOption>),
    /// No open till at all.
    NoTill,
}

/// The open tills the screen may sell at: the default store's when it has any, else
/// every store's.
pub fn open_tills(stores: &[StoreView], home_store: Option<i64>) -> Vec<TillOption> {
    let options = |only: Option<i64>| -> Vec<TillOption> {
        stores
            .iter()
            .filter(|s| only.is_none_or(|id| s.id == id))
            .flat_map(|s| {
                s.tills
                    .iter()
                    .filter(|t| t.active)
                    .map(move |t| TillOption {
                        id: t.id,
                        label: format!("{} — {}", t.name, s.name),
                    })
            })
            .collect()
    };
    let home = options(home_store);
    if home.is_empty() {
        options(None)
    } else {
        home
    }
}

/// Keep, take the only one, or ask.
pub fn decide(stores: &[StoreView], home_store: Option<i64>, remembered: Option<i64>) -> Choice {
    let open = open_tills(stores, home_store);
    let every = open_tills(stores, None);
    if let Some(kept) = remembered.and_then(|id| every.into_iter().find(|t| t.id == id)) {
        return Choice::Keep(kept);
    }
    match open.len() {
        0 => Choice::NoTill,
        1 => open.into_iter().next().map_or(Choice::NoTill, Choice::Only),
        _ => Choice::Ask(open),
    }
}

/// The till this screen remembers.
fn remembered() -> Option<TillOption> {
    LocalStorage::get::<TillOption>(STORAGE_KEY).ok()
}

/// The id of the till this screen sells at (`None`: not picked yet, the server's default).
pub fn chosen_till_id() -> Option<i64> {
    remembered().map(|t| t.id)
}

fn remember(till: &TillOption) {
    let _ = LocalStorage::set(STORAGE_KEY, till);
}

/// The till bar at the top of the till screen: « Caisse : … » and « Changer de caisse »,
/// or the list to pick from.
#[component]
pub fn TillChoice() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let current = RwSignal::new(remembered());
    let options = RwSignal::new(Vec::<TillOption>::new());
    let asking = RwSignal::new(false);
    let picked = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Msg>);
    let loading = RwSignal::new(false);

    let load = move || {
        loading.set(true);
        error.set(None);
        spawn_local(async move {
            let result = api::stores(auth).await;
            loading.try_set(false);
            match result {
                Ok(stores) => {
                    let home = auth.user().and_then(|u| u.store_id);
                    let remembered = current.get_untracked().map(|t| t.id);
                    // « Changer de caisse » offers every open till of the chain.
                    options.try_set(open_tills(&stores, None));
                    match decide(&stores, home, remembered) {
                        Choice::Keep(t) => {
                            remember(&t);
                            current.try_set(Some(t));
                        }
                        Choice::Only(t) => {
                            remember(&t);
                            current.try_set(Some(t));
                            asking.try_set(false);
                        }
                        Choice::Ask(list) => {
                            LocalStorage::delete(STORAGE_KEY);
                            current.try_set(None);
                            picked.try_set(
                                list.first().map(|t| t.id.to_string()).unwrap_or_default(),
                            );
                            options.try_set(list);
                            asking.try_set(true);
                        }
                        Choice::NoTill => {
                            LocalStorage::delete(STORAGE_KEY);
                            current.try_set(None);
                            error.try_set(Some(Msg::Key("till.none_open")));
                        }
                    }
                }
                Err(e) => {
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };
    load();

    let choose = move || {
        let id: Option<i64> = picked.get_untracked().parse().ok();
        let found = options.with_untracked(|list| list.iter().find(|t| Some(t.id) == id).cloned());
        if let Some(t) = found {
            remember(&t);
            current.set(Some(t));
            asking.set(false);
        }
    };

    let choices = move || {
        options
            .get()
            .into_iter()
            .map(|t| {
                let value = t.id.to_string();
                let selected = value.clone();
                view! { <option value=value selected=move || picked.get() == selected>{t.label}</option> }
            })
            .collect_view()
    };

    view! {
        <div id="till-choice" class="card till-choice">
            <Show
                when=move || asking.get()
                fallback=move || view! {
                    <p class="till-current">
                        <span class="muted">{i18n.tr("till.current")}</span>
                        " "
                        <strong id="till-current">
                            {move || current.get().map(|t| t.label).unwrap_or_else(|| "—".into())}
                        </strong>
                        <Show when=move || { options.with(|o| o.len() > 1) }>
                            <button
                                id="till-change"
                                class="button button-small button-ghost"
                                type="button"
                                on:click=move |_| {
                                    picked.set(current.get_untracked().map(|t| t.id.to_string()).unwrap_or_default());
                                    asking.set(true);
                                }
                            >
                                {i18n.tr("till.change")}
                            </button>
                        </Show>
                    </p>
                }
            >
                <form
                    class="till-form"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        choose();
                    }
                >
                    <label class="field">
                        <span class="field-label">{i18n.tr("till.pick")}</span>
                        <select
                            id="till-select"
                            prop:value=move || picked.get()
                            on:change=move |ev| picked.set(event_target_value(&ev))
                        >
                            {choices}
                        </select>
                    </label>
                    <button id="till-confirm" class="button button-primary" type="submit">
                        {i18n.tr("till.confirm")}
                    </button>
                </form>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p id="till-error" class="form-error" role="alert">
                    {move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
                    " "
                    <button class="button button-small" type="button" on:click=move |_| load()>
                        {i18n.tr("till.retry")}
                    </button>
                </p>
            </Show>
            <Show when=move || loading.get()>
                <span class="muted loading">{i18n.tr("shell.loading")}</span>
            </Show>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_api_types::TillView;

    fn store(id: i64, tills: &[(i64, bool)]) -> StoreView {
        StoreView {
            id,
            code: format!("S{id}"),
            name: format!("Magasin {id}"),
            city: "Abidjan".into(),
            address: None,
            timezone: "Africa/Abidjan".into(),
            tills: tills
                .iter()
                .map(|&(t, active)| TillView {
                    id: t,
                    store_id: id,
                    code: format!("C{t}"),
                    name: format!("Caisse {t}"),
                    active,
                })
                .collect(),
        }
    }

    #[test]
    fn a_single_open_till_is_taken_and_a_closed_one_forgotten() {
        let stores = [store(1, &[(1, true), (2, false)])];
        assert_eq!(
            decide(&stores, None, None),
            Choice::Only(TillOption {
                id: 1,
                label: "Caisse 1 — Magasin 1".into()
            })
        );
        assert!(matches!(decide(&stores, None, Some(2)), Choice::Only(t) if t.id == 1));
        assert!(matches!(decide(&stores, None, Some(1)), Choice::Keep(t) if t.id == 1));
        assert_eq!(
            decide(&[store(1, &[(2, false)])], None, Some(2)),
            Choice::NoTill
        );
    }

    #[test]
    fn the_default_store_narrows_the_choice() {
        let stores = [store(1, &[(1, true), (2, true)]), store(2, &[(3, true)])];
        assert!(matches!(decide(&stores, None, None), Choice::Ask(list) if list.len() == 3));
        assert!(matches!(decide(&stores, Some(2), None), Choice::Only(t) if t.id == 3));
        assert!(matches!(decide(&stores, Some(1), None), Choice::Ask(list) if list.len() == 2));
        // A store without open tills: every store's.
        let closed = [store(1, &[(1, false)]), store(2, &[(3, true)])];
        assert!(matches!(decide(&closed, Some(1), None), Choice::Only(t) if t.id == 3));
        // A till remembered in another store than the default one stays.
        assert!(matches!(decide(&stores, Some(2), Some(1)), Choice::Keep(t) if t.id == 1));
    }
}
