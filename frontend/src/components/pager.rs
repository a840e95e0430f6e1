//! "← Précédent · Page 2 sur 5 · 93 ventes · Suivant →": the pager under every paginated
//! list.

use crm_domain::money::group_thousands;
use leptos::prelude::*;

use crate::i18n::use_i18n;

/// The number of pages (at least one) for `total` items.
pub fn pages(total: u64, per_page: u64) -> u64 {
    total.div_ceil(per_page.max(1)).max(1)
}

/// Previous / next buttons and the page position of a list.
#[component]
pub fn Pager(
    /// Element ids `{id}-prev`, `{id}-page`, `{id}-next`.
    id: &'static str,
    /// Translation key naming the list (for screen readers).
    label: &'static str,
    /// Current page, from 1.
    page: RwSignal<u64>,
    /// (items in all, page size) of the last answer; `None` while nothing is loaded.
    #[prop(into)]
    totals: Signal<Option<(u64, u64)>>,
    /// The buttons wait while a page loads.
    #[prop(into)]
    busy: Signal<bool>,
    /// Translation key after the item count ("ventes"); `None` shows no count.
    #[prop(optional)]
    count_suffix: Option<&'static str>,
    /// `true` when the server stopped counting: more than the total match, so there is
    /// a page after the last one counted (« Page 50 sur 50+ · plus de 1 000 clients »).
    #[prop(optional, into)]
    open_ended: Option<Signal<bool>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let last = move || {
        totals
            .get()
            .map_or(1, |(total, per_page)| pages(total, per_page))
    };
    let open_ended = move || open_ended.is_some_and(|o| o.get());
    // Named, not written inline: in `view!` a bare `>` (as in `>=`) closes the tag, and
    // the rest of the attribute became the button's label.
    let at_first = move || page.get() <= 1 || busy.get();
    let at_last = move || (page.get() >= last() && !open_ended()) || busy.get();
    view! {
        <nav class="pager" aria-label=i18n.tr(label)>
            <button
                id=format!("{id}-prev")
                class="button"
                type="button"
                disabled=at_first
                on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))
            >
                {i18n.tr("sales.prev")}
            </button>
            <span id=format!("{id}-page") class="muted">
                {move || {
                    let more = if open_ended() { "+" } else { "" };
                    let position = format!(
                        "{} {} {} {}{more}",
                        i18n.t("sales.page"),
                        page.get(),
                        i18n.t("sales.of"),
                        last()
                    );
                    match count_suffix {
                        Some(suffix) => {
                            let total = totals.get().map_or(0, |(total, _)| total);
                            let count = group_thousands(i64::try_from(total).unwrap_or(i64::MAX));
                            let count = if open_ended() {
                                format!("{} {count}", i18n.t("pager.more_than"))
                            } else {
                                count
                            };
                            format!("{position} · {count} {}", i18n.t(suffix))
                        }
                        None => position,
                    }
                }}
            </span>
            <button
                id=format!("{id}-next")
                class="button"
                type="button"
                disabled=at_last
                on:click=move |_| page.update(|p| *p += 1)
            >
                {i18n.tr("sales.next")}
            </button>
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_least_one_page() {
        assert_eq!(pages(41, 20), 3);
        assert_eq!(pages(0, 20), 1);
    }
}
