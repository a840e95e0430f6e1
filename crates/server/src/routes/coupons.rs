//! `/coupons`: the POS quote, the marketing back office (list, create, deactivate,
//! redemptions, CSV export) and the bulk issue of SPECIAL coupons as a background job
//! (run by [`crate::jobs`], followed on `/jobs/{id}`).

use super::jobs::job_view;
use super::paging::{self, Paging};
use crate::auth::Caller;
use crate::checkout::basket;
use crate::csv_export;
use crate::error::{on_conflict, unprocessable, ApiError};
use crate::jobs;
use crate::startup::AppState;
use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDate;
use crm_api_types::{
    AvailableCoupon, BulkIssueRequest, Coupon, CouponPage, CouponRedemption, CouponStats,
    CreateCouponRequest, Job, QuoteRequest, QuoteResponse, RedemptionPage,
};
use crm_domain::codes;
use crm_domain::coupon::{
    self as rules, Coupon as Rules, CouponDefinitionError, CouponKind, CouponStatus, DiscountKind,
};
use crm_domain::job::JobKind;
use crm_domain::sale::{self, Category};
use crm_domain::{Capability, Level, Money};
use crm_store::coupons::{self as store, BulkIssue, CouponFilter, CouponRow, NewCoupon};
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::str::FromStr;
use utoipa::IntoParams;

/// The back office's day: the business day of the default store (coupon statuses, lists,
/// exports). The till's own day comes from its till ([`crate::calendar`]).
pub async fn today(state: &AppState) -> Result<NaiveDate, ApiError> {
    Ok(state.calendar.today(&state.db, None).await?.date())
}

/// A new code of `kind`, from the operating system's randomness.
pub fn new_code(kind: CouponKind) -> String {
    let mut rng = rand::rngs::StdRng::from_entropy();
    rules::generate_code(kind, || rng.gen())
}

pub(crate) fn coupon_view(row: &CouponRow, today: NaiveDate) -> Result<Coupon, ApiError> {
    let r = store::rules(row)?;
    Ok(Coupon {
        id: row.id,
        code: row.code.clone(),
        kind: r.kind,
        discount_kind: r.discount_kind,
        value: row.value,
        description: row.description.clone(),
        valid_from: row.valid_from,
        valid_to: row.valid_to,
        global_cap: r.global_cap,
        per_customer_cap: r.per_customer_cap,
        min_basket: row.min_basket,
        required_level: r.required_level,
        customer_id: row.customer_id,
        eligible_categories: r.eligible_categories.iter().copied().collect(),
        stacks_with_loyalty: row.stacks_with_loyalty,
        status: r.status_on(today, u32::try_from(row.uses_count).unwrap_or(0)),
        uses_count: u32::try_from(row.uses_count).unwrap_or(0),
        issue_job_id: row.issue_job_id,
        created_at: row.created_at,
    })
}

/// The form the POS shows for a usable coupon.
pub fn available_view(row: &store::OfferedCoupon) -> AvailableCoupon {
    AvailableCoupon {
        code: row.code.clone(),
        description: row.description.clone(),
        discount_kind: row.discount_kind,
        value: row.value,
        min_basket: row.min_basket,
        valid_to: row.valid_to,
    }
}

fn parse<T: FromStr<Err = String>>(field_code: &'static str, text: &str) -> Result<T, ApiError> {
    T::from_str(text)
        .map_err(|e| unprocessable(field_code, format!("{} ({e}).", capitalised(field_code))))
}

fn capitalised(code: &str) -> &'static str {
    match code {
        codes::COUPON_KIND_INVALID => "Type de coupon invalide",
        codes::COUPON_DISCOUNT_KIND_INVALID => "Type de remise invalide",
        codes::COUPON_LEVEL_INVALID => "Niveau de fidélité invalide",
        codes::COUPON_CATEGORY_INVALID => "Catégorie invalide",
        _ => "Valeur invalide",
    }
}

fn categories(names: &[String]) -> Result<BTreeSet<Category>, ApiError> {
    names
        .iter()
        .map(|n| parse::<Category>(codes::COUPON_CATEGORY_INVALID, n))
        .collect()
}

fn description(text: &str) -> Result<String, ApiError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 200 {
        return Err(unprocessable(
            codes::COUPON_DESCRIPTION_INVALID,
            "Indiquez une description (200 caractères au plus).",
        ));
    }
    Ok(text.to_owned())
}

/// Checks a basket against a code without consuming anything: the same ten checks as
/// checkout, in SPEC §3 order. A refusal is a 200 with `valid: false` and its reason.
#[utoipa::path(tag = "coupons", security(("bearer" = [])),
    request_body = QuoteRequest,
    responses((status = 200, body = QuoteResponse),
              (status = 422, description = "`sale.*`, `product.not_found`, `customer.not_found`", body = crm_api_types::Problem)))]
#[post("/coupons/quote")]
pub async fn quote(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<QuoteRequest>,
) -> Result<web::Json<QuoteResponse>, ApiError> {
    caller.require(Capability::Pos)?;
    let (lines, _) = basket::price_lines(&state.db, &body.lines).await?;
    let policy = state.loyalty_policy.current(&state.db).await?;
    let (customer, loyalty_percent) =
        basket::customer_standing(&state.db, &policy, body.customer_id).await?;
    let check = basket::check_coupon(
        &state.db,
        &body.code,
        customer,
        &lines,
        loyalty_percent,
        state.calendar.today(&state.db, body.till_id).await?.date(),
    )
    .await?;
    let discount = check.outcome.as_ref().ok();
    let totals = sale::price_sale(&lines, loyalty_percent, discount)?;
    let refusal = check.outcome.as_ref().err();
    Ok(web::Json(QuoteResponse {
        valid: refusal.is_none(),
        reason_code: refusal.map(|r| r.code().to_owned()),
        message: refusal.map(ToString::to_string),
        code: check.code.clone(),
        description: check.row.as_ref().map(|r| r.description.clone()),
        discount: totals.coupon_discount.francs(),
        eligible_lines: discount
            .map(|d| d.eligible_lines.iter().copied().collect())
            .unwrap_or_default(),
        subtotal: totals.subtotal.francs(),
        loyalty_discount: totals.loyalty_discount.francs(),
        total: totals.total.francs(),
    }))
}

/// Filters of the coupon list and export.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// `GENERIC` or `SPECIAL`.
    pub kind: Option<String>,
    /// `ACTIVE`, `EXHAUSTED` (in its dates, no use left), `INACTIVE` or `EXPIRED`.
    pub status: Option<String>,
    /// Part of the code or description.
    pub q: Option<String>,
    /// Only the codes of this bulk issue.
    pub job_id: Option<i64>,
    /// Page from 1 (default 1); beyond 1 000 000, page 1 000 000.
    pub page: Option<u64>,
    /// Page size, 1–200 (default 50).
    pub per_page: Option<u64>,
}

fn filter(query: &ListQuery) -> Result<CouponFilter, ApiError> {
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Ok(CouponFilter {
        kind: nonempty(&query.kind)
            .map(|k| parse::<CouponKind>(codes::COUPON_KIND_INVALID, &k))
            .transpose()?,
        status: nonempty(&query.status)
            .map(|s| parse::<CouponStatus>(codes::COUPON_STATUS_INVALID, &s))
            .transpose()?,
        text: nonempty(&query.q),
        issue_job_id: query.job_id,
    })
}

/// Lists coupons with filters, and the figures over every coupon.
#[utoipa::path(tag = "coupons", security(("bearer" = [])),
    params(ListQuery), responses((status = 200, body = CouponPage)))]
#[get("/coupons")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<web::Json<CouponPage>, ApiError> {
    caller.require(Capability::CrmRead)?;
    let filter = filter(&query)?;
    let Paging { page, per_page } = Paging::new(query.page, query.per_page, paging::BACK_OFFICE);
    let today = today(&state).await?;
    let (rows, total) = store::list(&state.db, &filter, today, page, per_page).await?;
    let stats = store::stats(&state.db, today).await?;
    Ok(web::Json(CouponPage {
        items: rows
            .iter()
            .map(|r| coupon_view(r, today))
            .collect::<Result<_, _>>()?,
        total,
        page,
        per_page,
        stats: CouponStats {
            total: stats.total,
            active: stats.active,
            uses: stats.uses,
            discount_given: stats.discount_given,
        },
    }))
}

/// Columns of the coupon export, in French for the back office's spreadsheet.
const EXPORT_HEADER: [&str; 11] = [
    "Code",
    "Type",
    "Remise",
    "Valeur (% ou FCFA)",
    "Description",
    "Début",
    "Fin",
    "Statut",
    "Utilisations",
    "N° client",
    "Client",
];

/// The French words of the CSV export (the codes stay in the API).
fn kind_label(kind: CouponKind) -> &'static str {
    match kind {
        CouponKind::Generic => "Générique",
        CouponKind::Special => "Personnel",
    }
}

fn discount_kind_label(kind: DiscountKind) -> &'static str {
    match kind {
        DiscountKind::Percent => "Pourcentage",
        DiscountKind::Fixed => "Montant fixe",
    }
}

fn status_label(status: CouponStatus) -> &'static str {
    match status {
        CouponStatus::Active => "Actif",
        CouponStatus::Inactive => "Inactif",
        CouponStatus::Expired => "Expiré",
        CouponStatus::Exhausted => "Épuisé",
    }
}

/// Coupons read from the database per page of the export.
const EXPORT_PAGE: u64 = 1_000;

/// One line of the export: the coupon as listed, and its holder's number and name.
fn export_record(
    row: &CouponRow,
    holder: Option<&crm_store::customers::Customer>,
    today: NaiveDate,
) -> Result<[String; 11], ApiError> {
    let view = coupon_view(row, today)?;
    let name = holder
        .map(|c| {
            [c.first_name.as_deref(), c.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    Ok([
        view.code,
        kind_label(view.kind).to_owned(),
        discount_kind_label(view.discount_kind).to_owned(),
        view.value.to_string(),
        view.description,
        csv_export::day(view.valid_from),
        csv_export::day(view.valid_to),
        status_label(view.status).to_owned(),
        view.uses_count.to_string(),
        holder
            .and_then(|c| c.customer_number.clone())
            .unwrap_or_default(),
        name,
    ])
}

/// Exports the coupons matching the filters as CSV for French Excel (e.g. `?job_id=` for
/// the codes of a bulk issue): code, type, discount, dates, status, uses, holder's number
/// and name. `;`-separated, UTF-8 with a byte-order mark, French headers and values
/// (`Personnel`, `Pourcentage`, `Actif`), days as `24/11/2026`.
/// Streamed a thousand coupons at a time; cells that a spreadsheet would take for a
/// formula start with an apostrophe.
#[utoipa::path(tag = "coupons", security(("bearer" = [])),
    params(ListQuery), responses((status = 200, content_type = "text/csv", body = String,
        example = json!("Code;Type;Remise;Valeur (% ou FCFA);Description;Début;Fin;Statut;Utilisations;N° client;Client\nNOEL2026;Générique;Pourcentage;10;Noël : 10 % dès 20 000 FCFA;15/12/2026;31/12/2026;Actif;0;;\nSPE-7KX3M-9QH4T;Personnel;Pourcentage;5;Félicitations : 5 % pour votre passage Gold;02/11/2026;01/12/2026;Expiré;0;CLT0000001;Aya Kouassi\n"))))]
#[get("/coupons/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::CrmRead)?;
    let filter = filter(&query)?;
    let today = today(&state).await?;
    let name = match query.job_id {
        Some(job) => format!("coupons-emission-{job}.csv"),
        None => format!("coupons-{today}.csv"),
    };
    // The cursor is the last id sent; `None` once a short page said there is no more.
    let pages = futures::stream::try_unfold(Some(0), move |after| {
        let (state, filter) = (state.clone(), filter.clone());
        async move {
            let Some(after) = after else {
                return Ok(None);
            };
            let rows = store::export_page(&state.db, &filter, today, after, EXPORT_PAGE).await?;
            let Some((last, _)) = rows.last() else {
                return Ok(None);
            };
            let next = (rows.len() as u64 == EXPORT_PAGE).then_some(last.id);
            let lines = rows
                .iter()
                .map(|(row, holder)| export_record(row, holder.as_ref(), today))
                .collect::<Result<Vec<_>, _>>()?;
            let bytes = csv_export::encode(lines).map_err(ApiError::internal)?;
            Ok::<_, ApiError>(Some((bytes, next)))
        }
    });
    csv_export::download(name, &EXPORT_HEADER, pages).map_err(ApiError::internal)
}

/// Creates a coupon. GENERIC coupons may take a chosen code (`NOEL2026`); otherwise, and
/// always for SPECIAL ones, a code is generated (`GEN-…`, `SPE-…`).
#[utoipa::path(tag = "coupons", security(("bearer" = [])),
    request_body = CreateCouponRequest,
    responses((status = 201, body = Coupon),
              (status = 409, description = "`coupon.code_taken`", body = crm_api_types::Problem),
              (status = 422, description = "`coupon.*` validation codes, `customer.not_found`", body = crm_api_types::Problem)))]
#[post("/coupons")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateCouponRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::CrmWrite)?;
    let body = body.into_inner();
    let kind: CouponKind = parse(codes::COUPON_KIND_INVALID, &body.kind)?;
    let rules = Rules {
        kind,
        discount_kind: parse::<DiscountKind>(
            codes::COUPON_DISCOUNT_KIND_INVALID,
            &body.discount_kind,
        )?,
        value: body.value,
        valid_from: body.valid_from,
        valid_to: body.valid_to,
        global_cap: body.global_cap,
        per_customer_cap: body.per_customer_cap,
        min_basket: Money::fcfa(body.min_basket),
        required_level: body
            .required_level
            .as_deref()
            .filter(|l| !l.trim().is_empty())
            .map(|l| parse::<Level>(codes::COUPON_LEVEL_INVALID, l))
            .transpose()?,
        customer_id: body.customer_id,
        eligible_categories: categories(&body.eligible_categories)?,
        stacks_with_loyalty: body.stacks_with_loyalty,
        status: CouponStatus::Active,
    };
    rules.validate()?;
    let description = description(&body.description)?;
    if let Some(id) = rules.customer_id {
        crm_store::customers::find(&state.db, id)
            .await?
            .filter(|c| c.active && c.erased_at.is_none())
            .ok_or_else(|| unprocessable(codes::CUSTOMER_NOT_FOUND, "Client inconnu."))?;
    }
    let chosen = body.code.as_deref().filter(|c| !c.trim().is_empty());
    let code = match (kind, chosen) {
        (CouponKind::Special, Some(_)) => return Err(CouponDefinitionError::CodeNotAllowed.into()),
        (CouponKind::Generic, Some(code)) => rules::vanity_code(code)?,
        (_, None) => new_code(kind),
    };
    let row = store::create(
        &state.db,
        NewCoupon {
            code: code.clone(),
            description,
            rules,
        },
        &caller.actor(),
    )
    .await
    .map_err(on_conflict(
        codes::COUPON_CODE_TAKEN,
        format!("Le code « {code} » existe déjà : choisissez-en un autre."),
    ))?;
    // A new generic code is offered at the very next identify.
    state.generic_codes.forget();
    Ok(HttpResponse::Created().json(coupon_view(&row, today(&state).await?)?))
}

async fn load(state: &AppState, id: i64) -> Result<CouponRow, ApiError> {
    store::find(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found(codes::COUPON_NOT_FOUND, "Coupon introuvable."))
}

/// One coupon.
#[utoipa::path(tag = "coupons", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Coupon id")),
    responses((status = 200, body = Coupon), (status = 404, body = crm_api_types::Problem)))]
#[get("/coupons/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<Coupon>, ApiError> {
    caller.require(Capability::CrmRead)?;
    Ok(web::Json(coupon_view(
        &load(&state, *id).await?,
        today(&state).await?,
    )?))
}

/// Deactivates a coupon: it is refused from now on (uses made stay counted).
#[utoipa::path(tag = "coupons", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Coupon id")),
    responses((status = 200, body = Coupon), (status = 404, body = crm_api_types::Problem)))]
#[post("/coupons/{id}/deactivate")]
pub async fn deactivate(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<Coupon>, ApiError> {
    caller.require(Capability::CrmWrite)?;
    let row = store::deactivate(&state.db, *id, &caller.actor())
        .await?
        .ok_or_else(|| ApiError::not_found(codes::COUPON_NOT_FOUND, "Coupon introuvable."))?;
    // A deactivated generic code is no longer offered at the next identify.
    state.generic_codes.forget();
    Ok(web::Json(coupon_view(&row, today(&state).await?)?))
}

/// Paging of a coupon's uses.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Page from 1 (default 1); beyond 1 000 000, page 1 000 000.
    pub page: Option<u64>,
    /// Page size, 1–200 (default 50).
    pub per_page: Option<u64>,
}

/// A coupon's uses, newest first (refunded ones show `released_at`).
#[utoipa::path(tag = "coupons", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Coupon id"), PageQuery),
    responses((status = 200, body = RedemptionPage), (status = 404, body = crm_api_types::Problem)))]
#[get("/coupons/{id}/redemptions")]
pub async fn redemptions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<RedemptionPage>, ApiError> {
    caller.require(Capability::CrmRead)?;
    load(&state, *id).await?;
    let Paging { page, per_page } = Paging::new(query.page, query.per_page, paging::BACK_OFFICE);
    let (rows, total) = store::redemptions(&state.db, *id, page, per_page).await?;
    Ok(web::Json(RedemptionPage {
        items: rows
            .into_iter()
            .map(|v| CouponRedemption {
                id: v.redemption.id,
                sale_id: v.redemption.sale_id,
                ticket_number: v.ticket_number,
                customer_id: v.redemption.customer_id,
                customer_number: v.customer_number,
                amount: v.redemption.amount,
                at: v.redemption.at,
                released_at: v.redemption.released_at,
            })
            .collect(),
        total,
        page,
        per_page,
    }))
}

/// Starts issuing a SPECIAL coupon to every customer of `min_level` and above who does
/// not already hold an active unused one. Answers 202 with the job; follow it on
/// `GET /jobs/{id}` (its result: `{"issued": n, "skipped": m}`, `skipped` counting the
/// customers of those levels who already held one); export the codes with
/// `GET /coupons/export?job_id=`.
#[utoipa::path(tag = "coupons", security(("bearer" = [])),
    request_body = BulkIssueRequest,
    responses((status = 202, body = Job),
              (status = 409, description = "`job.already_running`", body = crm_api_types::Problem),
              (status = 422, description = "`coupon.*` validation codes", body = crm_api_types::Problem)))]
#[post("/coupons/bulk-issue")]
pub async fn bulk_issue(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<BulkIssueRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::CrmWrite)?;
    let body = body.into_inner();
    let min_level: Level = parse(codes::COUPON_LEVEL_INVALID, &body.min_level)?;
    let rules = Rules {
        kind: CouponKind::Special,
        discount_kind: parse::<DiscountKind>(
            codes::COUPON_DISCOUNT_KIND_INVALID,
            &body.discount_kind,
        )?,
        value: body.value,
        valid_from: body.valid_from,
        valid_to: body.valid_to,
        global_cap: None,
        per_customer_cap: body.per_customer_cap,
        min_basket: Money::fcfa(body.min_basket),
        required_level: None,
        // Set per customer; a placeholder lets the definition be validated once.
        customer_id: Some(0),
        eligible_categories: categories(&body.eligible_categories)?,
        stacks_with_loyalty: body.stacks_with_loyalty,
        status: CouponStatus::Active,
    };
    rules.validate()?;
    let today = today(&state).await?;
    if rules.valid_to < today {
        return Err(CouponDefinitionError::DatesInvalid.into());
    }
    let issue = BulkIssue {
        min_level,
        description: description(&body.description)?,
        rules,
        today,
        created_by: caller.0.uid,
    };
    let params = serde_json::to_value(&body).map_err(ApiError::internal)?;
    let job = jobs::start(&state.db, JobKind::BulkIssue, &caller.actor(), &params).await?;
    let job_id = job.id();
    jobs::spawn(state.db.clone(), &job, move |db, progress| async move {
        store::run_bulk_issue(
            &db,
            job_id,
            &issue,
            || new_code(CouponKind::Special),
            &progress,
        )
        .await
    });
    Ok(HttpResponse::Accepted().json(job_view(&job)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_differ() {
        let a = new_code(CouponKind::Generic);
        let b = new_code(CouponKind::Generic);
        assert!(a.starts_with("GEN-"));
        assert_ne!(a, b);
    }

    #[test]
    fn unknown_values_name_the_field() {
        let e = parse::<CouponKind>("coupon.kind_invalid", "BOGUS").unwrap_err();
        assert_eq!(e.code(), "coupon.kind_invalid");
    }
}
