//! `/customers`: identification at the till, creation, back-office reads and writes,
//! data-subject export and erasure.

use super::paging::{self, Paging};
use crate::auth::Caller;
use crate::csv_export;
use crate::error::{field_error, unprocessable, ApiError};
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{NaiveDate, Utc};
use crm_api_types::{
    CouponUse, CreateCustomerRequest, Customer, CustomerExport, CustomerHistory, CustomerPage,
    CustomerProfile, IdentifyRequest, LevelChange, LoyaltySummary, PointsMovement, PointsPage,
    Purchase, PurchasePage, UpdateCustomerRequest,
};
use crm_domain::codes;
use crm_domain::coupon::CouponUsage;
use crm_domain::loyalty::LoyaltyPolicy;
use crm_domain::period::{start_of_day, BusinessDate};
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

/// Search, filters and paging of `GET /customers` (the export takes the same, without
/// paging).
#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// A phone number in any usual form (`07 01 23 45 67`, `+225…`, `00225…`), a customer
    /// number (`CLT0000042`), or the start of a name — family or given name first, any
    /// case, with or without accents (`kouas`, `aya kou`, `kone` finds « Koné »).
    pub q: Option<String>,
    /// Current loyalty level: `STANDARD`, `SILVER`, `GOLD` or `VIP`.
    pub level: Option<String>,
    /// City (any case).
    pub city: Option<String>,
    /// Last visit on this day or later (store-local, `YYYY-MM-DD`).
    pub last_visit_from: Option<NaiveDate>,
    /// Last visit on this day or earlier (customers who never came are left out).
    pub last_visit_to: Option<NaiveDate>,
    /// Agreed (`true`) or not (`false`) to SMS offers.
    pub sms_consent: Option<bool>,
    /// Agreed (`true`) or not (`false`) to e-mail offers.
    pub email_consent: Option<bool>,
    /// Page from 1 (default 1); beyond 1 000 000, page 1 000 000.
    pub page: Option<u64>,
    /// Page size, 1–200 (default 50).
    pub per_page: Option<u64>,
}

/// Whether the search box holds a phone number rather than a name: digits, and only the
/// signs people write numbers with.
fn looks_like_phone(text: &str) -> bool {
    text.chars().filter(char::is_ascii_digit).count() >= 8
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '.' | '(' | ')' | '/'))
}

/// What the search box asks for: a phone (by its blind index — no row is decrypted to
/// search), a customer number, or a name prefix.
fn customer_query(state: &AppState, text: &str) -> Result<Option<store::CustomerQuery>, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if looks_like_phone(text) {
        let phone = parse_phone(state, text)?;
        return Ok(Some(store::CustomerQuery::PhoneIndex(
            state.vault.index(&phone),
        )));
    }
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() > 3
        && compact
            .get(..3)
            .is_some_and(|p| p.eq_ignore_ascii_case("CLT"))
        && compact.chars().skip(3).all(|c| c.is_ascii_digit())
    {
        return Ok(Some(store::CustomerQuery::Number(compact.to_uppercase())));
    }
    let folded = crm_domain::customer::fold(text);
    Ok((!folded.is_empty()).then_some(store::CustomerQuery::NamePrefix(folded)))
}

/// The store's filter for a query of the list or the export.
async fn customer_filter(
    state: &AppState,
    query: &SearchQuery,
) -> Result<store::CustomerFilter, ApiError> {
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let level = nonempty(&query.level)
        .map(|l| {
            l.to_uppercase().parse::<crm_domain::Level>().map_err(|_| {
                unprocessable(
                    codes::CUSTOMER_LEVEL_INVALID,
                    "Niveau de fidélité inconnu : STANDARD, SILVER, GOLD ou VIP.",
                )
            })
        })
        .transpose()?;
    if let (Some(from), Some(to)) = (query.last_visit_from, query.last_visit_to) {
        if from > to {
            return Err(unprocessable(
                codes::PERIOD_INVALID,
                "La date de début de la dernière visite est après sa date de fin.",
            ));
        }
    }
    let tz = state.calendar.time_zone(&state.db, None).await?;
    let day_after = |day: NaiveDate| day.succ_opt().unwrap_or(day);
    Ok(store::CustomerFilter {
        query: match query.q.as_deref() {
            Some(text) => customer_query(state, text)?,
            None => None,
        },
        level,
        city: nonempty(&query.city),
        visited_from: query.last_visit_from.map(|d| start_of_day(d, tz)),
        visited_until: query.last_visit_to.map(|d| start_of_day(day_after(d), tz)),
        sms_consent: query.sms_consent,
        email_consent: query.email_consent,
    })
}

/// Searches and filters customers (back office), newest first. Phones are masked unless
/// the caller's role sees them whole.
#[utoipa::path(tag = "customers", security(("bearer" = [])),
    params(SearchQuery),
    responses((status = 200, body = CustomerPage, example = json!({"items": [{"id": 1, "customer_number": "CLT0000001",
        "phone": "07 •• •• 45 67", "phone_masked": true, "first_name": "Aya", "last_name": "Kouassi", "email": null,
        "city": "Abidjan", "birth_date": null, "level": "GOLD", "points": 180, "lifetime_spend": 1250000,
        "purchases_count": 42, "registered_at": "2025-03-02T09:15:00Z", "last_visit_at": "2026-11-28T17:40:00Z",
        "active": true, "sms_consent": true, "email_consent": false, "home_store_id": 1, "erased": false}],
        "total": 1, "total_exact": true, "page": 1, "per_page": 50})),
              (status = 422, description = "`phone.invalid` (a number that does not parse), `customer.level_invalid`, `period.invalid`", body = crm_api_types::Problem),
              (status = 403, description = "`auth.forbidden`", body = crm_api_types::Problem)))]
#[get("/customers")]
pub async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SearchQuery>,
) -> Result<web::Json<CustomerPage>, ApiError> {
    caller.require(Capability::CrmRead)?;
    let Paging { page, per_page } = Paging::new(query.page, query.per_page, paging::BACK_OFFICE);
    let filter = customer_filter(&state, &query).await?;
    let (rows, total) = store::search(&state.db, &filter, page, per_page).await?;
    let full = caller.can(Capability::FullPhone);
    let items = rows
        .iter()
        .map(|r| customer_view(&state, r, full))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(web::Json(CustomerPage {
        items,
        total: total.count,
        total_exact: total.exact,
        page,
        per_page,
    }))
}

/// Columns of the customer list export, in French for the back office's spreadsheet.
const EXPORT_HEADER: [&str; 14] = [
    "N° client",
    "Prénom",
    "Nom",
    "Téléphone",
    "E-mail",
    "Ville",
    "Niveau",
    "Points",
    "Dépenses (FCFA)",
    "Achats",
    "Inscription",
    "Dernière visite",
    "SMS",
    "E-mail (accord)",
];

/// Customers read from the database per page of the export.
const EXPORT_PAGE: u64 = 1_000;

fn level_label(level: crm_domain::Level) -> &'static str {
    match level {
        crm_domain::Level::Standard => "Standard",
        crm_domain::Level::Silver => "Silver",
        crm_domain::Level::Gold => "Gold",
        crm_domain::Level::Vip => "VIP",
    }
}

fn yes_no(value: bool) -> String {
    if value { "oui" } else { "non" }.to_owned()
}

/// One line of the export: the customer as listed (the same masking).
fn export_record(view: Customer, tz: chrono_tz::Tz) -> [String; 14] {
    let day = |at: chrono::DateTime<Utc>| csv_export::day(at.with_timezone(&tz).date_naive());
    [
        view.customer_number,
        view.first_name.unwrap_or_default(),
        view.last_name.unwrap_or_default(),
        view.phone,
        view.email.unwrap_or_default(),
        view.city,
        level_label(view.level).to_owned(),
        view.points.to_string(),
        view.lifetime_spend.to_string(),
        view.purchases_count.to_string(),
        day(view.registered_at),
        view.last_visit_at.map(day).unwrap_or_default(),
        yes_no(view.sms_consent),
        yes_no(view.email_consent),
    ]
}

/// Exports the customers that pass the list's filters as CSV for French Excel, newest
/// first: number, names, phone (masked unless the caller's role sees phones whole), e-mail,
/// city, level, points, spend, purchases, registration, last visit, consents. `;`-separated,
/// UTF-8 with a byte-order mark, days as `24/11/2026`; streamed a thousand customers at a
/// time; cells that a spreadsheet would take for a formula start with an apostrophe. The
/// export is audited (`customer.list_export`, with its filters).
#[utoipa::path(tag = "customers", security(("bearer" = [])),
    params(SearchQuery),
    responses((status = 200, content_type = "text/csv", body = String,
               example = json!("N° client;Prénom;Nom;Téléphone;…\nCLT0000001;Aya;Kouassi;07 •• •• 45 67;…")),
              (status = 422, description = "`phone.invalid`, `customer.level_invalid`, `period.invalid`", body = crm_api_types::Problem),
              (status = 403, description = "`auth.forbidden`", body = crm_api_types::Problem)))]
#[get("/customers/export")]
pub async fn export_list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::CrmRead)?;
    let filter = customer_filter(&state, &query).await?;
    let tz = state.calendar.time_zone(&state.db, None).await?;
    let full = caller.can(Capability::FullPhone);
    // What was exported, in words a reviewer can read; no phone (a searched number is kept
    // only as "a phone").
    let asked = serde_json::json!({
        "q": match &filter.query {
            Some(store::CustomerQuery::PhoneIndex(_)) => Some("(téléphone)".to_owned()),
            Some(store::CustomerQuery::Number(n)) => Some(n.clone()),
            Some(store::CustomerQuery::NamePrefix(p)) => Some(p.clone()),
            None => None,
        },
        "level": filter.level.map(crm_domain::Level::as_str),
        "city": filter.city,
        "last_visit_from": query.last_visit_from,
        "last_visit_to": query.last_visit_to,
        "sms_consent": filter.sms_consent,
        "email_consent": filter.email_consent,
    });
    crm_store::audit::record(
        &state.db,
        &caller.actor(),
        "customer.list_export",
        "customer",
        None,
        None,
        Some(asked),
    )
    .await?;
    let name = format!("clients-{}.csv", BusinessDate::today(tz).date());
    // The cursor is the last id sent (newest first); `None` once a short page said there
    // is no more.
    let pages = futures::stream::try_unfold(Some(None), move |before| {
        let (state, filter) = (state.clone(), filter.clone());
        async move {
            let Some(before) = before else {
                return Ok(None);
            };
            let rows = store::export_page(&state.db, &filter, before, EXPORT_PAGE).await?;
            let Some(last) = rows.last() else {
                return Ok(None);
            };
            let next = (rows.len() as u64 == EXPORT_PAGE).then_some(Some(last.id));
            let lines = rows
                .iter()
                .map(|r| Ok(export_record(customer_view(&state, r, full)?, tz)))
                .collect::<Result<Vec<_>, ApiError>>()?;
            let bytes = csv_export::encode(lines).map_err(ApiError::internal)?;
            Ok::<_, ApiError>(Some((bytes, next)))
        }
    });
    csv_export::download(name, &EXPORT_HEADER, pages).map_err(ApiError::internal)
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
    responses((status = 200, body = Customer),
              (status = 404, description = "`customer.not_found`", body = crm_api_types::Problem),
              (status = 409, description = "`customer.erased`: the customer was erased (right to be forgotten); nothing changes", body = crm_api_types::Problem),
              (status = 422, description = "`validation.failed`, `phone.invalid`", body = crm_api_types::Problem),
              (status = 403, description = "`auth.forbidden`", body = crm_api_types::Problem)))]
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

/// Paging of a customer's points ledger and purchases.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Page from 1 (default 1); beyond 1 000 000, page 1 000 000.
    pub page: Option<u64>,
    /// Page size, 1–200 (default 50).
    pub per_page: Option<u64>,
}

/// The customer (erased or not) or 404.
async fn existing(state: &AppState, id: i64) -> Result<store::Customer, ApiError> {
    store::find(&state.db, id)
        .await?
        .ok_or_else(customer_not_found)
}

/// The customer page's level history and coupons (held and used), newest first.
#[utoipa::path(tag = "customers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Customer id")),
    responses((status = 200, body = CustomerHistory, example = json!({
        "level_changes": [{"from_level": "SILVER", "to_level": "GOLD", "score": 62, "analysis_id": 7,
                           "changed_at": "2026-11-01T23:59:59Z"}],
        "coupons_held": [], "coupons_used": [{"code": "BIENVENUE", "sale_id": 120, "amount": 1500,
                           "at": "2026-11-20T10:12:00Z", "released_at": null}]})),
              (status = 404, description = "`customer.not_found`", body = crm_api_types::Problem),
              (status = 403, description = "`auth.forbidden`", body = crm_api_types::Problem)))]
#[get("/customers/{id}/history")]
pub async fn history(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<CustomerHistory>, ApiError> {
    caller.require(Capability::CrmRead)?;
    let row = existing(&state, *id).await?;
    let mut level_changes = store::level_changes(&state.db, row.id)
        .await?
        .into_iter()
        .map(|l| {
            let (from_level, to_level) = store::change_levels(&l)?;
            Ok(LevelChange {
                from_level,
                to_level,
                score: l.score,
                analysis_id: l.analysis_id,
                changed_at: l.changed_at,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    level_changes.reverse();
    let today = super::coupons::today(&state).await?;
    let mut coupons_held = crm_store::coupons::held_by(&state.db, row.id)
        .await?
        .iter()
        .map(|c| super::coupons::coupon_view(c, today))
        .collect::<Result<Vec<_>, _>>()?;
    coupons_held.reverse();
    let mut coupons_used: Vec<CouponUse> = crm_store::coupons::used_by_customer(&state.db, row.id)
        .await?
        .into_iter()
        .map(|(u, code)| CouponUse {
            code,
            sale_id: u.sale_id,
            amount: u.amount,
            at: u.at,
            released_at: u.released_at,
        })
        .collect();
    coupons_used.sort_by_key(|u| std::cmp::Reverse(u.at));
    Ok(web::Json(CustomerHistory {
        level_changes,
        coupons_held,
        coupons_used,
    }))
}

/// A page of the customer's points ledger, newest first.
#[utoipa::path(tag = "customers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Customer id"), PageQuery),
    responses((status = 200, body = PointsPage, example = json!({"items": [{"kind": "EARN", "points": 12,
        "sale_id": 120, "note": null, "at": "2026-11-20T10:12:00Z"}], "total": 1, "page": 1, "per_page": 50})),
              (status = 404, description = "`customer.not_found`", body = crm_api_types::Problem),
              (status = 403, description = "`auth.forbidden`", body = crm_api_types::Problem)))]
#[get("/customers/{id}/points")]
pub async fn points(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<PointsPage>, ApiError> {
    caller.require(Capability::CrmRead)?;
    let row = existing(&state, *id).await?;
    let Paging { page, per_page } = Paging::new(query.page, query.per_page, paging::BACK_OFFICE);
    let (entries, total) = store::points_page(&state.db, row.id, page, per_page).await?;
    Ok(web::Json(PointsPage {
        items: entries
            .into_iter()
            .map(|p| PointsMovement {
                kind: p.kind,
                points: p.points,
                sale_id: p.sale_id,
                note: p.note,
                at: p.created_at,
            })
            .collect(),
        total,
        page,
        per_page,
    }))
}

/// A page of the customer's purchases (every status), newest first.
#[utoipa::path(tag = "customers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Customer id"), PageQuery),
    responses((status = 200, body = PurchasePage, example = json!({"items": [{"id": 120,
        "ticket_number": "TKT-ABJ-PLATEAU-20261120-0012", "created_at": "2026-11-20T10:12:00Z",
        "status": "COMPLETED", "subtotal": 13500, "discounts": 1500, "total": 12000, "points_earned": 12}],
        "total": 1, "total_exact": true, "page": 1, "per_page": 50})),
              (status = 404, description = "`customer.not_found`", body = crm_api_types::Problem),
              (status = 403, description = "`auth.forbidden`", body = crm_api_types::Problem)))]
#[get("/customers/{id}/purchases")]
pub async fn purchases(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<PurchasePage>, ApiError> {
    caller.require(Capability::CrmRead)?;
    let row = existing(&state, *id).await?;
    let Paging { page, per_page } = Paging::new(query.page, query.per_page, paging::BACK_OFFICE);
    let (sales, total) = store::purchases_page(&state.db, row.id, page, per_page).await?;
    Ok(web::Json(PurchasePage {
        items: sales
            .iter()
            .map(|s| {
                Ok(Purchase {
                    id: s.id,
                    ticket_number: s.ticket_number.clone(),
                    created_at: s.created_at,
                    status: crm_store::sales::status_of(s)?,
                    subtotal: s.subtotal,
                    discounts: s.loyalty_discount + s.coupon_discount,
                    total: s.total,
                    points_earned: s.points_earned,
                })
            })
            .collect::<Result<_, ApiError>>()?,
        total,
        page,
        per_page,
    }))
}
