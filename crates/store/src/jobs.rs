//! Background jobs (bulk coupon issue, the loyalty analysis): the start that lets
//! one job of a kind run at a time, their status and progress — written as they run so
//! any screen can follow them — and how they end.
//!
//! A job's body is a store function that takes the database and a [`Progress`]: the
//! server's runner (`crm_server::jobs`) hands it a [`Recorder`] that writes the progress
//! on the job's row; a command-line caller can hand it a closure that draws a bar.

use crate::audit::{self, Actor};
use crate::entities::job;
use crate::{StoreError, StoreResult};
use chrono::Utc;
use crm_domain::job::{JobKind, JobStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, QueryFilter, Set, Statement, TransactionTrait, Value,
};
use std::future::Future;

/// A job as stored, its kind and status read as the domain's names (read them here,
/// not from the row's strings).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// What it does.
    pub kind: JobKind,
    /// Where it is.
    pub status: JobStatus,
    /// The row: id, progress (`done` of `total`), params, result, error, dates.
    pub row: job::Model,
}

impl Job {
    /// Its id.
    pub fn id(&self) -> i64 {
        self.row.id
    }
}

impl TryFrom<job::Model> for Job {
    type Error = StoreError;

    /// A kind or status this code never writes is an error: a guess could show a failed
    /// job as running forever, or let a second one start.
    fn try_from(row: job::Model) -> StoreResult<Job> {
        let unknown = |e: crm_domain::job::UnknownName| {
            StoreError::Db(DbErr::Type(format!("tâche {} : {e}", row.id)))
        };
        Ok(Job {
            kind: row.kind.parse().map_err(unknown)?,
            status: row.status.parse().map_err(unknown)?,
            row,
        })
    }
}

/// The audit action recorded when a job of `kind` starts.
fn audit_action(kind: JobKind) -> &'static str {
    match kind {
        JobKind::BulkIssue => "coupon.bulk_issue",
        JobKind::LoyaltyAnalysis => "loyalty.analysis",
        JobKind::LoyaltyDryRun => "loyalty.dry_run",
    }
}

/// Records a queued job of `kind` and its audit entry (entity `job`), refusing with
/// `Conflict("job")` while another job of that kind is queued or running.
pub async fn start_exclusive(
    db: &DatabaseConnection,
    kind: JobKind,
    started_by: &Actor,
    params: &serde_json::Value,
) -> StoreResult<Job> {
    let txn = db.begin().await?;
    // Two "start" clicks at the same instant must not both pass the check below: take
    // the write lock first (an advisory lock per kind on PostgreSQL; on SQLite any write
    // statement takes the database's single write lock, even one that changes nothing).
    let lock = match db.get_database_backend() {
        DbBackend::Postgres => crate::sql::statement(
            db,
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            [Value::from(format!("crm.jobs.{}", kind.as_str()))],
        ),
        backend => Statement::from_string(backend, "UPDATE jobs SET status = status WHERE id = -1"),
    };
    txn.execute_raw(lock).await?;
    // A job whose server stopped beating holds its kind no longer.
    fail_abandoned_where(&txn, Some(kind)).await?;
    if any_running(&txn, kind).await? {
        txn.rollback().await?;
        return Err(StoreError::Conflict("job".to_owned()));
    }
    let job = create(&txn, kind, params, started_by.user_id).await?;
    audit::record(
        &txn,
        started_by,
        audit_action(kind),
        "job",
        Some(job.id().to_string()),
        None,
        Some(params.clone()),
    )
    .await?;
    txn.commit().await?;
    Ok(job)
}

/// Records a queued job of `kind` with its parameters.
async fn create(
    db: &impl ConnectionTrait,
    kind: JobKind,
    params: &serde_json::Value,
    created_by: Option<i64>,
) -> StoreResult<Job> {
    job::ActiveModel {
        kind: Set(kind.as_str().to_owned()),
        status: Set(JobStatus::Queued.as_str().to_owned()),
        total: Set(0),
        done: Set(0),
        params: Set(Some(params.to_string())),
        result: Set(None),
        error: Set(None),
        created_by: Set(created_by),
        created_at: Set(Utc::now()),
        finished_at: Set(None),
        heartbeat_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .insert(db)
    .await?
    .try_into()
}

/// The job, if any.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> StoreResult<Option<Job>> {
    job::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Job::try_from)
        .transpose()
}

/// Whether a job of `kind` is queued or running.
async fn any_running(db: &impl ConnectionTrait, kind: JobKind) -> StoreResult<bool> {
    Ok(job::Entity::find()
        .filter(job::Column::Kind.eq(kind.as_str()))
        .filter(job::Column::Status.is_in(unfinished()))
        .one(db)
        .await?
        .is_some())
}

/// The stored names of the statuses a job can still leave.
fn unfinished() -> impl Iterator<Item = &'static str> {
    JobStatus::ALL
        .into_iter()
        .filter(|s| !s.is_finished())
        .map(JobStatus::as_str)
}

/// Where a running job's body tells how far it is: `done` of `total` steps. A failed
/// report stops the job (the body returns the error).
pub trait Progress: Sync {
    /// `done` of `total` steps are done.
    fn report(&self, done: i64, total: i64) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Any `Fn(done, total)` follows a job from the side, e.g. a terminal progress bar.
impl<F: Fn(i64, i64) + Sync> Progress for F {
    fn report(&self, done: i64, total: i64) -> impl Future<Output = StoreResult<()>> + Send {
        self(done, total);
        std::future::ready(Ok(()))
    }
}

/// Writes a job's progress on its row (and marks it running), for `GET /jobs/{id}`.
#[derive(Clone, Debug)]
pub struct Recorder {
    db: DatabaseConnection,
    job_id: i64,
}

impl Recorder {
    /// Records the progress of job `job_id`.
    pub fn new(db: DatabaseConnection, job_id: i64) -> Recorder {
        Recorder { db, job_id }
    }
}

impl Progress for Recorder {
    fn report(&self, done: i64, total: i64) -> impl Future<Output = StoreResult<()>> + Send {
        progress(&self.db, self.job_id, done, total)
    }
}

/// Marks the job running with `done` of `total` steps.
async fn progress(db: &impl ConnectionTrait, id: i64, done: i64, total: i64) -> StoreResult<()> {
    job::Entity::update_many()
        .col_expr(
            job::Column::Status,
            Expr::value(JobStatus::Running.as_str()),
        )
        .col_expr(job::Column::Done, Expr::value(done))
        .col_expr(job::Column::Total, Expr::value(total))
        .col_expr(job::Column::HeartbeatAt, Expr::value(Utc::now()))
        .filter(job::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks the job succeeded with its outcome.
pub async fn succeed(
    db: &impl ConnectionTrait,
    id: i64,
    result: &serde_json::Value,
) -> StoreResult<()> {
    finish(db, id, JobStatus::Succeeded, Some(result.to_string()), None).await
}

/// Marks the job failed with a message for people.
pub async fn fail(db: &impl ConnectionTrait, id: i64, error: &str) -> StoreResult<()> {
    finish(db, id, JobStatus::Failed, None, Some(error.to_owned())).await
}

async fn finish(
    db: &impl ConnectionTrait,
    id: i64,
    status: JobStatus,
    result: Option<String>,
    error: Option<String>,
) -> StoreResult<()> {
    let changed = job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(status.as_str()))
        .col_expr(job::Column::Result, Expr::value(result))
        .col_expr(job::Column::Error, Expr::value(error))
        .col_expr(job::Column::FinishedAt, Expr::value(Utc::now()))
        .filter(job::Column::Id.eq(id))
        .exec(db)
        .await?;
    if changed.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// How often the server running a job says it is alive ([`beat`]).
pub const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// A job not heard of for this long lost its server (six beats missed).
pub const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(30);

/// The server running job `id` is alive.
pub async fn beat(db: &impl ConnectionTrait, id: i64) -> StoreResult<()> {
    job::Entity::update_many()
        .col_expr(job::Column::HeartbeatAt, Expr::value(Utc::now()))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.is_in(unfinished()))
        .exec(db)
        .await?;
    Ok(())
}

/// Jobs left queued or running by a server that stopped (no heartbeat for
/// [`ABANDONED_AFTER`]) are marked failed, so no screen waits forever and their kind is
/// free again; another live server's jobs are left alone. Run at start-up, a while after
/// it, and by every start of a job. Returns how many.
pub async fn fail_abandoned(db: &impl ConnectionTrait) -> StoreResult<u64> {
    fail_abandoned_where(db, None).await
}

async fn fail_abandoned_where(
    db: &impl ConnectionTrait,
    kind: Option<JobKind>,
) -> StoreResult<u64> {
    let silent_since =
        Utc::now() - chrono::Duration::from_std(ABANDONED_AFTER).unwrap_or(chrono::Duration::MAX);
    let mut update = job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(JobStatus::Failed.as_str()))
        .col_expr(
            job::Column::Error,
            Expr::value("Interrompu par l'arrêt du serveur qui l'exécutait : relancez-le."),
        )
        .col_expr(job::Column::FinishedAt, Expr::value(Utc::now()))
        .filter(job::Column::Status.is_in(unfinished()))
        // Jobs from before m0019 carry no heartbeat: their server is gone.
        .filter(
            sea_orm::Condition::any()
                .add(job::Column::HeartbeatAt.is_null())
                .add(job::Column::HeartbeatAt.lt(silent_since)),
        );
    if let Some(kind) = kind {
        update = update.filter(job::Column::Kind.eq(kind.as_str()));
    }
    Ok(update.exec(db).await?.rows_affected)
}
