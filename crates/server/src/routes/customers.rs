//! `/customers`: identification at the till, creation, back-office reads and writes,
//! data-subject export and erasure.

use super::paging::{self, Paging};
use crate::auth::Caller;
use crate::error::{field_error, unprocessable, ApiError};
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{NaiveDate, Utc};
use crm_api_types::{
    CreateCustomerRequest, Customer, CustomerExport, CustomerPage, CustomerProfile,
    IdentifyRequest, LoyaltySummary, UpdateCustomerRequest,
};
use crm_domain::codes;
use crm_domain::coupon::CouponUsage;
use crm_domain::loyalty::LoyaltyPolicy;
use crm_domain::phone::{Phone, PhoneError};
use crm_domain::Capability;
use crm_store::customers::{self as store, CustomerChanges, NewCustomer};
use serde::Deserialize;
use utoipa::IntoParams;

fn parse_phone(state: &AppState, typed: &str) -> Result<Phone, ApiError> {
    Phone::parse(typed, &state.settings.default_region).map_err(|e| {
        let detail = match e {
            PhoneError::Empty => "Saisissez un numéro de téléphone.".to_owned(),
            PhoneError::Invalid => {
                "Numéro de téléphone invalide : 10 chiffres attendus (ex. 07 01 23 45 67)."
                    .to_owned()
            }
            PhoneError::UnknownRegion(r) => {
                return ApiError::internal(format!("bad default region {r}"))
            }
        };
        unprocessable(codes::PHONE_INVALID, detail)
    })
}

fn customer_not_found() -> ApiError {
    ApiError::not_found(codes::CUSTOMER_NOT_FOUND, "Client inconnu.")
}

/// The API view of a row; the phone is masked unless the caller may see it whole.
fn customer_view(
    state: &AppState,
    row: &store::Customer,
    full_phone: bool,
) -> Result<Customer, ApiError> {
    let phone = match row.phone_cipher.as_deref() {
        Some(sealed) => {
            let phone = state.vault.open(sealed).map_err(ApiError::internal)?;
            if full_phone {
                phone.display()
            } else {
                phone.masked()
            }
        }
        None => String::new(),
    };
    Ok(Customer {
        id: row.id,
        customer_number: row.customer_number.clone().unwrap_or_default(),
        phone,
        phone_masked: !full_phone,
        first_name: row.first_name.clone(),
        last_name: row.last_name.clone(),
        email: row.email.clone(),
        city: row.city.clone(),
        birth_date: row.birth_date,
        level: store::level_of(row)?,
        points: row.points,
        lifetime_spend: row.lifetime_spend,
        purchases_count: row.purchases_count,
        registered_at: row.registered_at,
        last_visit_at: row.last_visit_at,
        active: row.active,
        sms_consent: row.sms_consent,
        email_consent: row.email_consent,
        home_store_id: row.home_store_id,
        erased: row.erased_at.is_some(),
    })
}

/// Customer, loyalty standing and usable coupons: what the till shows.
async fn profile(
    state: &AppState,
    caller: &Caller,
    row: &store::Customer,
) -> Result<CustomerProfile, ApiError> {
    let today = state.calendar.today(&state.db, None).await?.date();
    let coupons = crm_store::coupons::usable_by_customer(&state.db, row.id, today).await?;
    let uses = crm_store::coupons::coupon_uses(&state.db, row.id).await?;
    let policy = state.loyalty_policy.current(&state.db).await?;
    let coupons = with_generic_codes(state, &policy, row, coupons, &uses, today).await?;
    profile_with(state, &policy, caller, row, &coupons)
}

/// The customer's own coupons, then the generic codes they can use (SPEC §1: "the
/// coupons this customer can use"), as the quote rules judge them before any basket. The
/// codes in force come from memory, the customer's uses of them from the caller's query.
async fn with_generic_codes(
    state: &AppState,
    policy: &LoyaltyPolicy,
    row: &store::Customer,
    mut coupons: Vec<crm_store::coupons::OfferedCoupon>,
    uses: &crm_store::coupons::CouponUses,
    today: NaiveDate,
) -> Result<Vec<crm_store::coupons::OfferedCoupon>, ApiError> {
    let level = store::level_of(row)?;
    let loyalty_percent = policy.discount_percent(level);
    for coupon in state.generic_codes.in_force(&state.db, today).await?.iter() {
        let usage = CouponUsage {
            global: u32::try_from(coupon.uses_count).unwrap_or(0),
            by_customer: uses.of(coupon.id),
        };
        let rules = crm_store::coupons::rules(coupon)?;
        if crm_domain::coupon::offerable(&rules, usage, today, (row.id, level), loyalty_percent) {
            coupons.push(crm_store::coupons::offer_of(coupon)?);
        }
    }
    Ok(coupons)
}

/// The profile when the usable coupons are already known.
fn profile_with(
    state: &AppState,
    policy: &LoyaltyPolicy,
    caller: &Caller,
    row: &store::Customer,
    coupons: &[crm_store::coupons::OfferedCoupon],
) -> Result<CustomerProfile, ApiError> {
    let customer = customer_view(state, row, caller.can(Capability::FullPhone))?;
    let level = store::level_of(row)?;
    Ok(CustomerProfile {
        loyalty: LoyaltySummary {
            level: customer.level,
            points: row.points,
            discount_percent: policy.discount_percent(level).to_string(),
        },
        customer,
        available_coupons: coupons.iter().map(super::coupons::available_view).collect(),
    })
}

/// Finds the customer by phone, typed in any usual form.
#[utoipa::path(tag = "customers", security(("bearer" = [])),
    request_body = IdentifyRequest,
    responses((status = 200, body = CustomerProfile),
              (status = 404, description = "`customer.not_found`", body = crm_api_types::Problem),
              (status = 422, description = "`phone.invalid`", body = crm_api_types::Problem),
              (status = 403, description = "`auth.forbidden`", body = crm_api_types::Problem)))]
#[post("/customers/identify")]
pub async fn identify(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<IdentifyRequest>,
) -> Result<web::Json<CustomerProfile>, ApiError> {
    caller.require(Capability::Pos)?;
    let phone = parse_phone(&state, &body.phone)?;
    let today = state.calendar.today(&state.db, None).await?.date();
    let (row, coupons, uses) = state
        .till_lookup
        .holder_by_phone_index(&state.db, &state.vault.index(&phone), today)
        .await?
        .filter(|(c, _, _)| c.active)
        .ok_or_else(customer_not_found)?;
    // From memory, like the generic codes: identify stays one query.
    let policy = state.loyalty_policy.current(&state.db).await?;
    let coupons = with_generic_codes(&state, &policy, &row, coupons, &uses, today).await?;
    Ok(web::Json(profile_with(
        &state, &policy, &caller, &row, &coupons,
    )?))
}

fn clean(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn check_name(errors: &mut Vec<crm_api_types::FieldError>, field: &str, value: &Option<String>) {
    if value.as_ref().is_some_and(|v| v.chars().count() > 100) {
        errors.push(field_error(
            field,
            codes::field::TOO_LONG,
            "100 caractères au plus.",
        ));
    }
}

fn check_email(errors: &mut Vec<crm_api_types::FieldError>, value: &Option<String>) {
    let Some(email) = value else { return };
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(user, domain)| {
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.contains(char::is_whitespace);
    if !valid {
        errors.push(field_error(
            "email",
            codes::field::INVALID,
            "Adresse e-mail invalide.",
        ));
    }
}

/// Registers a customer at the till, or returns the one who already has this phone
/// (201 when created, 200 when it existed).
#[utoipa::path(tag = "customers", security(("bearer" = [])),
    request_body = CreateCustomerRequest,
    responses((status = 201, body = CustomerProfile), (status = 200, body = CustomerProfile),
              (status = 422, description = "`phone.invalid`, `validation.failed`", body = crm_api_types::Problem)))]
#[post("/customers")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateCustomerRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require_any(&[Capability::Pos, Capability::CrmWrite])?;
    let body = body.into_inner();
    let phone = parse_phone(&state, &body.phone)?;
    let (first_name, last_name, email) = (
        clean(body.first_name),
        clean(body.last_name),
        clean(body.email),
    );
    let mut errors = Vec::new();
    check_name(&mut errors, "first_name", &first_name);
    check_name(&mut errors, "last_name", &last_name);
    check_email(&mut errors, &email);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (row, created) = store::create_or_get(
        &state.db,
        NewCustomer {
            phone_index: state.vault.index(&phone),
            phone_cipher: state.vault.seal(&phone),
            first_name,
            last_name,
            email,
            sms_consent: body.sms_consent.unwrap_or(false),
            home_store_id: None,
        },
    )
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(profile(&state, &caller, &row).await?))
}

/// Paging and search of `GET /customers`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Customer number, name, e-mail, or a phone number in any usual form.
    pub q: Option<String>,
    /// Page from 1 (default 1); beyond 1 000 000, page 1 000 000.
    pub page: Option<u64>,
    /// Page size, 1–200 (default 50).
    pub per_page: Option<u64>,
}

/// Searches customers (back office).
#[utoipa::path(tag = "customers", security(("bearer" = [])),
    params(SearchQuery), responses((status = 200, body = CustomerPage)))]
#[get("/customers")]
pub async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SearchQuery>,
) -> Result<web::Json<CustomerPage>, ApiError> {
    caller.require(Capability::CrmRead)?;
    let Paging { page, per_page } = Paging::new(query.page, query.per_page, paging::BACK_OFFICE);
    let text = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    // A query that reads as a phone number is looked up by blind index.
    let phone_index = text
        .filter(|q| q.chars().filter(char::is_ascii_digit).count() >= 8)
        .and_then(|q| Phone::parse(q, &state.settings.default_region).ok())
        .map(|p| state.vault.index(&p));
    let (rows, total) =
        store::search(&state.db, text, phone_index.as_deref(), page, per_page).await?;
    let full = caller.can(Capability::FullPhone);
    let items = rows
        .iter()
        .map(|r| customer_view(&state, r, full))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(web::Json(CustomerPage {
        items,
        total,
        page,
        per_page,
    }))
}

/// One customer's profile (back office).
#[utoipa::path(tag = "customers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Customer id")),
    responses((status = 200, body = CustomerProfile), (status = 404, body = crm_api_types::Problem)))]
#[get("/customers/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<CustomerProfile>, ApiError> {
    caller.require(Capability::CrmRead)?;
    let row = store::find(&state.db, *id)
        .await?
        .ok_or_else(customer_not_found)?;
    Ok(web::Json(profile(&state, &caller, &row).await?))
}

/// Changes a customer's details (audited).
#[utoipa::path(tag = "customers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Customer id")), request_body = UpdateCustomerRequest,
    responses((status = 200, body = Customer), (status = 404, body = crm_api_types::Problem),
              (status = 422, body = crm_api_types::Problem)))]
#[patch("/customers/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Json<UpdateCustomerRequest>,
) -> Result<web::Json<Customer>, ApiError> {
    caller.require(Capability::CrmWrite)?;
    let body = body.into_inner();
    let changes = CustomerChanges {
        first_name: clean(body.first_name),
        last_name: clean(body.last_name),
        email: clean(body.email),
        city: clean(body.city),
        birth_date: body.birth_date,
        sms_consent: body.sms_consent,
        email_consent: body.email_consent,
        active: body.active,
    };
    let mut errors = Vec::new();
    check_name(&mut errors, "first_name", &changes.first_name);
    check_name(&mut errors, "last_name", &changes.last_name);
    check_name(&mut errors, "city", &changes.city);
    check_email(&mut errors, &changes.email);
    if changes
        .birth_date
        .is_some_and(|d| d > Utc::now().date_naive())
    {
        errors.push(field_error(
            "birth_date",
            codes::field::IN_FUTURE,
            "La date de naissance est dans le futur.",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if store::find(&state.db, *id)
        .await?
        .is_some_and(|c| c.erased_at.is_some())
    {
        return Err(ApiError::conflict(
            codes::CUSTOMER_ERASED,
            "Ce client a été effacé.",
        ));
    }
    let row = store::update(&state.db, *id, changes, &caller.actor())
        .await
        .map_err(|e| match e {
            crm_store::StoreError::NotFound => customer_not_found(),
            other => other.into(),
        })?;
    Ok(web::Json(customer_view(
        &state,
        &row,
        caller.can(Capability::FullPhone),
    )?))
}

/// Everything held about one person, with the full phone (data-subject access; audited):
/// identity, points, levels, purchases and coupons.
#[utoipa::path(tag = "customers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Customer id")),
    responses((status = 200, body = CustomerExport), (status = 404, body = crm_api_types::Problem)))]
#[get("/customers/{id}/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<CustomerExport>, ApiError> {
    caller.require(Capability::PersonalData)?;
    let row = store::find(&state.db, *id)
        .await?
        .ok_or_else(customer_not_found)?;
    let points_ledger = store::points_ledger(&state.db, row.id)
        .await?
        .into_iter()
        .map(|p| serde_json::json!({"kind": p.kind, "points": p.points, "sale_id": p.sale_id, "note": p.note, "at": p.created_at}))
        .collect();
    let level_changes = store::level_changes(&state.db, row.id)
        .await?
        .into_iter()
        .map(|l| serde_json::json!({"from": l.from_level, "to": l.to_level, "score": l.score, "at": l.changed_at}))
        .collect();
    let sales = store::purchases(&state.db, row.id)
        .await?
        .into_iter()
        .map(|(s, lines)| {
            let lines: Vec<_> = lines
                .into_iter()
                .map(|l| serde_json::json!({"product_id": l.product_id, "quantity": l.quantity, "unit_price": l.unit_price, "line_total": l.line_total, "discount": l.discount}))
                .collect();
            serde_json::json!({"id": s.id, "ticket_number": s.ticket_number, "store_id": s.store_id, "status": s.status, "subtotal": s.subtotal, "loyalty_discount": s.loyalty_discount, "coupon_discount": s.coupon_discount, "total": s.total, "points_earned": s.points_earned, "at": s.created_at, "lines": lines})
        })
        .collect();
    let today = super::coupons::today(&state).await?;
    let coupons_held = crm_store::coupons::held_by(&state.db, row.id)
        .await?
        .iter()
        .map(|c| {
            serde_json::to_value(super::coupons::coupon_view(c, today)?).map_err(ApiError::internal)
        })
        .collect::<Result<_, _>>()?;
    let coupons_used = crm_store::coupons::used_by_customer(&state.db, row.id)
        .await?
        .into_iter()
        .map(|(u, code)| serde_json::json!({"code": code, "sale_id": u.sale_id, "amount": u.amount, "at": u.at, "released_at": u.released_at}))
        .collect();
    crm_store::audit::record(
        &state.db,
        &caller.actor(),
        "customer.export",
        "customer",
        Some(row.id.to_string()),
        None,
        None,
    )
    .await?;
    Ok(web::Json(CustomerExport {
        exported_at: Utc::now(),
        customer: customer_view(&state, &row, true)?,
        points_ledger,
        level_changes,
        sales,
        coupons_held,
        coupons_used,
    }))
}

/// Erases the person: identity and contact wiped, sales kept anonymous (audited).
#[utoipa::path(tag = "customers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Customer id")),
    responses((status = 200, body = Customer), (status = 404, body = crm_api_types::Problem)))]
#[post("/customers/{id}/erase")]
pub async fn erase(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<Customer>, ApiError> {
    caller.require(Capability::PersonalData)?;
    let row = store::erase(&state.db, *id, &caller.actor())
        .await
        .map_err(|e| match e {
            crm_store::StoreError::NotFound => customer_not_found(),
            other => other.into(),
        })?;
    Ok(web::Json(customer_view(&state, &row, false)?))
}
