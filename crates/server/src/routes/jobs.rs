//! `/jobs/{id}`: any background job's status and progress (a bulk issue, later the
//! loyalty analysis), for the screens that follow one. Jobs are started by their own
//! feature's route and run by [`crate::jobs`].

use crate::auth::Caller;
use crate::error::ApiError;
use crate::startup::AppState;
use actix_web::{get, web};
use crm_api_types::Job;
use crm_domain::codes;
use crm_domain::job::JobStatus;
use crm_domain::Capability;
use crm_store::jobs;

/// The API's view of a job: its progress as a percentage (100 once succeeded).
pub(crate) fn job_view(job: &jobs::Job) -> Job {
    let row = &job.row;
    let progress = if job.status == JobStatus::Succeeded {
        100
    } else if row.total > 0 {
        u8::try_from((row.done.clamp(0, row.total) * 100) / row.total).unwrap_or(100)
    } else {
        0
    };
    Job {
        id: row.id,
        kind: job.kind,
        status: job.status,
        total: row.total,
        done: row.done,
        progress,
        result: row
            .result
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok()),
        error: row.error.clone(),
        created_at: row.created_at,
        finished_at: row.finished_at,
    }
}

/// A background job's status and progress.
// `get_job`, as when it was a coupons route: generated clients keep their method name.
#[utoipa::path(tag = "jobs", operation_id = "get", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Job id")),
    responses((status = 200, body = Job), (status = 404, body = crm_api_types::Problem)))]
#[get("/jobs/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<Job>, ApiError> {
    caller.require(Capability::CrmRead)?;
    let job = jobs::find(&state.db, *id)
        .await?
        .ok_or_else(|| ApiError::not_found(codes::JOB_NOT_FOUND, "Tâche introuvable."))?;
    Ok(web::Json(job_view(&job)))
}
