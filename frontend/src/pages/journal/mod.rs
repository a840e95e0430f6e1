//! `/admin/journal`: « Journal d'audit » — every back-office write, newest first
//! (`GET /audit`), filtered by who (username), action, entity and period, paginated; an
//! entry opens (click, Entrée or espace) to show its state before and after side by side,
//! the changed fields highlighted ([`diff`], host-tested). Administrators and the
//! director; nothing here writes.

pub mod diff;

use crm_api_types::{AuditEntry, AuditPage};
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::auth::use_auth;
use crate::components::{Msg, Pager};
use crate::format::date_time;
use crate::i18n::{use_i18n, I18n};
use crate::pages::customers::filters::encode;

const PER_PAGE: u64 = 20;
/// The kinds of things the log records changes to, for the entity filter.
const ENTITIES: [&str; 8] = [
    "customer", "coupon", "sale", "product", "user", "settings", "job", "auth",
];

/// The journal's filters as typed (empty = no filter).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JournalFilters {
    /// Username or client id.
    pub actor: String,
    /// Exact action.
    pub action: String,
    /// Entity kind.
    pub entity: String,
    /// First day `YYYY-MM-DD`.
    pub from: String,
    /// Last day `YYYY-MM-DD`.
    pub to: String,
}

impl JournalFilters {
    /// The query string of `page` (days sent only when whole).
    pub fn page_query(&self, page: u64, per_page: u64) -> String {
        let mut parts = Vec::new();
        for (name, value) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("entity", &self.entity),
        ] {
            if !value.trim().is_empty() {
                parts.push(format!("{name}={}", encode(value.trim())));
            }
        }
        for (name, day) in [("from", &self.from), ("to", &self.to)] {
            if chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").is_ok() {
                parts.push(format!("{name}={}", day.trim()));
            }
        }
        parts.push(format!("page={page}&per_page={per_page}"));
        parts.join("&")
    }
}

/// The page.
#[component]
pub fn JournalPage() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let filters = RwSignal::new(JournalFilters::default());
    let page = RwSignal::new(1u64);
    let reload = RwSignal::new(0u32);
    let data = RwSignal::new(None::<AuditPage>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<Msg>);
    let open = RwSignal::new(None::<i64>);
    let seq = StoredValue::new(0u64);

    Effect::new(move |_| {
        reload.track();
        let q = filters.with(|f| f.page_query(page.get(), PER_PAGE));
        let n = seq.get_value() + 1;
        seq.set_value(n);
        loading.set(true);
        spawn_local(async move {
            let result = api::audit(auth, &q).await;
            if seq.try_get_value() != Some(n) {
                return;
            }
            loading.set(false);
            match result {
                Ok(p) => {
                    error.set(None);
                    data.set(Some(p));
                }
                Err(e) => error.set(Some(Msg::Api(e))),
            }
        });
    });
    // A filter that does not change (Entrée, then leaving the field) asks nothing again.
    let set = move |change: fn(&mut JournalFilters, String), value: String| {
        let mut next = filters.get_untracked();
        change(&mut next, value);
        if next != filters.get_untracked() {
            page.set(1);
            open.set(None);
            filters.set(next);
        }
    };

    let rows = move || {
        let Some(items) = data.with(|d| d.as_ref().map(|p| p.items.clone())) else {
            return view! {
                <tr class="empty-row"><td colspan="5" class="empty muted">{i18n.tr("sales.loading")}</td></tr>
            }
            .into_any();
        };
        if items.is_empty() {
            return view! {
                <tr class="empty-row"><td colspan="5" class="empty empty-state" id="journal-empty">{i18n.tr("journal.empty")}</td></tr>
            }
            .into_any();
        }
        items
            .into_iter()
            .map(|e| entry_rows(i18n, e, open))
            .collect_view()
            .into_any()
    };

    let entity_options = move || {
        ENTITIES
            .into_iter()
            .map(|e| {
                let key = format!("journal.entity.{e}");
                let label = crate::i18n::lookup(i18n.lang(), &key).unwrap_or(e);
                view! { <option value=e>{label}</option> }
            })
            .collect_view()
    };
    // Text filters apply on Entrée or when the field is left.
    let text_filter = move |id: &'static str,
                            label: &'static str,
                            placeholder: &'static str,
                            change: fn(&mut JournalFilters, String)| {
        view! {
            <label class="field">
                <span class="field-label">{i18n.tr(label)}</span>
                <input
                    id=id
                    type="search"
                    autocomplete="off"
                    placeholder=i18n.tr(placeholder)
                    on:change=move |ev| set(change, event_target_value(&ev))
                    on:keydown=move |ev: KeyboardEvent| {
                        if ev.key() == "Enter" {
                            ev.prevent_default();
                            set(change, event_target_value(&ev));
                        }
                    }
                />
            </label>
        }
    };

    view! {
        <div class="page journal-page" data-page="journal">
            <header class="page-header">
                <div>
                    <h1>{i18n.tr("journal.title")}</h1>
                    <p class="muted">{i18n.tr("journal.subtitle")}</p>
                </div>
            </header>
            <section class="card sales-filters journal-filters" aria-label=i18n.tr("journal.filters")>
                {text_filter("journal-filter-actor", "journal.actor", "journal.actor_placeholder", |f, v| f.actor = v)}
                {text_filter("journal-filter-action", "journal.action", "journal.action_placeholder", |f, v| f.action = v)}
                <label class="field">
                    <span class="field-label">{i18n.tr("journal.entity")}</span>
                    <select id="journal-filter-entity" on:change=move |ev| set(|f, v| f.entity = v, event_target_value(&ev))>
                        <option value="">{i18n.tr("coupons.all")}</option>
                        {entity_options}
                    </select>
                </label>
                <label class="field">
                    <span class="field-label">{i18n.tr("journal.from")}</span>
                    <input id="journal-filter-from" type="date" on:change=move |ev| set(|f, v| f.from = v, event_target_value(&ev)) />
                </label>
                <label class="field">
                    <span class="field-label">{i18n.tr("journal.to")}</span>
                    <input id="journal-filter-to" type="date" on:change=move |ev| set(|f, v| f.to = v, event_target_value(&ev)) />
                </label>
                <Show when=move || loading.get()>
                    <span class="muted loading" id="journal-loading">{i18n.tr("sales.loading")}</span>
                </Show>
            </section>
            <Show when=move || error.with(Option::is_some)>
                <div id="journal-error" class="form-error" role="alert">
                    <p>{move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}</p>
                    <button id="journal-retry" class="button button-small" type="button" on:click=move |_| reload.update(|n| *n = n.wrapping_add(1))>
                        {i18n.tr("loyalty.retry")}
                    </button>
                </div>
            </Show>
            <section class="card">
                <div class="table-scroll">
                    <table id="journal-list" class="table journal-table">
                        <thead>
                            <tr>
                                <th>{i18n.tr("journal.at")}</th>
                                <th>{i18n.tr("journal.actor")}</th>
                                <th>{i18n.tr("journal.action")}</th>
                                <th>{i18n.tr("journal.entity")}</th>
                                <th>{i18n.tr("journal.id")}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <Pager
                    id="journal"
                    label="journal.title"
                    page=page
                    totals=Signal::derive(move || data.with(|d| d.as_ref().map(|p| (p.total, p.per_page))))
                    busy=loading
                    count_suffix="journal.count_suffix"
                />
                <p class="hint">{i18n.tr("journal.open_hint")}</p>
            </section>
        </div>
    }
}

/// Who did it: the username, the service account, or « système ».
fn actor_label(i18n: I18n, e: &AuditEntry) -> String {
    e.actor_username
        .clone()
        .or_else(|| e.actor_client_id.clone())
        .unwrap_or_else(|| i18n.t("journal.system").to_owned())
}

/// An entry's line and, once opened, its before/after.
fn entry_rows(i18n: I18n, e: AuditEntry, open: RwSignal<Option<i64>>) -> impl IntoView {
    let id = e.id;
    let toggle = move || open.update(|o| *o = if *o == Some(id) { None } else { Some(id) });
    let entity_key = format!("journal.entity.{}", e.entity);
    let entity = crate::i18n::lookup(i18n.lang(), &entity_key)
        .map(str::to_owned)
        .unwrap_or_else(|| e.entity.clone());
    let changes = diff::fields(e.before.as_ref(), e.after.as_ref());
    let has_states = !changes.is_empty();
    let detail = move || {
        (open.get() == Some(id)).then(|| {
            let body = if has_states {
                changes
                    .clone()
                    .into_iter()
                    .map(|c| {
                        view! {
                            <tr class="diff-row" class:changed=c.changed data-field=c.field.clone()>
                                <th scope="row">{c.field.clone()}</th>
                                <td class="diff-before">{c.before.clone()}</td>
                                <td class="diff-after">{c.after.clone()}</td>
                            </tr>
                        }
                    })
                    .collect_view()
                    .into_any()
            } else {
                view! { <tr><td colspan="3" class="muted">{i18n.tr("journal.no_state")}</td></tr> }
                    .into_any()
            };
            view! {
                <tr class="journal-detail" id=format!("journal-detail-{id}")>
                    <td colspan="5">
                        <table class="table diff-table">
                            <thead><tr>
                                <th>{i18n.tr("journal.field")}</th>
                                <th>{i18n.tr("journal.before")}</th>
                                <th>{i18n.tr("journal.after")}</th>
                            </tr></thead>
                            <tbody>{body}</tbody>
                        </table>
                    </td>
                </tr>
            }
        })
    };
    view! {
        <tr
            class="journal-row"
            class:open=move || open.get() == Some(id)
            tabindex="0"
            data-entry-id=id
            aria-expanded=move || (open.get() == Some(id)).to_string()
            on:click=move |_| toggle()
            on:keydown=move |ev: KeyboardEvent| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    toggle();
                }
            }
        >
            <td>{date_time(e.at)}</td>
            <td class="journal-actor">{actor_label(i18n, &e)}</td>
            <td><code class="journal-action">{e.action.clone()}</code></td>
            <td>{entity}</td>
            <td class="mono">{e.entity_id.clone().unwrap_or_default()}</td>
        </tr>
        {detail}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_query_holds_the_filters_set_and_the_page() {
        let f = JournalFilters::default();
        assert_eq!(f.page_query(1, 20), "page=1&per_page=20");
        let f = JournalFilters {
            actor: " awa ".into(),
            action: "customer.update".into(),
            entity: "customer".into(),
            from: "2026-12-01".into(),
            to: "2026-12".into(),
        };
        assert_eq!(
            f.page_query(2, 20),
            "actor=awa&action=customer.update&entity=customer&from=2026-12-01&page=2&per_page=20"
        );
    }
}
