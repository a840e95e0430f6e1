//! The runner of background jobs: start one (one of a kind at a time), run its body in
//! the background with its progress recorded on the job's row, and record how it ended.
//!
//! It needs a database handle, not the HTTP state: a job's body is a store function
//! `(db, …, progress: &impl crm_store::jobs::Progress)`, so a command can run the same
//! body inline ([`run`]) with a [`terminal_bar`] (any closure `|done, total|` will do),
//! and the API spawns it ([`spawn`]) with a [`Recorder`] that `GET /jobs/{id}` reads
//! back. `tests/tests/jobs.rs` runs the bulk issue both ways.

use crate::error::{on_conflict, ApiError};
use crm_domain::codes;
use crm_domain::job::JobKind;
use crm_store::audit::Actor;
use crm_store::jobs::{self, Job, Recorder};
use crm_store::{DatabaseConnection, StoreResult};
use serde::Serialize;
use std::future::Future;

/// What people read when a job of `kind` is already under way.
fn already_running(kind: JobKind) -> &'static str {
    match kind {
        JobKind::BulkIssue => "Une émission de coupons est déjà en cours : attendez sa fin.",
        JobKind::LoyaltyAnalysis => "Une analyse de fidélité est déjà en cours : attendez sa fin.",
        JobKind::LoyaltyDryRun => {
            "Une simulation de l’analyse de fidélité est déjà en cours : attendez sa fin."
        }
    }
}

/// What people read when a job of `kind` failed (the cause goes to the log only).
fn failure(kind: JobKind) -> &'static str {
    match kind {
        JobKind::BulkIssue => "L'émission a échoué ; les coupons déjà émis sont conservés, relancez-la pour compléter.",
        JobKind::LoyaltyAnalysis => "L’analyse a échoué ; les clients déjà traités gardent leur nouveau niveau, relancez-la pour compléter.",
        JobKind::LoyaltyDryRun => "La simulation a échoué ; relancez-la.",
    }
}

/// Records a queued job of `kind` and its audit entry; `409 job.already_running` while
/// another job of that kind is queued or running.
pub async fn start(
    db: &DatabaseConnection,
    kind: JobKind,
    started_by: &Actor,
    params: &serde_json::Value,
) -> Result<Job, ApiError> {
    jobs::start_exclusive(db, kind, started_by, params)
        .await
        .map_err(on_conflict(
            codes::JOB_ALREADY_RUNNING,
            already_running(kind),
        ))
}

/// Runs `body` in the background for `job`, handing it the database and a [`Recorder`]
/// of its progress, then records how it ended ([`run`]).
pub fn spawn<R, Body>(
    db: DatabaseConnection,
    job: &Job,
    body: impl FnOnce(DatabaseConnection, Recorder) -> Body + Send + 'static,
) where
    R: Serialize + Send + 'static,
    Body: Future<Output = StoreResult<R>> + Send + 'static,
{
    let job = job.clone();
    tokio::spawn(async move {
        let progress = Recorder::new(db.clone(), job.id());
        // Both ways it ends are in the log already.
        let _ended = run(&db, &job, body(db.clone(), progress)).await;
    });
}

/// Awaits `body`, the work of `job`, then marks the job succeeded with the body's
/// outcome as its result, or failed with the French message of its kind. Returns the
/// outcome, or the error that stopped the body or the recording of its end.
pub async fn run<R: Serialize>(
    db: &DatabaseConnection,
    job: &Job,
    body: impl Future<Output = StoreResult<R>>,
) -> StoreResult<R> {
    let (job_id, kind) = (job.id(), job.kind.as_str());
    // Other servers on this database fail a job that stops beating: beat while it runs.
    let heartbeat = tokio::spawn({
        let db = db.clone();
        async move {
            let mut every = tokio::time::interval(jobs::HEARTBEAT_EVERY);
            loop {
                every.tick().await;
                if let Err(e) = jobs::beat(&db, job_id).await {
                    tracing::warn!(job_id, error = %e, "job heartbeat not recorded");
                }
            }
        }
    });
    let outcome = body.await;
    heartbeat.abort();
    let result = match &outcome {
        Ok(done) => serde_json::to_value(done).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let recorded = match result {
        Ok(result) => {
            tracing::info!(job_id, kind, %result, "job finished");
            crm_store::webhooks::succeed_job(db, job, &result).await
        }
        Err(cause) => {
            tracing::error!(job_id, kind, error = %cause, "job failed");
            jobs::fail(db, job_id, failure(job.kind)).await
        }
    };
    if let Err(e) = recorded {
        tracing::error!(job_id, kind, error = %e, "could not record the end of a job");
        outcome?;
        return Err(e);
    }
    outcome
}

/// A [`Progress`](crm_store::jobs::Progress) for commands: one redrawn line on stderr,
/// `Coupons  [#####-----]  52 % 5200/10000  8.1 s`. End the line (`eprintln!()`) once
/// the job is over.
pub fn terminal_bar(what: &'static str) -> impl Fn(i64, i64) + Sync {
    let started = std::time::Instant::now();
    move |done, total| {
        let steps = |n: i64| u64::try_from(n).unwrap_or(0);
        crate::demo::progress(what, steps(done), steps(total), started);
    }
}
