//! `/stores` and `/tills`: the chain's stores (name, city, address, IANA time zone) and
//! the tills of each. Administrators open and change them; the director reads them; the
//! till reads them too, to pick the till it sells at (SPA: once, then remembered).
//! A closed till takes no sale and keeps its past ones.

use crate::auth::Caller;
use crate::error::{field_error, on_conflict, ApiError};
use crate::startup::AppState;
use actix_web::{get, patch, post, web, HttpResponse};
use crm_api_types::{
    CreateStoreRequest, CreateTillRequest, FieldError, StoreView, TillView, UpdateStoreRequest,
    UpdateTillRequest,
};
use crm_domain::codes;
use crm_domain::Capability;
use crm_store::stores::{self, NewStore, StoreChanges};
use crm_store::StoreError;

fn till_view(t: &stores::Till) -> TillView {
    TillView {
        id: t.id,
        store_id: t.store_id,
        code: t.code.clone(),
        name: t.name.clone(),
        active: t.active,
    }
}

fn store_view(s: &stores::Store, tills: &[stores::Till]) -> StoreView {
    StoreView {
        id: s.id,
        code: s.code.clone(),
        name: s.name.clone(),
        city: s.city.clone(),
        address: s.address.clone(),
        timezone: s.timezone.clone(),
        tills: tills.iter().map(till_view).collect(),
    }
}

fn store_not_found() -> ApiError {
    ApiError::not_found(codes::STORE_NOT_FOUND, "Magasin introuvable.")
}

fn till_not_found() -> ApiError {
    ApiError::not_found(codes::TILL_NOT_FOUND, "Caisse introuvable.")
}

/// A code of `min..=max` upper-case ASCII letters, digits or inner dashes
/// (`ABJ-PLATEAU`, `C01`).
fn valid_code(code: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&code.len())
        && !code.starts_with('-')
        && !code.ends_with('-')
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

/// A required text of at most `max` characters, once trimmed.
fn check_text(errors: &mut Vec<FieldError>, field: &str, value: Option<&str>, max: usize) {
    if value.is_some_and(|v| v.trim().is_empty() || v.trim().chars().count() > max) {
        errors.push(field_error(
            field,
            codes::field::INVALID,
            &format!("Champ obligatoire, {max} caractères au plus."),
        ));
    }
}

/// Checks what a store's create or change carries.
fn check_store(
    errors: &mut Vec<FieldError>,
    name: Option<&str>,
    city: Option<&str>,
    address: Option<&str>,
    timezone: Option<&str>,
) {
    check_text(errors, "name", name, 100);
    check_text(errors, "city", city, 100);
    if address.is_some_and(|a| a.trim().chars().count() > 300) {
        errors.push(field_error(
            "address",
            codes::field::TOO_LONG,
            "Adresse de 300 caractères au plus.",
        ));
    }
    if timezone.is_some_and(|tz| tz.trim().parse::<chrono_tz::Tz>().is_err()) {
        errors.push(field_error(
            "timezone",
            codes::field::INVALID,
            "Fuseau horaire inconnu : un nom IANA comme « Africa/Abidjan ».",
        ));
    }
}

/// The stores and their tills, by code.
#[utoipa::path(tag = "stores", security(("bearer" = [])),
    responses((status = 200, body = Vec<StoreView>, example = json!([{"id": 1, "code": "ABJ-PLATEAU", "name": "Supermarché Plateau",
        "city": "Abidjan", "address": null, "timezone": "Africa/Abidjan",
        "tills": [{"id": 1, "store_id": 1, "code": "C01", "name": "Caisse 1", "active": true}]}]))))]
#[get("/stores")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<StoreView>>, ApiError> {
    caller.require_any(&[Capability::AdminRead, Capability::Pos])?;
    let rows = stores::list_with_tills(&state.db).await?;
    Ok(web::Json(
        rows.iter().map(|(s, tills)| store_view(s, tills)).collect(),
    ))
}

/// Opens a store (without tills: add them with `POST /stores/{id}/tills`), audited.
#[utoipa::path(tag = "stores", security(("bearer" = [])),
    request_body = CreateStoreRequest,
    responses((status = 201, body = StoreView),
              (status = 409, description = "`store.duplicate`: the code is taken", body = crm_api_types::Problem),
              (status = 422, description = "`validation.failed`: a bad code, name or city, an unknown time zone", body = crm_api_types::Problem)))]
#[post("/stores")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateStoreRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::AdminWrite)?;
    let body = body.into_inner();
    let code = body.code.trim().to_owned();
    let mut errors = Vec::new();
    if !valid_code(&code, 2, 12) {
        errors.push(field_error(
            "code",
            codes::field::INVALID,
            "Code de 2 à 12 lettres majuscules, chiffres ou tirets (ABJ-COCODY).",
        ));
    }
    check_store(
        &mut errors,
        Some(&body.name),
        Some(&body.city),
        body.address.as_deref(),
        Some(&body.timezone),
    );
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let created = stores::create(
        &state.db,
        NewStore {
            code,
            name: body.name.trim().to_owned(),
            city: body.city.trim().to_owned(),
            address: body
                .address
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty()),
            timezone: body.timezone.trim().to_owned(),
        },
        &caller.actor(),
    )
    .await
    .map_err(on_conflict(
        codes::STORE_DUPLICATE,
        "Un magasin porte déjà ce code.",
    ))?;
    Ok(HttpResponse::Created().json(store_view(&created, &[])))
}

/// Changes a store's name, city, address or time zone, audited. A new time zone moves
/// the store's business day from now on; past sales keep their day.
#[utoipa::path(tag = "stores", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Store id")),
    request_body = UpdateStoreRequest,
    responses((status = 200, body = StoreView),
              (status = 404, description = "`store.not_found`", body = crm_api_types::Problem),
              (status = 422, description = "`validation.failed`", body = crm_api_types::Problem)))]
#[patch("/stores/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Json<UpdateStoreRequest>,
) -> Result<web::Json<StoreView>, ApiError> {
    caller.require(Capability::AdminWrite)?;
    let body = body.into_inner();
    let mut errors = Vec::new();
    check_store(
        &mut errors,
        body.name.as_deref(),
        body.city.as_deref(),
        body.address.as_deref(),
        body.timezone.as_deref(),
    );
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let trim = |v: Option<String>| v.map(|v| v.trim().to_owned());
    let changes = StoreChanges {
        name: trim(body.name),
        city: trim(body.city),
        address: trim(body.address),
        timezone: trim(body.timezone),
    };
    let id = id.into_inner();
    let updated = stores::update(&state.db, id, changes, &caller.actor())
        .await
        .map_err(|e| match e {
            StoreError::NotFound => store_not_found(),
            other => other.into(),
        })?;
    // The business day of identify, the quote and the back office follows at once.
    state.calendar.forget();
    let tills = stores::list_with_tills(&state.db)
        .await?
        .into_iter()
        .find(|(s, _)| s.id == id)
        .map(|(_, t)| t)
        .unwrap_or_default();
    Ok(web::Json(store_view(&updated, &tills)))
}

/// Adds a till to a store, audited.
#[utoipa::path(tag = "stores", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Store id")),
    request_body = CreateTillRequest,
    responses((status = 201, body = TillView),
              (status = 404, description = "`store.not_found`", body = crm_api_types::Problem),
              (status = 409, description = "`till.duplicate`: the store has a till of this code", body = crm_api_types::Problem),
              (status = 422, description = "`validation.failed`", body = crm_api_types::Problem)))]
#[post("/stores/{id}/tills")]
pub async fn create_till(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Json<CreateTillRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::AdminWrite)?;
    let body = body.into_inner();
    let code = body.code.trim().to_owned();
    let mut errors = Vec::new();
    if !valid_code(&code, 1, 12) {
        errors.push(field_error(
            "code",
            codes::field::INVALID,
            "Code de 1 à 12 lettres majuscules, chiffres ou tirets (C02).",
        ));
    }
    check_text(&mut errors, "name", Some(&body.name), 100);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let created = stores::create_till(
        &state.db,
        id.into_inner(),
        code,
        body.name.trim().to_owned(),
        &caller.actor(),
    )
    .await
    .map_err(|e| match e {
        StoreError::NotFound => store_not_found(),
        other => on_conflict(
            codes::TILL_DUPLICATE,
            "Ce magasin a déjà une caisse de ce code.",
        )(other),
    })?;
    Ok(HttpResponse::Created().json(till_view(&created)))
}

/// Renames a till, closes it (it takes no sale from now on) or reopens it, audited.
#[utoipa::path(tag = "stores", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Till id")),
    request_body = UpdateTillRequest,
    responses((status = 200, body = TillView),
              (status = 404, description = "`till.not_found`", body = crm_api_types::Problem),
              (status = 422, description = "`validation.failed`", body = crm_api_types::Problem)))]
#[patch("/tills/{id}")]
pub async fn update_till(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Json<UpdateTillRequest>,
) -> Result<web::Json<TillView>, ApiError> {
    caller.require(Capability::AdminWrite)?;
    let body = body.into_inner();
    let mut errors = Vec::new();
    check_text(&mut errors, "name", body.name.as_deref(), 100);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let updated = stores::update_till(
        &state.db,
        id.into_inner(),
        body.name.map(|n| n.trim().to_owned()),
        body.active,
        &caller.actor(),
    )
    .await
    .map_err(|e| match e {
        StoreError::NotFound => till_not_found(),
        other => other.into(),
    })?;
    Ok(web::Json(till_view(&updated)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_short_upper_case_words() {
        assert!(super::valid_code("ABJ02", 2, 12));
        assert!(!super::valid_code("abj02", 2, 12));
        assert!(!super::valid_code("A", 2, 12));
        assert!(!super::valid_code("ABJ 02", 2, 12));
        assert!(super::valid_code("ABJ-PLATEAU", 2, 12));
        assert!(!super::valid_code("-ABJ", 2, 12));
    }
}
