//! `/loyalty/analyses`: start an analysis (a job run by [`crate::jobs`], started by
//! [`crate::loyalty::start`]), list past ones, follow one, and read or export its moves.

use crate::auth::Caller;
use crate::csv_export;
use crate::error::ApiError;
use crate::jobs;
use crate::loyalty::{self, StoredParams};
use crate::routes::paging::{self, Paging};
use crate::startup::AppState;
use actix_web::{get, post, web, HttpResponse};
use crm_api_types::loyalty::{Analysis, AnalysisPage, LoyaltyMove, MovePage, StartAnalysis};
use crm_domain::codes;
use crm_domain::loyalty::{AnalysisSummary, MoveKind};
use crm_domain::Capability;
use crm_store::jobs::Job;
use crm_store::loyalty::{self as store, ListedMove};
use serde::Deserialize;
use utoipa::IntoParams;

/// The API's view of an analysis job.
fn analysis_view(job: &Job) -> Result<Analysis, ApiError> {
    let row = &job.row;
    let params: StoredParams = row
        .params
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::internal(format!("analyse {} sans paramètres", row.id)))?;
    let result: Option<AnalysisSummary> = row
        .result
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(ApiError::internal)?;
    let general = crate::routes::jobs::job_view(job);
    Ok(Analysis {
        id: row.id,
        status: job.status,
        total: row.total,
        done: row.done,
        progress: general.progress,
        dry_run: params.dry_run,
        generate_coupons: params.generate_coupons,
        as_of: params.as_of,
        as_of_day: params.as_of_day,
        result,
        error: row.error.clone(),
        created_at: row.created_at,
        finished_at: row.finished_at,
    })
}

/// The latest applied (not dry-run) analysis, whatever its status: the stats page shows
/// when levels were last moved.
pub(crate) async fn latest_applied(state: &AppState) -> Result<Option<Analysis>, ApiError> {
    let (jobs, _) = store::analyses(&state.db, Some(false), 1, 1).await?;
    jobs.first().map(analysis_view).transpose()
}

/// The analysis `id`: 404 when no job has it or it is another kind of job.
async fn load(state: &AppState, id: i64) -> Result<Job, ApiError> {
    crm_store::jobs::find(&state.db, id)
        .await?
        .filter(|job| job.kind.is_loyalty())
        .ok_or_else(|| {
            ApiError::not_found(
                codes::LOYALTY_ANALYSIS_NOT_FOUND,
                "Analyse de fidélité introuvable.",
            )
        })
}

/// Starts a loyalty analysis: every active customer scored at the end of `as_of` (a
/// business day of the default store; default: now), levels moved (promotion at once,
/// demotion one level and not within 30 days of the last change), congratulation coupons
/// issued if asked — or, with `dry_run`, only the report of what would move. Answers 202
/// with the analysis; follow it on `GET /loyalty/analyses/{id}`. One apply and one dry
/// run at a time.
#[utoipa::path(tag = "loyalty", security(("bearer" = [])),
    request_body = StartAnalysis,
    responses((status = 202, body = Analysis),
              (status = 409, description = "`job.already_running`", body = crm_api_types::Problem),
              (status = 422, description = "`validation.failed` (`as_of` after today)", body = crm_api_types::Problem)))]
#[post("/loyalty/analyses")]
pub async fn start(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<StartAnalysis>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::LoyaltyRun)?;
    let (job, params) = loyalty::start(&state, &body, &caller.actor()).await?;
    let view = analysis_view(&job)?;
    let running = job.clone();
    jobs::spawn(state.db.clone(), &job, move |db, progress| async move {
        loyalty::body(&db, &running, &params, &progress).await
    });
    Ok(HttpResponse::Accepted().json(view))
}

/// Filters of the list of analyses.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only dry runs (`true`) or only applies (`false`); both when absent.
    pub dry_run: Option<bool>,
    /// Page from 1 (default 1); beyond 1 000 000, page 1 000 000.
    pub page: Option<u64>,
    /// Page size, 1–200 (default 50).
    pub per_page: Option<u64>,
}

/// Past and running loyalty analyses, newest first.
#[utoipa::path(tag = "loyalty", security(("bearer" = [])),
    params(ListQuery), responses((status = 200, body = AnalysisPage)))]
#[get("/loyalty/analyses")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<web::Json<AnalysisPage>, ApiError> {
    caller.require(Capability::LoyaltyRead)?;
    let Paging { page, per_page } = Paging::new(query.page, query.per_page, paging::BACK_OFFICE);
    let (jobs, total) = store::analyses(&state.db, query.dry_run, page, per_page).await?;
    Ok(web::Json(AnalysisPage {
        items: jobs.iter().map(analysis_view).collect::<Result<_, _>>()?,
        total,
        page,
        per_page,
    }))
}

/// One analysis: status, progress and, once succeeded, its result (customers per level
/// before and after, promotions, demotions, held, coupons issued and skipped).
#[utoipa::path(tag = "loyalty", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Analysis id (its job's id)")),
    responses((status = 200, body = Analysis),
              (status = 404, description = "`loyalty.analysis_not_found`", body = crm_api_types::Problem)))]
#[get("/loyalty/analyses/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<Analysis>, ApiError> {
    caller.require(Capability::LoyaltyRead)?;
    Ok(web::Json(analysis_view(&load(&state, *id).await?)?))
}

/// Filter and paging of an analysis's moves.
#[derive(Debug, Deserialize, IntoParams)]
pub struct MovesQuery {
    /// Only moves of this kind.
    #[param(inline)]
    pub kind: Option<MoveKind>,
    /// Page from 1 (default 1); beyond 1 000 000, page 1 000 000.
    pub page: Option<u64>,
    /// Page size, 1–200 (default 50).
    pub per_page: Option<u64>,
}

/// Filter of an analysis's moves export.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// Only moves of this kind.
    #[param(inline)]
    pub kind: Option<MoveKind>,
}

fn move_view(m: ListedMove) -> LoyaltyMove {
    LoyaltyMove {
        customer_id: m.customer_id,
        customer_number: m.customer_number,
        name: m.name,
        kind: m.kind,
        from_level: m.from,
        to_level: m.to,
        score: m.score,
        criteria: m.criteria,
        coupon_code: m.coupon_code,
    }
}

/// An analysis's moves (promotions, demotions, customers held by the soft landing) in
/// customer order, with the score and the four criteria; unchanged customers are not
/// listed. A dry run has its moves too.
#[utoipa::path(tag = "loyalty", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Analysis id"), MovesQuery),
    responses((status = 200, body = MovePage),
              (status = 404, description = "`loyalty.analysis_not_found`", body = crm_api_types::Problem)))]
#[get("/loyalty/analyses/{id}/moves")]
pub async fn moves(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    query: web::Query<MovesQuery>,
) -> Result<web::Json<MovePage>, ApiError> {
    caller.require(Capability::LoyaltyRead)?;
    let job = load(&state, *id).await?;
    let Paging { page, per_page } = Paging::new(query.page, query.per_page, paging::BACK_OFFICE);
    let (rows, total) = store::moves(&state.db, job.id(), query.kind, page, per_page).await?;
    Ok(web::Json(MovePage {
        items: rows.into_iter().map(move_view).collect(),
        total,
        page,
        per_page,
    }))
}

/// Columns of the moves export, in French for the back office's spreadsheet.
const EXPORT_HEADER: [&str; 11] = [
    "N° client",
    "Nom",
    "Mouvement",
    "Niveau avant",
    "Niveau après",
    "Score",
    "Fréquence",
    "Régularité",
    "Récence",
    "Montant",
    "Coupon",
];

/// Moves read from the database per page of the export.
const EXPORT_PAGE: u64 = 1_000;

/// The French word of a move kind.
fn kind_label(kind: MoveKind) -> &'static str {
    match kind {
        MoveKind::Promotion => "Promotion",
        MoveKind::Demotion => "Rétrogradation",
        MoveKind::Held => "Maintien",
    }
}

fn export_record(m: &ListedMove) -> [String; 11] {
    let c = m.criteria;
    [
        m.customer_number.clone().unwrap_or_default(),
        m.name.clone(),
        kind_label(m.kind).to_owned(),
        m.from.as_str().to_owned(),
        m.to.as_str().to_owned(),
        m.score.to_string(),
        c.frequency.to_string(),
        c.regularity.to_string(),
        c.recency.to_string(),
        c.amount.to_string(),
        m.coupon_code.clone().unwrap_or_default(),
    ]
}

/// Exports an analysis's moves (of one kind with `kind`) as CSV for French Excel:
/// customer number and name, move, levels before and after, score, the four criteria and
/// the congratulation coupon. `;`-separated, UTF-8 with a byte-order mark, French headers
/// and words; streamed a thousand moves at a time.
#[utoipa::path(tag = "loyalty", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Analysis id"), ExportQuery),
    responses((status = 200, content_type = "text/csv", body = String,
               example = json!("N° client;Nom;Mouvement;Niveau avant;Niveau après;Score;Fréquence;Régularité;Récence;Montant;Coupon\nCLT0000001;Aya Kouassi;Promotion;SILVER;GOLD;62;24;20;10;8;SPE-7KX3M-9QH4T\n")),
              (status = 404, description = "`loyalty.analysis_not_found`", body = crm_api_types::Problem)))]
#[get("/loyalty/analyses/{id}/moves/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::LoyaltyRead)?;
    let job = load(&state, *id).await?;
    let (analysis_id, kind) = (job.id(), query.kind);
    let name = format!("fidelite-analyse-{analysis_id}.csv");
    // The cursor is the last customer sent; `None` once a short page said there is no more.
    let pages = futures::stream::try_unfold(Some(0), move |after| {
        let state = state.clone();
        async move {
            let Some(after) = after else {
                return Ok(None);
            };
            let rows =
                store::export_moves(&state.db, analysis_id, kind, after, EXPORT_PAGE).await?;
            let Some(last) = rows.last() else {
                return Ok(None);
            };
            let next = (rows.len() as u64 == EXPORT_PAGE).then_some(last.customer_id);
            let bytes =
                csv_export::encode(rows.iter().map(export_record)).map_err(ApiError::internal)?;
            Ok::<_, ApiError>(Some((bytes, next)))
        }
    });
    csv_export::download(name, &EXPORT_HEADER, pages).map_err(ApiError::internal)
}
