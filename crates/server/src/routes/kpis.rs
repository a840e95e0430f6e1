//! `/kpis`: the KPI dashboard (SPEC §5) and its exports, for marketing, the director,
//! admins and service accounts with `kpi:read`.

use crate::auth::Caller;
use crate::csv_export;
use crate::error::{unprocessable, ApiError};
use crate::kpis::{self, export as files};
use crate::startup::AppState;
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{get, web, HttpResponse};
use chrono::{NaiveDate, Utc};
use crm_api_types::KpiDashboard;
use crm_domain::period::Period;
use crm_domain::{codes, Capability, Level};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

/// Period and segment of the dashboard.
#[derive(Debug, Deserialize, IntoParams)]
pub struct KpiQuery {
    /// `7d`, `30d`, `90d`, `180d`, `365d` or `custom` (default `30d`).
    pub period: Option<String>,
    /// First day of a custom period (YYYY-MM-DD).
    pub from: Option<NaiveDate>,
    /// Last day of a custom period (inclusive; at most 366 days).
    pub to: Option<NaiveDate>,
    /// A loyalty level (STANDARD, SILVER, GOLD, VIP): the figures of the sales made by
    /// customers at that level at the time.
    pub segment: Option<String>,
}

/// Format of `GET /kpis/export`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// `csv` or `xlsx` (required).
    pub format: Option<String>,
    /// Period, as for the dashboard.
    pub period: Option<String>,
    /// First day of a custom period.
    pub from: Option<NaiveDate>,
    /// Last day of a custom period.
    pub to: Option<NaiveDate>,
    /// Segment, as for the dashboard.
    pub segment: Option<String>,
}

/// Reads the period and segment, then computes the dashboard.
async fn compute(
    state: &AppState,
    period: Option<&str>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    segment: Option<&str>,
) -> Result<Arc<KpiDashboard>, ApiError> {
    let period = Period::parse_for_kpis(period.unwrap_or("30d"), from, to)?;
    let segment = match segment.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(name) => Some(name.parse::<Level>().map_err(|_| {
            unprocessable(
                codes::KPI_SEGMENT_INVALID,
                format!("Segment inconnu « {name} » (attendu : STANDARD, SILVER, GOLD ou VIP)."),
            )
        })?),
    };
    let tz = state.calendar.time_zone(&state.db, None).await?;
    let request = kpis::Request {
        kind: period.as_str(),
        range: period.range(Utc::now(), tz),
        tz,
        segment,
    };
    Ok(state.dashboards.get(&state.db, &request).await?)
}

/// The six KPIs of SPEC §5 for a period and the previous one, with their series, the top
/// coupons, the revenue per segment and the targets.
#[utoipa::path(tag = "kpis", operation_id = "dashboard", security(("bearer" = [])),
    params(KpiQuery),
    responses((status = 200, body = KpiDashboard),
        (status = 422, description = "`period.invalid`, `kpi.segment_invalid`", body = crm_api_types::Problem)))]
#[get("/kpis")]
pub async fn dashboard(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<KpiQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Kpi)?;
    let q = query.into_inner();
    let d = compute(
        &state,
        q.period.as_deref(),
        q.from,
        q.to,
        q.segment.as_deref(),
    )
    .await?;
    // Kept for a minute: several screens share one computation.
    Ok(HttpResponse::Ok().json(&*d))
}

/// The dashboard as a file: `xlsx` (one sheet per KPI, typed numbers and dates) or `csv`
/// (the same tables one after the other, for French Excel).
#[utoipa::path(tag = "kpis", operation_id = "export", security(("bearer" = [])),
    params(ExportQuery),
    responses((status = 200, description = "The file (text/csv or an .xlsx workbook)"),
        (status = 422, description = "`period.invalid`, `kpi.segment_invalid`, `kpi.format_invalid`", body = crm_api_types::Problem)))]
#[get("/kpis/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Kpi)?;
    let q = query.into_inner();
    let asked = q.format.as_deref().unwrap_or("").trim();
    let format = asked.to_ascii_lowercase();
    if format != "csv" && format != "xlsx" {
        return Err(unprocessable(
            codes::KPI_FORMAT_INVALID,
            format!("Format d’export inconnu « {asked} » (attendu : csv ou xlsx)."),
        ));
    }
    let d = compute(
        &state,
        q.period.as_deref(),
        q.from,
        q.to,
        q.segment.as_deref(),
    )
    .await?;
    let name = format!(
        "kpi-{}-{}{}.{format}",
        d.period.first_day,
        d.period.last_day,
        d.segment.map_or(String::new(), |l| format!(
            "-{}",
            l.as_str().to_ascii_lowercase()
        ))
    );
    if format == "csv" {
        let body = files::csv(&d).map_err(ApiError::internal)?;
        let pages = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
        return csv_export::download(name, &files::CSV_HEADER, pages).map_err(ApiError::internal);
    }
    let body = files::xlsx(&d).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(name)],
        })
        .body(body))
}
