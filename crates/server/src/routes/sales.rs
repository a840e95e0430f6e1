//! `/sales`: checkout at the till, receipts, refunds and cancellations, and the
//! cashier's history ("Mes ventes").

use crate::auth::Caller;
use crate::checkout::{checkout, receipt, Checkout};
use crate::error::{unprocessable, ApiError};
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use crm_api_types::{
    CreateSaleRequest, DayRevenue, PaymentSplit, Receipt, RefundSaleRequest, ReverseSaleRequest,
    SaleListItem, SalesHistory, SalesSummary, Seller, TopProduct,
};
use crm_domain::codes;
use crm_domain::period::Period;
use crm_domain::sale::{PaymentMethod, SaleStatus};
use crm_domain::{Capability, Money};
use crm_store::sales::{self as store, HistoryScope, Reversal, Undo};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::str::FromStr;
use utoipa::IntoParams;

fn staff_only() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        codes::AUTH_STAFF_ONLY,
        "Cette action est réservée au personnel connecté.",
    )
}

/// The staff member behind the call: histories belong to a cashier.
fn staff_id(caller: &Caller) -> Result<i64, ApiError> {
    caller.0.uid.ok_or_else(staff_only)
}

/// Who a sale made by this caller belongs to: the staff member, or for a service account
/// with the `pos` scope, the technical user it sells as (`store::service_seller`).
async fn seller_id(state: &AppState, caller: &Caller) -> Result<i64, ApiError> {
    if let Some(uid) = caller.0.uid {
        return Ok(uid);
    }
    match caller.0.cid.as_deref() {
        Some(client_id) if caller.can(Capability::Pos) => {
            store::service_seller(&state.db, client_id)
                .await?
                .ok_or_else(staff_only)
        }
        _ => Err(staff_only()),
    }
}

/// The `Idempotency-Key` of a checkout: required (428 without one, or with a blank one).
fn idempotency_key(req: &HttpRequest) -> Result<String, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Err(key_required());
    };
    let key = value.to_str().map_err(|_| invalid_key())?.trim();
    if key.is_empty() {
        return Err(key_required());
    }
    if key.len() > 100 {
        return Err(invalid_key());
    }
    Ok(key.to_owned())
}

fn key_required() -> ApiError {
    ApiError::new(
        StatusCode::PRECONDITION_REQUIRED,
        codes::IDEMPOTENCY_KEY_REQUIRED,
        "En-tête Idempotency-Key obligatoire : la caisse donne une clé unique à chaque panier \
         et la renvoie telle quelle si elle réessaie.",
    )
}

fn invalid_key() -> ApiError {
    unprocessable(
        codes::IDEMPOTENCY_INVALID_KEY,
        "En-tête Idempotency-Key invalide (1 à 100 caractères).",
    )
}

/// Cashiers reach their own sales only; managers and `sales:read` reach all.
fn may_see(caller: &Caller, cashier_id: i64) -> Result<(), ApiError> {
    if caller.can(Capability::AllSales)
        || (caller.can(Capability::OwnSales) && caller.0.uid == Some(cashier_id))
    {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        codes::AUTH_FORBIDDEN,
        "Accès refusé : cette vente n'est pas la vôtre.",
    ))
}

/// Records a checkout. Prices come from the catalogue; discounts, VAT, points and change
/// are computed here; everything is written in one transaction.
///
/// The `Idempotency-Key` is looked up first: a key already used by this seller returns
/// the first receipt (200) and writes nothing, whatever changed since (coupon spent,
/// product withdrawn or repriced, customer erased, till closed); the same key with
/// another basket is 409. Without a key the sale is refused (428): it could never be
/// retried safely.
#[utoipa::path(tag = "sales", security(("bearer" = [])),
    request_body = CreateSaleRequest,
    params(("Idempotency-Key" = String, Header, description = "Required. One key per basket, sent again unchanged when the till retries: the first receipt is returned")),
    responses((status = 201, body = Receipt), (status = 200, description = "Replay of an earlier request with this key", body = Receipt),
              (status = 403, description = "`auth.forbidden`, `auth.staff_only`", body = crm_api_types::Problem),
              (status = 409, description = "`idempotency.conflict`, `coupon.*_cap_reached`", body = crm_api_types::Problem),
              (status = 422, description = "`sale.*`, `payment.*`, `product.not_found`, `customer.not_found`, `idempotency.invalid_key`", body = crm_api_types::Problem),
              (status = 428, description = "`idempotency.key_required`", body = crm_api_types::Problem)))]
#[post("/sales")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<CreateSaleRequest>,
) -> Result<HttpResponse, ApiError> {
    // Parse and guard here; the checkout itself is `crate::checkout` (this doc comment is
    // the operation's description in the OpenAPI document).
    caller.require(Capability::Pos)?;
    let key = idempotency_key(&req)?;
    let seller = seller_id(&state, &caller).await?;
    let policy = state.loyalty_policy.current(&state.db).await?;
    match checkout(&state.db, &policy, seller, body.into_inner(), &key).await? {
        Checkout::Recorded(receipt) => Ok(HttpResponse::Created().json(receipt)),
        Checkout::Replayed(receipt) => Ok(HttpResponse::Ok().json(receipt)),
    }
}

/// A receipt (reprint).
#[utoipa::path(tag = "sales", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Sale id")),
    responses((status = 200, body = Receipt), (status = 403, body = crm_api_types::Problem), (status = 404, body = crm_api_types::Problem)))]
#[get("/sales/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<Receipt>, ApiError> {
    caller.require_any(&[Capability::OwnSales, Capability::AllSales])?;
    let (detail, receipt) = receipt::load(&state.db, *id).await?;
    may_see(&caller, detail.sale.cashier_id)?;
    Ok(web::Json(receipt))
}

/// Whose key a till asks about.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ByKeyQuery {
    /// The seller who used the key (managers only; default: the caller).
    pub cashier_id: Option<i64>,
}

/// "What became of my key?": the receipt of the sale recorded under an `Idempotency-Key`,
/// for a till that lost the answer to its checkout. 404 means the server never recorded
/// it: the till may send the basket again with the same key.
#[utoipa::path(tag = "sales", security(("bearer" = [])),
    params(("key" = String, Path, description = "The `Idempotency-Key` the checkout was sent with"), ByKeyQuery),
    responses((status = 200, body = Receipt),
              (status = 403, description = "`auth.forbidden`, `auth.staff_only`", body = crm_api_types::Problem),
              (status = 404, description = "`sale.not_found`: no sale under this key", body = crm_api_types::Problem)))]
#[get("/sales/by-key/{key}")]
pub async fn by_key(
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
    query: web::Query<ByKeyQuery>,
) -> Result<web::Json<Receipt>, ApiError> {
    caller.require(Capability::Pos)?;
    let own = seller_id(&state, &caller).await?;
    let cashier_id = match query.cashier_id {
        Some(other) if other != own => {
            caller.require(Capability::AllSales)?;
            other
        }
        _ => own,
    };
    let sale = store::by_idempotency_key(&state.db, cashier_id, key.trim())
        .await?
        .ok_or_else(|| {
            ApiError::not_found(codes::SALE_NOT_FOUND, "Aucune vente sous cette clé.")
        })?;
    Ok(web::Json(receipt::load(&state.db, sale.id).await?.1))
}

fn reason_of(reason: &str) -> Result<&str, ApiError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(unprocessable(
            codes::VALIDATION_FAILED,
            "Indiquez le motif (500 caractères au plus).",
        ));
    }
    Ok(reason)
}

/// The store-local day it is now where the sale was made.
fn business_day(detail: &store::SaleDetail) -> Result<chrono::NaiveDate, ApiError> {
    Ok(crm_store::stores::business_date_of(&detail.store)?.date())
}

async fn reverse(
    state: &AppState,
    caller: &Caller,
    id: i64,
    undo: Undo,
    reason: &str,
) -> Result<web::Json<Receipt>, ApiError> {
    match store::reverse(&state.db, id, &undo, &caller.actor(), reason).await? {
        Reversal::Reversed(_) => Ok(web::Json(receipt::load(&state.db, id).await?.1)),
        Reversal::AlreadyReversed(sale) => Err(ApiError::conflict(
            codes::SALE_ALREADY_REVERSED,
            format!(
                "Cette vente est déjà {}.",
                if store::status_of(&sale)? == SaleStatus::Refunded {
                    "remboursée"
                } else {
                    "annulée"
                }
            ),
        )),
    }
}

/// Refunds a sale, of any day: a director's or an admin's decision (a cashier cancels
/// their own sale on its day instead). The money goes back the way it was paid unless
/// the body names one method; it shows as money out in the totals of the refund's day.
/// Points, spend and visits are taken back, the coupon use released; audited.
#[utoipa::path(tag = "sales", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Sale id")), request_body = RefundSaleRequest,
    responses((status = 200, body = Receipt),
              (status = 403, description = "`auth.forbidden`; `sale.refund_needs_manager` for a cashier", body = crm_api_types::Problem),
              (status = 404, description = "`sale.not_found`", body = crm_api_types::Problem),
              (status = 409, description = "`sale.already_reversed`", body = crm_api_types::Problem),
              (status = 422, description = "`validation.failed`, `payment.method_invalid`", body = crm_api_types::Problem)))]
#[post("/sales/{id}/refund")]
pub async fn refund(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Json<RefundSaleRequest>,
) -> Result<web::Json<Receipt>, ApiError> {
    caller.require_any(&[Capability::Refund, Capability::Pos])?;
    if !caller.can(Capability::Refund) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            codes::SALE_REFUND_NEEDS_MANAGER,
            "Un remboursement est réservé au directeur ou à l'administrateur ; \
             le jour de la vente, le caissier l'annule.",
        ));
    }
    let reason = reason_of(&body.reason)?;
    let method = match body.method.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(typed) => Some(PaymentMethod::from_str(typed).map_err(|_| {
            unprocessable(
                codes::PAYMENT_METHOD_INVALID,
                format!("Moyen de paiement inconnu « {typed} »."),
            )
        })?),
    };
    let (detail, _) = receipt::load(&state.db, *id).await?;
    let undo = Undo::Refund {
        business_date: business_day(&detail)?,
        method,
    };
    reverse(&state, &caller, *id, undo, reason).await
}

/// Cancels a sale on its business day (store's time zone): a cashier their own, an admin
/// any; afterwards it takes a refund.
#[utoipa::path(tag = "sales", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Sale id")), request_body = ReverseSaleRequest,
    responses((status = 200, body = Receipt),
              (status = 403, description = "`auth.forbidden`", body = crm_api_types::Problem),
              (status = 404, description = "`sale.not_found`", body = crm_api_types::Problem),
              (status = 409, description = "`sale.already_reversed`, `sale.cancel_too_late`", body = crm_api_types::Problem),
              (status = 422, description = "`validation.failed`", body = crm_api_types::Problem)))]
#[post("/sales/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Json<ReverseSaleRequest>,
) -> Result<web::Json<Receipt>, ApiError> {
    caller.require(Capability::Pos)?;
    let own = seller_id(&state, &caller).await?;
    let reason = reason_of(&body.reason)?;
    let (detail, _) = receipt::load(&state.db, *id).await?;
    // A cashier cancels only their own sales; an admin any.
    if !(caller.can(Capability::AdminWrite) || own == detail.sale.cashier_id) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            codes::AUTH_FORBIDDEN,
            "Accès refusé : cette vente n'est pas la vôtre.",
        ));
    }
    if detail.sale.business_date != business_day(&detail)? {
        return Err(ApiError::conflict(
            codes::SALE_CANCEL_TOO_LATE,
            "Une vente ne s'annule que le jour même : demandez un remboursement à un responsable.",
        ));
    }
    reverse(&state, &caller, *id, Undo::Cancel, reason).await
}

/// Period and paging of the sales history.
#[derive(Debug, Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// `today`, `week`, `month`, `7d`, `30d` or `custom` (default `today`).
    pub period: Option<String>,
    /// First day of a custom period (YYYY-MM-DD).
    pub from: Option<chrono::NaiveDate>,
    /// Last day of a custom period (inclusive).
    pub to: Option<chrono::NaiveDate>,
    /// One cashier (another than the caller: managers only). On `GET /sales`, leaving it
    /// out gives the whole store: every seller's sales.
    pub cashier_id: Option<i64>,
    /// Page from 1 (default 1); beyond 1 000 000, page 1 000 000.
    pub page: Option<u64>,
    /// Page size 1–100 (default 20).
    pub per_page: Option<u64>,
}

async fn history(
    state: &AppState,
    caller: &Caller,
    query: HistoryQuery,
    cashier_id: Option<i64>,
) -> Result<SalesHistory, ApiError> {
    let kind = query.period.as_deref().unwrap_or("today");
    let period = Period::parse(kind, query.from, query.to)?;
    let tz = match store::till_and_store(&state.db, None).await? {
        Some((_, shop)) => crm_store::stores::time_zone_of(&shop)?,
        None => chrono_tz::Africa::Abidjan,
    };
    let range = period.range(Utc::now(), tz);
    let first_day = range.days.first().copied().unwrap_or_default();
    let last_day = range.days.last().copied().unwrap_or(first_day);
    let scope = HistoryScope {
        cashier_id,
        start: range.start_utc,
        end: range.end_utc,
        first_day,
        last_day,
    };
    let super::paging::Paging { page, per_page } = super::paging::Paging::new(
        query.page,
        query.per_page,
        super::paging::PageSize {
            default: 20,
            max: 100,
        },
    );
    let _ = caller;
    let takings = store::summary(&state.db, scope).await?;
    let by_day = store::per_day(&state.db, scope).await?;
    let per_day = range
        .days
        .iter()
        .map(|day| {
            let found = by_day
                .iter()
                .find(|(d, _)| d == day)
                .map(|(_, t)| *t)
                .unwrap_or_default();
            DayRevenue {
                date: *day,
                revenue: found.revenue,
                sales_count: found.sales_count,
                refunded: found.refunded,
            }
        })
        .collect();
    let top_products = store::top_products(&state.db, scope)
        .await?
        .into_iter()
        .map(|(product_id, name, quantity, revenue)| TopProduct {
            product_id,
            name,
            quantity,
            revenue,
        })
        .collect();
    let payment_split = store::payment_split(&state.db, scope)
        .await?
        .into_iter()
        .map(|(method, amount, count, refunded)| PaymentSplit {
            method,
            amount,
            count,
            refunded,
        })
        .collect();
    let (rows, total) = store::list(&state.db, scope, page, per_page).await?;
    let sales = rows
        .into_iter()
        .map(|row| {
            Ok(SaleListItem {
                status: store::status_of(&row.sale)?,
                id: row.sale.id,
                ticket_number: row.sale.ticket_number,
                created_at: row.sale.created_at,
                total: row.sale.total,
                customer_number: row.customer_number,
                cashier_name: row.cashier_name,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    let average_basket = if takings.sales_count > 0 {
        Money::round(Decimal::from(takings.revenue) / Decimal::from(takings.sales_count)).francs()
    } else {
        0
    };
    Ok(SalesHistory {
        cashier_id,
        period: period.as_str().to_owned(),
        from: first_day,
        to: last_day,
        summary: SalesSummary {
            sales_count: takings.sales_count,
            revenue: takings.revenue,
            discounts: takings.discounts,
            average_basket,
            refunds_count: takings.refunds_count,
            refunded: takings.refunded,
            net_revenue: takings.revenue - takings.refunded,
        },
        per_day,
        top_products,
        payment_split,
        sales,
        total,
        page,
        per_page,
    })
}

/// "Mes ventes": the caller's sales for a period (managers may pass `cashier_id`).
#[utoipa::path(tag = "sales", security(("bearer" = [])),
    params(HistoryQuery),
    responses((status = 200, body = SalesHistory), (status = 422, description = "`period.invalid`", body = crm_api_types::Problem)))]
#[get("/sales/mine")]
pub async fn mine(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<HistoryQuery>,
) -> Result<web::Json<SalesHistory>, ApiError> {
    caller.require(Capability::OwnSales)?;
    let query = query.into_inner();
    let cashier_id = match query.cashier_id {
        Some(other) if caller.0.uid != Some(other) => {
            caller.require(Capability::AllSales)?;
            other
        }
        _ => staff_id(&caller)?,
    };
    Ok(web::Json(
        history(&state, &caller, query, Some(cashier_id)).await?,
    ))
}

/// The store's sales for a period, every seller's (or one cashier's with `cashier_id`),
/// for managers and integrators.
#[utoipa::path(tag = "sales", security(("bearer" = [])),
    params(HistoryQuery),
    responses((status = 200, body = SalesHistory), (status = 422, description = "`period.invalid`", body = crm_api_types::Problem)))]
#[get("/sales")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<HistoryQuery>,
) -> Result<web::Json<SalesHistory>, ApiError> {
    caller.require(Capability::AllSales)?;
    let query = query.into_inner();
    let cashier_id = query.cashier_id;
    Ok(web::Json(
        history(&state, &caller, query, cashier_id).await?,
    ))
}

/// Who sells, by name: the cashier picker of a manager's sales history (cashiers,
/// admins, and anyone with sales on record).
#[utoipa::path(tag = "sales", security(("bearer" = [])),
    responses((status = 200, body = [Seller], example = json!([{"id": 1, "name": "Awa Koné"}, {"id": 5, "name": "Caissier 001"}])),
              (status = 403, description = "`auth.forbidden`", body = crm_api_types::Problem)))]
#[get("/sales/sellers")]
pub async fn sellers(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<Seller>>, ApiError> {
    caller.require(Capability::AllSales)?;
    let sellers = store::sellers(&state.db)
        .await?
        .into_iter()
        .map(|(id, name)| Seller { id, name })
        .collect();
    Ok(web::Json(sellers))
}
