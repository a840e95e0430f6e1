//! « Exporter CSV », « Exporter Excel » (`GET /kpis/export` with the filters on screen,
//! saved through `files.rs`, the bearer token never in a URL) and « Imprimer » (the
//! browser's print dialog; the print stylesheet lays the dashboard out on A4).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Dashboard;
use crate::auth::use_auth;
use crate::components::{print, Msg};
use crate::files::{self, FileKind};
use crate::i18n::use_i18n;

/// The export and print buttons.
#[component]
pub(super) fn Actions(state: Dashboard) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let busy = RwSignal::new(None::<FileKind>);
    let error = RwSignal::new(None::<Msg>);

    let export = move |kind: FileKind| {
        if busy.get_untracked().is_some() {
            return;
        }
        let filters = state.filters.get_untracked();
        let path = filters.export_path(kind);
        let fallback = match kind {
            FileKind::Csv => "kpi.csv",
            FileKind::Xlsx => "kpi.xlsx",
        };
        busy.set(Some(kind));
        error.set(None);
        spawn_local(async move {
            let result = files::download(auth, &path, fallback, kind).await;
            busy.try_set(None);
            if let Err(e) = result {
                error.try_set(Some(e));
            }
        });
    };
    let button = move |id: &'static str, kind: FileKind, key: &'static str| {
        view! {
            <button
                id=id
                class="button"
                type="button"
                disabled=move || busy.get().is_some()
                on:click=move |_| export(kind)
            >
                {move || if busy.get() == Some(kind) { i18n.t("kpi.downloading") } else { i18n.t(key) }}
            </button>
        }
    };

    view! {
        <div class="actions kpi-actions">
            {button("kpi-export-csv", FileKind::Csv, "kpi.export_csv")}
            {button("kpi-export-xlsx", FileKind::Xlsx, "kpi.export_xlsx")}
            <button id="kpi-print" class="button button-primary" type="button" on:click=move |_| print()>
                {i18n.tr("kpi.print")}
            </button>
        </div>
        <Show when=move || error.with(Option::is_some)>
            <p id="kpi-export-error" class="form-error" role="alert">
                {move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
            </p>
        </Show>
    }
}
