//! A background job followed live (a bulk issue, a loyalty analysis): the page that
//! started it holds the job in a signal, [`follow_job`] reads it every half second until
//! it ends (`GET /jobs/{id}` for a bulk issue, `GET /loyalty/analyses/{id}` for an
//! analysis: each kind of [`Followed`] says where), and [`JobProgress`] shows its status,
//! progress bar, counts and outcome. Polling belongs to the page, not to the card: the
//! job goes on, and stays followed, while its panel is closed.

use std::future::Future;

use crm_api_types::loyalty::Analysis;
use crm_api_types::Job;
use crm_domain::job::JobStatus;
use crm_domain::money::group_thousands;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError};
use crate::auth::Auth;
use crate::components::Msg;
use crate::i18n::{lookup, use_i18n, Lang};
use crate::timer::sleep;

/// Whether the job is over (succeeded or failed).
pub fn is_finished(job: &Job) -> bool {
    job.status.is_finished()
}

/// Something with a job's life that a page follows until it ends.
pub trait Followed: Clone + Send + Sync + 'static {
    /// Its id (the job's).
    fn id(&self) -> i64;
    /// Where it is.
    fn status(&self) -> JobStatus;
    /// Reads it again.
    fn read(auth: Auth, id: i64) -> impl Future<Output = Result<Self, ApiError>>;
}

impl Followed for Job {
    fn id(&self) -> i64 {
        self.id
    }
    fn status(&self) -> JobStatus {
        self.status
    }
    fn read(auth: Auth, id: i64) -> impl Future<Output = Result<Self, ApiError>> {
        api::job(auth, id)
    }
}

impl Followed for Analysis {
    fn id(&self) -> i64 {
        self.id
    }
    fn status(&self) -> JobStatus {
        self.status
    }
    fn read(auth: Auth, id: i64) -> impl Future<Output = Result<Self, ApiError>> {
        api::analysis(auth, id)
    }
}

/// Follows job `id`, held in `job`, until it ends, then calls `on_finish` (to reload what
/// it changed). Stops when another job takes its place or the page is gone; a read that
/// fails shows in `job_error` and is tried again, unless the session ended or the job
/// does not exist.
pub fn follow_job<T: Followed>(
    auth: Auth,
    id: i64,
    job: RwSignal<Option<T>>,
    job_error: RwSignal<Option<Msg>>,
    on_finish: impl FnOnce() + 'static,
) {
    spawn_local(async move {
        loop {
            sleep(500).await;
            let Some(current) = job.try_get_untracked() else {
                return; // the page is gone
            };
            if current.as_ref().map(Followed::id) != Some(id) {
                return;
            }
            match T::read(auth, id).await {
                Ok(j) => {
                    let finished = j.status().is_finished();
                    job_error.try_set(None);
                    // Another job may have taken its place while this read was on its way.
                    if job.try_get_untracked().flatten().map(|c| c.id()) != Some(id) {
                        return;
                    }
                    if job.try_set(Some(j)).is_some() {
                        return;
                    }
                    if finished {
                        on_finish();
                        return;
                    }
                }
                Err(e) => {
                    let stop = matches!(e, ApiError::SessionExpired) || e.status() == Some(404);
                    if job_error.try_set(Some(Msg::Api(e))).is_some() || stop {
                        return;
                    }
                }
            }
        }
    });
}

/// What the card shows of a job, whichever route reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobState {
    /// Where it is.
    pub status: JobStatus,
    /// Steps to do, once known.
    pub total: i64,
    /// Steps done.
    pub done: i64,
    /// 0–100.
    pub progress: u8,
    /// Why it failed, in French.
    pub error: Option<String>,
}

impl From<Job> for JobState {
    fn from(job: Job) -> JobState {
        JobState {
            status: job.status,
            total: job.total,
            done: job.done,
            progress: job.progress,
            error: job.error,
        }
    }
}

impl From<Analysis> for JobState {
    fn from(a: Analysis) -> JobState {
        JobState {
            status: a.status,
            total: a.total,
            done: a.done,
            progress: a.progress,
            error: a.error,
        }
    }
}

/// A horizontal bar filled to `percent`.
#[component]
pub fn ProgressBar(#[prop(into)] id: String, percent: u8) -> impl IntoView {
    let percent = percent.min(100);
    view! {
        <div
            id=id
            class="progress"
            role="progressbar"
            aria-valuemin="0"
            aria-valuemax="100"
            aria-valuenow=percent
        >
            <div class="progress-bar" style=format!("width: {percent}%")></div>
        </div>
    }
}

/// `42 % · 420 / 1 000 customers` under the bar: the steps once their number is known,
/// else that the job is getting ready. `unit` names one step and several (French counts
/// 0 and 1 in the singular).
fn counts_line(lang: Lang, job: &JobState, unit: (&'static str, &'static str)) -> String {
    let word = |key: &'static str| lookup(lang, key).unwrap_or(key);
    let finished = job.status.is_finished();
    if job.total == 0 && finished {
        let zero = if lang == Lang::Fr { unit.0 } else { unit.1 };
        format!("{}\u{a0}% · 0 {}", job.progress, word(zero))
    } else if job.total > 0 || finished {
        format!(
            "{}\u{a0}% · {} / {} {}",
            job.progress,
            group_thousands(job.done),
            group_thousands(job.total),
            word(unit.1)
        )
    } else {
        format!("{}\u{a0}% · {}", job.progress, word("job.preparing"))
    }
}

/// A job's card: title and status, progress bar, counts, then its outcome — `succeeded`
/// once it succeeded, its French failure message and `failed` once it failed, the `hint`
/// while it runs. Element ids start with `id` (`{id}-job`, `{id}-status`,
/// `{id}-progress`, `{id}-progress-text`, `{id}-error`) for the browser tests.
#[component]
pub fn JobProgress(
    /// Prefix of the element ids.
    id: &'static str,
    /// The job as last read (a `Job`, an `Analysis`).
    #[prop(into)]
    job: JobState,
    /// Its title (`Émission n° 12`).
    #[prop(into)]
    title: Signal<String>,
    /// Keys of the word for one step and for several (`coupons.customer_word`…).
    unit: (&'static str, &'static str),
    /// Key of the text shown while it runs.
    hint: &'static str,
    /// Shown once it succeeded: its result and what to do with it.
    #[prop(into)]
    succeeded: ViewFnOnce,
    /// Shown under the failure message: what to do next.
    #[prop(into)]
    failed: ViewFnOnce,
) -> impl IntoView {
    let i18n = use_i18n();
    let code = job.status.as_str();
    let status_class = format!("badge job-status job-{}", code.to_lowercase());
    let status_label = move || {
        lookup(i18n.lang(), &format!("job.status.{code}"))
            .map(str::to_string)
            .unwrap_or_else(|| code.to_owned())
    };
    let counts = {
        let job = job.clone();
        move || counts_line(i18n.lang(), &job, unit)
    };
    let outcome = match job.status {
        JobStatus::Succeeded => succeeded.run(),
        JobStatus::Failed => {
            let error = job.error.clone();
            view! {
                <p id=format!("{id}-error") class="form-error" role="alert">
                    {error.unwrap_or_else(|| i18n.t("error.unexpected").to_string())}
                </p>
                {failed.run()}
            }
            .into_any()
        }
        _ => view! { <p class="hint">{i18n.tr(hint)}</p> }.into_any(),
    };
    view! {
        <section id=format!("{id}-job") class="job-card" data-status=code>
            <div class="job-head">
                <span class="job-title">{title}</span>
                <span id=format!("{id}-status") class=status_class>
                    {status_label}
                </span>
            </div>
            <ProgressBar id=format!("{id}-progress") percent=job.progress />
            <p id=format!("{id}-progress-text") class="job-counts">{counts}</p>
            {outcome}
        </section>
    }
}
