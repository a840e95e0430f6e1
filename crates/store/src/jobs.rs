//! Background jobs (bulk coupon issue, later the loyalty analysis): their status and
//! progress, written as they run so any screen can follow them.

use crate::entities::job;
use crate::{StoreError, StoreResult};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

pub use job::Model as Job;

/// Waiting to start.
pub const QUEUED: &str = "QUEUED";
/// Started, progress moving.
pub const RUNNING: &str = "RUNNING";
/// Finished; `result` holds the outcome.
pub const SUCCEEDED: &str = "SUCCEEDED";
/// Stopped on an error (or by a restart); `error` says why.
pub const FAILED: &str = "FAILED";

/// Records a queued job of `kind` with its parameters.
pub async fn create(
    db: &impl ConnectionTrait,
    kind: &str,
    params: &serde_json::Value,
    created_by: Option<i64>,
) -> StoreResult<Job> {
    Ok(job::ActiveModel {
        kind: Set(kind.to_owned()),
        status: Set(QUEUED.to_owned()),
        total: Set(0),
        done: Set(0),
        params: Set(Some(params.to_string())),
        result: Set(None),
        error: Set(None),
        created_by: Set(created_by),
        created_at: Set(Utc::now()),
        finished_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The job, if any.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> StoreResult<Option<Job>> {
    Ok(job::Entity::find_by_id(id).one(db).await?)
}

/// Whether a job of `kind` is queued or running.
pub async fn any_running(db: &impl ConnectionTrait, kind: &str) -> StoreResult<bool> {
    Ok(job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .filter(job::Column::Status.is_in([QUEUED, RUNNING]))
        .one(db)
        .await?
        .is_some())
}

/// Marks the job running with `done` of `total` steps.
pub async fn progress(
    db: &impl ConnectionTrait,
    id: i64,
    done: i64,
    total: i64,
) -> StoreResult<()> {
    job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(RUNNING))
        .col_expr(job::Column::Done, Expr::value(done))
        .col_expr(job::Column::Total, Expr::value(total))
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
    finish(db, id, SUCCEEDED, Some(result.to_string()), None).await
}

/// Marks the job failed with a message for people.
pub async fn fail(db: &impl ConnectionTrait, id: i64, error: &str) -> StoreResult<()> {
    finish(db, id, FAILED, None, Some(error.to_owned())).await
}

async fn finish(
    db: &impl ConnectionTrait,
    id: i64,
    status: &str,
    result: Option<String>,
    error: Option<String>,
) -> StoreResult<()> {
    let changed = job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(status))
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

/// At start-up, jobs left queued or running by a stopped server are marked failed, so no
/// screen waits forever. Returns how many.
pub async fn fail_interrupted(db: &impl ConnectionTrait) -> StoreResult<u64> {
    let changed = job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(FAILED))
        .col_expr(
            job::Column::Error,
            Expr::value("Interrompu par un redémarrage du serveur : relancez-le."),
        )
        .col_expr(job::Column::FinishedAt, Expr::value(Utc::now()))
        .filter(job::Column::Status.is_in([QUEUED, RUNNING]))
        .exec(db)
        .await?;
    Ok(changed.rows_affected)
}
