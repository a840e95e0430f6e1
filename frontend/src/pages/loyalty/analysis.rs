//! "Analyser la fidélité": the options and « Lancer » (marketing, admin), the analysis on
//! screen followed live until its result, its moves, « Appliquer » after a simulation,
//! and the recent analyses to reopen one. The director sees all of it but the buttons.

use crm_api_types::loyalty::{Analysis, AnalysisPage};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::launch::Launch;
use super::moves::Moves;
use super::recent::Recent;
use super::report::Report;
use super::{can_run, rules};
use crate::api;
use crate::auth::{use_auth, Auth};
use crate::components::{follow_job, Msg};
use crate::i18n::use_i18n;

/// What the page's parts share.
#[derive(Clone, Copy)]
pub(super) struct AnalysisState {
    pub auth: Auth,
    /// The analysis on screen, as last read.
    pub current: RwSignal<Option<Analysis>>,
    /// Why it could not be read.
    pub current_error: RwSignal<Option<Msg>>,
    /// The recent analyses.
    pub list: RwSignal<Option<AnalysisPage>>,
    pub list_error: RwSignal<Option<Msg>>,
    pub list_loading: RwSignal<bool>,
    pub list_page: RwSignal<u64>,
    list_reload: RwSignal<u32>,
    /// Whether the user may start analyses (and apply a simulation).
    pub can_run: Memo<bool>,
}

impl AnalysisState {
    fn new() -> AnalysisState {
        let auth = use_auth();
        AnalysisState {
            auth,
            current: RwSignal::new(None),
            current_error: RwSignal::new(None),
            list: RwSignal::new(None),
            list_error: RwSignal::new(None),
            list_loading: RwSignal::new(false),
            list_page: RwSignal::new(1),
            list_reload: RwSignal::new(0),
            can_run: Memo::new(move |_| can_run(auth.role())),
        }
    }

    /// Reads the recent analyses again.
    pub fn reload_list(self) {
        self.list_reload.try_update(|n| *n = n.wrapping_add(1));
    }

    /// Puts `analysis` on screen and follows it until it ends.
    pub fn open(self, analysis: Analysis) {
        let id = analysis.id;
        if self.current.with_untracked(|c| c.as_ref().map(|c| c.id)) == Some(id) {
            return; // already on screen, and followed while it runs
        }
        let running = !analysis.status.is_finished();
        self.current_error.set(None);
        self.current.set(Some(analysis));
        if running {
            follow_job(self.auth, id, self.current, self.current_error, move || {
                self.reload_list();
            });
        }
    }

    /// Starts an analysis and puts it on screen; `error` says why it did not start (one
    /// already running: a sentence of this page, and the list shows it).
    pub fn start(
        self,
        request: crm_api_types::loyalty::StartAnalysis,
        busy: RwSignal<bool>,
        error: RwSignal<Option<Msg>>,
    ) {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = api::start_analysis(self.auth, &request).await;
            busy.try_set(false);
            match result {
                Ok(analysis) => {
                    self.list_page.try_set(1);
                    self.open(analysis);
                    self.reload_list();
                }
                Err(e) if e.code() == Some(crm_domain::codes::JOB_ALREADY_RUNNING) => {
                    error.try_set(Some(Msg::Key("loyalty.already_running")));
                    self.reload_list();
                }
                Err(e) => {
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    }
}

/// The page.
#[component]
pub fn AnalysisPage() -> impl IntoView {
    let i18n = use_i18n();
    let state = AnalysisState::new();
    let seq = StoredValue::new(0u64);

    // The recent analyses; on the first answer, the newest one goes on screen (followed
    // if it still runs, so a reload during a run comes back to its progress).
    Effect::new(move |_| {
        state.list_reload.track();
        let page = state.list_page.get();
        let n = seq.get_value() + 1;
        seq.set_value(n);
        state.list_loading.set(true);
        spawn_local(async move {
            let result = api::analyses(state.auth, page, rules::ANALYSES_PER_PAGE).await;
            if seq.try_get_value() != Some(n) {
                return;
            }
            state.list_loading.set(false);
            match result {
                Ok(list) => {
                    let newest = list.items.first().cloned();
                    state.list_error.set(None);
                    state.list.set(Some(list));
                    if state.current.with_untracked(Option::is_none) {
                        if let Some(a) = newest {
                            state.open(a);
                        }
                    }
                }
                Err(e) => state.list_error.set(Some(Msg::Api(e))),
            }
        });
    });

    // The report and the moves are made again only when another analysis is opened; they
    // follow the progress of this one themselves.
    let current_id = Memo::new(move |_| state.current.with(|c| c.as_ref().map(|a| a.id)));
    let current_view = move || {
        current_id.get().map(|_| {
            view! {
                <Report state=state />
                <Moves state=state />
            }
        })
    };

    view! {
        <div class="page loyalty-page" data-subpage="analyse">
            <header class="page-header">
                <h1>{i18n.tr("loyalty.analysis.title")}</h1>
                <p class="muted">{i18n.tr("loyalty.analysis.subtitle")}</p>
            </header>
            <div class="loyalty-grid">
                <Show
                    when=move || state.can_run.get()
                    fallback=move || view! {
                        <section class="card" id="analysis-read-only">
                            <h2 class="card-title">{i18n.tr("loyalty.launch.title")}</h2>
                            <p class="muted">{i18n.tr("loyalty.launch.read_only")}</p>
                        </section>
                    }
                >
                    <Launch state=state />
                </Show>
                <Recent state=state />
            </div>
            <Show when=move || state.current_error.with(Option::is_some)>
                <p id="analysis-error" class="form-error" role="alert">
                    {move || state.current_error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
                </p>
            </Show>
            {current_view}
        </div>
    }
}
