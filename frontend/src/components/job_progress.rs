//! A background job followed live (a bulk issue, later the loyalty analysis): the page
//! that started it holds the job in a signal, [`follow_job`] reads `GET /jobs/{id}` every
//! half second until it ends, and [`JobProgress`] shows its status, progress bar, counts
//! and outcome. Polling belongs to the page, not to the card: the job goes on, and stays
//! followed, while its panel is closed.

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

/// Follows job `id`, held in `job`, until it ends, then calls `on_finish` (to reload what
/// it changed). Stops when another job takes its place or the page is gone; a read that
/// fails shows in `job_error` and is tried again, unless the session ended or the job
/// does not exist.
pub fn follow_job(
    auth: Auth,
    id: i64,
    job: RwSignal<Option<Job>>,
    job_error: RwSignal<Option<Msg>>,
    on_finish: impl FnOnce() + 'static,
) {
    spawn_local(async move {
        loop {
            sleep(500).await;
            let Some(current) = job.try_get_untracked() else {
                return; // the page is gone
            };
            if current.as_ref().map(|j| j.id) != Some(id) {
                return;
            }
            match api::job(auth, id).await {
                Ok(j) => {
                    let finished = is_finished(&j);
                    job_error.try_set(None);
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
fn counts_line(lang: Lang, job: &Job, unit: (&'static str, &'static str)) -> String {
    let word = |key: &'static str| lookup(lang, key).unwrap_or(key);
    let finished = is_finished(job);
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
    /// The job as last read.
    job: Job,
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
