//! The JSON API client: same origin, `/api/v1`, bearer token, one refresh on a 401.

use std::rc::Rc;

use crm_api_types::loyalty::{Analysis, AnalysisPage, LoyaltyStats, MovePage, StartAnalysis};
use crm_api_types::{
    AuditPage, Customer, CustomerHistory, PointsPage, PurchasePage, UpdateCustomerRequest,
};
use crm_api_types::{
    BulkIssueRequest, ChangePasswordRequest, Coupon, CouponPage, CreateCouponRequest,
    CreateCustomerRequest, CreateSaleRequest, CustomerPage, CustomerProfile, IdentifyRequest, Job,
    KpiDashboard, LoginRequest, LoginResponse, MeResponse, Problem, ProductPage, QuoteRequest,
    QuoteResponse, Receipt, RedemptionPage, RefreshRequest, SalesHistory, Seller,
};
use crm_api_types::{
    CreateProductRequest, CreateStoreRequest, CreateTillRequest, CreateUserRequest, CreatedUser,
    PasswordResetResponse, PriceListReport, Product, StaffAccount, StaffPage, StoreView, TillView,
    UpdateProductRequest, UpdateStoreRequest, UpdateTillRequest, UpdateUserRequest,
};
use futures::lock::Mutex;
use gloo_net::http::{Request, Response};
use gloo_storage::{SessionStorage, Storage};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crm_domain::loyalty::{LoyaltyPolicy, MoveKind};

use crate::auth::{Auth, Session};
use crate::i18n::{lookup, text, Lang};

/// Prefix of every API path; the SPA is served from the same origin.
const BASE: &str = "/api/v1";

/// Set when the session ended on its own, so the login page can say why.
pub const FLASH_EXPIRED: &str = "crm.flash.expired";

/// Why a call failed.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// The server answered with problem details.
    Problem(Box<Problem>),
    /// The server answered with an error status and no problem details (proxy, static server).
    Http(u16),
    /// No answer (server down, network cut, unreadable body).
    Network(String),
    /// The token was refused and could not be refreshed: the session is gone.
    SessionExpired,
}

impl ApiError {
    /// The problem's stable code, if the server sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Problem(p) => Some(&p.code),
            _ => None,
        }
    }

    /// The HTTP status of a server error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Problem(p) => Some(p.status),
            ApiError::Http(status) => Some(*status),
            _ => None,
        }
    }

    /// What to show: the server's French `detail`, or the English text for its code.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ApiError::Problem(p) => {
                let known = lookup(lang, &format!("error.{}", p.code));
                match (lang, known) {
                    (Lang::Fr, _) if !p.detail.trim().is_empty() => p.detail.clone(),
                    (_, Some(t)) => t.to_string(),
                    _ if !p.detail.trim().is_empty() => p.detail.clone(),
                    _ => text(lang, "error.unexpected").to_string(),
                }
            }
            ApiError::Http(_) => text(lang, "error.unexpected").to_string(),
            ApiError::Network(_) => text(lang, "error.network").to_string(),
            ApiError::SessionExpired => text(lang, "error.session_expired").to_string(),
        }
    }
}

#[derive(Clone, Copy)]
enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

/// One HTTP exchange, no retry.
async fn send_raw(
    method: Method,
    path: &str,
    body: Option<&str>,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> Result<Response, ApiError> {
    let url = format!("{BASE}{path}");
    let mut builder = match method {
        Method::Get => Request::get(&url),
        Method::Post => Request::post(&url),
        Method::Put => Request::put(&url),
        Method::Patch => Request::patch(&url),
        Method::Delete => Request::delete(&url),
    }
    .header("Accept", "application/json, application/problem+json");
    if let Some(token) = token {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    let typed = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    let request = match body {
        Some(body) if typed => builder.body(body.to_string()),
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body.to_string()),
        None => builder.build(),
    }
    .map_err(|e| ApiError::Network(e.to_string()))?;
    request
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))
}

/// Turns an answer into `T`, or into the problem it carries.
async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        return response
            .json::<T>()
            .await
            .map_err(|e| ApiError::Network(e.to_string()));
    }
    Err(problem_of(response).await)
}

async fn problem_of(response: Response) -> ApiError {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    match serde_json::from_str::<Problem>(&body) {
        Ok(problem) => ApiError::Problem(Box::new(problem)),
        Err(_) => ApiError::Http(status),
    }
}

fn to_json<B: Serialize>(body: &B) -> Result<String, ApiError> {
    serde_json::to_string(body).map_err(|e| ApiError::Network(e.to_string()))
}

thread_local! {
    /// One refresh at a time: the refresh token is single-use.
    static REFRESH_LOCK: Rc<Mutex<()>> = Rc::new(Mutex::new(()));
}

/// Gets a new access token after `stale` was refused. `true` when there is a usable one.
async fn refresh(auth: Auth, stale: &str) -> bool {
    let lock = REFRESH_LOCK.with(Rc::clone);
    let _guard = lock.lock().await;
    let Some(session) = auth.session_untracked() else {
        return false;
    };
    if session.access_token != stale {
        // Another call refreshed while this one waited.
        return true;
    }
    let Ok(body) = to_json(&RefreshRequest {
        refresh_token: session.refresh_token,
    }) else {
        return false;
    };
    match send_raw(Method::Post, "/auth/refresh", Some(&body), None, &[]).await {
        Ok(response) if response.ok() => match response.json::<LoginResponse>().await {
            Ok(tokens) => {
                auth.set(Session::from(tokens));
                true
            }
            Err(_) => false,
        },
        _ => false,
    }
}

/// The session is over: forget it (the shell then goes back to the login page).
fn expire(auth: Auth) {
    let _ = SessionStorage::set(FLASH_EXPIRED, true);
    auth.clear();
}

/// A call with the bearer token; on a 401, one refresh and one retry.
async fn authed<T: DeserializeOwned>(
    auth: Auth,
    method: Method,
    path: &str,
    body: Option<String>,
) -> Result<T, ApiError> {
    authed_with(auth, method, path, body, &[]).await
}

/// [`authed`] with extra request headers.
async fn authed_with<T: DeserializeOwned>(
    auth: Auth,
    method: Method,
    path: &str,
    body: Option<String>,
    headers: &[(&str, &str)],
) -> Result<T, ApiError> {
    decode(authed_response(auth, method, path, body.as_deref(), headers).await?).await
}

/// The raw answer to a call with the bearer token (one refresh and one retry on a 401).
async fn authed_response(
    auth: Auth,
    method: Method,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> Result<Response, ApiError> {
    let Some(session) = auth.session_untracked() else {
        return Err(ApiError::SessionExpired);
    };
    let response = send_raw(method, path, body, Some(&session.access_token), headers).await?;
    if response.status() != 401 {
        return Ok(response);
    }
    if !refresh(auth, &session.access_token).await {
        expire(auth);
        return Err(ApiError::SessionExpired);
    }
    let Some(session) = auth.session_untracked() else {
        return Err(ApiError::SessionExpired);
    };
    let response = send_raw(method, path, body, Some(&session.access_token), headers).await?;
    if response.status() == 401 {
        expire(auth);
        return Err(ApiError::SessionExpired);
    }
    Ok(response)
}

/// `POST /auth/login`.
pub async fn login(username: String, password: String) -> Result<LoginResponse, ApiError> {
    let body = to_json(&LoginRequest { username, password })?;
    let response = send_raw(Method::Post, "/auth/login", Some(&body), None, &[]).await?;
    decode(response).await
}

/// `POST /auth/logout`, then forget the session whatever the answer.
pub async fn logout(auth: Auth) {
    if let Some(session) = auth.session_untracked() {
        if let Ok(body) = to_json(&RefreshRequest {
            refresh_token: session.refresh_token,
        }) {
            let _ = send_raw(
                Method::Post,
                "/auth/logout",
                Some(&body),
                Some(&session.access_token),
                &[],
            )
            .await;
        }
    }
    auth.clear();
}

/// `POST /auth/password`: the new session that replaces this one.
pub async fn change_password(
    auth: Auth,
    current_password: String,
    new_password: String,
) -> Result<LoginResponse, ApiError> {
    let body = to_json(&ChangePasswordRequest {
        current_password,
        new_password,
    })?;
    authed(auth, Method::Post, "/auth/password", Some(body)).await
}

/// `GET /me`.
pub async fn me(auth: Auth) -> Result<MeResponse, ApiError> {
    authed(auth, Method::Get, "/me", None).await
}

/// `POST /customers/identify`.
pub async fn identify(auth: Auth, phone: String) -> Result<CustomerProfile, ApiError> {
    let body = to_json(&IdentifyRequest { phone })?;
    authed(auth, Method::Post, "/customers/identify", Some(body)).await
}

/// `POST /customers` (creates, or finds the customer who already has this phone).
pub async fn create_customer(
    auth: Auth,
    request: CreateCustomerRequest,
) -> Result<CustomerProfile, ApiError> {
    let body = to_json(&request)?;
    authed(auth, Method::Post, "/customers", Some(body)).await
}

/// `GET /customers?q=`: the first 8 customers matching a name, a customer number or a
/// phone (back office).
pub async fn search_customers(auth: Auth, q: &str) -> Result<CustomerPage, ApiError> {
    let path = format!("/customers?q={}&per_page=8", encode(q));
    authed(auth, Method::Get, &path, None).await
}

/// Percent-encodes a query-string value.
pub fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

/// `GET /products?barcode=`: the product with this EAN-13, if any.
pub async fn product_by_barcode(auth: Auth, barcode: &str) -> Result<ProductPage, ApiError> {
    let path = format!("/products?barcode={}", encode(barcode));
    authed(auth, Method::Get, &path, None).await
}

/// `GET /products?q=`: search by name or SKU.
pub async fn search_products(auth: Auth, q: &str) -> Result<ProductPage, ApiError> {
    let path = format!("/products?q={}&per_page=8", encode(q));
    authed(auth, Method::Get, &path, None).await
}

// Administration (issue 13): staff accounts, stores and tills, the catalogue.

/// `GET /users?…`: `query` is the query string without `?`.
pub async fn users(auth: Auth, query: &str) -> Result<StaffPage, ApiError> {
    authed(auth, Method::Get, &format!("/users?{query}"), None).await
}

/// `POST /users`: the account and its temporary password, shown once.
pub async fn create_user(auth: Auth, request: &CreateUserRequest) -> Result<CreatedUser, ApiError> {
    let body = to_json(request)?;
    authed(auth, Method::Post, "/users", Some(body)).await
}

/// `PATCH /users/{id}`: role, active flag, default store.
pub async fn update_user(
    auth: Auth,
    id: i64,
    request: &UpdateUserRequest,
) -> Result<StaffAccount, ApiError> {
    let body = to_json(request)?;
    authed(auth, Method::Patch, &format!("/users/{id}"), Some(body)).await
}

/// `POST /users/{id}/reset-password`: a temporary password, shown once.
pub async fn reset_password(auth: Auth, id: i64) -> Result<PasswordResetResponse, ApiError> {
    authed(
        auth,
        Method::Post,
        &format!("/users/{id}/reset-password"),
        None,
    )
    .await
}

/// `GET /stores`: the stores and their tills.
pub async fn stores(auth: Auth) -> Result<Vec<StoreView>, ApiError> {
    authed(auth, Method::Get, "/stores", None).await
}

/// `POST /stores`.
pub async fn create_store(auth: Auth, request: &CreateStoreRequest) -> Result<StoreView, ApiError> {
    let body = to_json(request)?;
    authed(auth, Method::Post, "/stores", Some(body)).await
}

/// `PATCH /stores/{id}`.
pub async fn update_store(
    auth: Auth,
    id: i64,
    request: &UpdateStoreRequest,
) -> Result<StoreView, ApiError> {
    let body = to_json(request)?;
    authed(auth, Method::Patch, &format!("/stores/{id}"), Some(body)).await
}

/// `POST /stores/{id}/tills`.
pub async fn create_till(
    auth: Auth,
    store_id: i64,
    request: &CreateTillRequest,
) -> Result<TillView, ApiError> {
    let body = to_json(request)?;
    let path = format!("/stores/{store_id}/tills");
    authed(auth, Method::Post, &path, Some(body)).await
}

/// `PATCH /tills/{id}`: rename, close or reopen.
pub async fn update_till(
    auth: Auth,
    id: i64,
    request: &UpdateTillRequest,
) -> Result<TillView, ApiError> {
    let body = to_json(request)?;
    authed(auth, Method::Patch, &format!("/tills/{id}"), Some(body)).await
}

/// `GET /products?…` for the back office (`query` without `?`).
pub async fn products(auth: Auth, query: &str) -> Result<ProductPage, ApiError> {
    authed(auth, Method::Get, &format!("/products?{query}"), None).await
}

/// `POST /products`.
pub async fn create_product(
    auth: Auth,
    request: &CreateProductRequest,
) -> Result<Product, ApiError> {
    let body = to_json(request)?;
    authed(auth, Method::Post, "/products", Some(body)).await
}

/// `PATCH /products/{id}`.
pub async fn update_product(
    auth: Auth,
    id: i64,
    request: &UpdateProductRequest,
) -> Result<Product, ApiError> {
    let body = to_json(request)?;
    authed(auth, Method::Patch, &format!("/products/{id}"), Some(body)).await
}

/// `POST /products/price-list`: the file's report; `apply` writes it.
pub async fn price_list(auth: Auth, csv: String, apply: bool) -> Result<PriceListReport, ApiError> {
    let path = format!("/products/price-list?apply={apply}");
    authed_with(
        auth,
        Method::Post,
        &path,
        Some(csv),
        &[("Content-Type", "text/csv; charset=utf-8")],
    )
    .await
}

/// `POST /sales` with its `Idempotency-Key` (a retry with the same key returns the first
/// receipt).
pub async fn create_sale(
    auth: Auth,
    idempotency_key: &str,
    request: &CreateSaleRequest,
) -> Result<Receipt, ApiError> {
    let body = to_json(request)?;
    authed_with(
        auth,
        Method::Post,
        "/sales",
        Some(body),
        &[("Idempotency-Key", idempotency_key)],
    )
    .await
}

/// `GET /sales/by-key/{key}`: the sale recorded under this `Idempotency-Key`, for a till
/// that lost the answer to its checkout (404 `sale.not_found`: never recorded).
pub async fn sale_by_key(auth: Auth, key: &str) -> Result<Receipt, ApiError> {
    let path = format!("/sales/by-key/{}", encode(key));
    authed(auth, Method::Get, &path, None).await
}

/// `GET /sales/{id}`: a receipt, to reprint.
pub async fn sale(auth: Auth, id: i64) -> Result<Receipt, ApiError> {
    authed(auth, Method::Get, &format!("/sales/{id}"), None).await
}

/// `GET /sales/mine?…`: `query` is the query string without `?`.
pub async fn my_sales(auth: Auth, query: &str) -> Result<SalesHistory, ApiError> {
    authed(auth, Method::Get, &format!("/sales/mine?{query}"), None).await
}

/// `GET /sales?…`: the store's sales (every seller, or `cashier_id=`), for managers.
pub async fn store_sales(auth: Auth, query: &str) -> Result<SalesHistory, ApiError> {
    authed(auth, Method::Get, &format!("/sales?{query}"), None).await
}

/// `GET /sales/sellers`: who a manager may pick in the sales history.
pub async fn sellers(auth: Auth) -> Result<Vec<Seller>, ApiError> {
    authed(auth, Method::Get, "/sales/sellers", None).await
}

/// `POST /coupons/quote`: checks a code against the basket, consuming nothing.
pub async fn quote_coupon(auth: Auth, request: &QuoteRequest) -> Result<QuoteResponse, ApiError> {
    let body = to_json(request)?;
    authed(auth, Method::Post, "/coupons/quote", Some(body)).await
}

/// `GET /coupons?…`: `query` is the query string without `?`.
pub async fn coupons(auth: Auth, query: &str) -> Result<CouponPage, ApiError> {
    authed(auth, Method::Get, &format!("/coupons?{query}"), None).await
}

/// `GET /coupons/{id}`.
pub async fn coupon(auth: Auth, id: i64) -> Result<Coupon, ApiError> {
    authed(auth, Method::Get, &format!("/coupons/{id}"), None).await
}

/// `GET /customers/{id}`: a customer's profile (back office).
pub async fn customer(auth: Auth, id: i64) -> Result<CustomerProfile, ApiError> {
    authed(auth, Method::Get, &format!("/customers/{id}"), None).await
}

/// `GET /customers?…`: the back office's customer list; `query` is the query string
/// without `?`.
pub async fn customers(auth: Auth, query: &str) -> Result<CustomerPage, ApiError> {
    authed(auth, Method::Get, &format!("/customers?{query}"), None).await
}

/// `GET /customers/{id}/history`: level changes and coupons held and used.
pub async fn customer_history(auth: Auth, id: i64) -> Result<CustomerHistory, ApiError> {
    authed(auth, Method::Get, &format!("/customers/{id}/history"), None).await
}

/// `GET /customers/{id}/points`: a page of the points ledger.
pub async fn customer_points(
    auth: Auth,
    id: i64,
    page: u64,
    per_page: u64,
) -> Result<PointsPage, ApiError> {
    let path = format!("/customers/{id}/points?page={page}&per_page={per_page}");
    authed(auth, Method::Get, &path, None).await
}

/// `GET /customers/{id}/purchases`: a page of purchases.
pub async fn customer_purchases(
    auth: Auth,
    id: i64,
    page: u64,
    per_page: u64,
) -> Result<PurchasePage, ApiError> {
    let path = format!("/customers/{id}/purchases?page={page}&per_page={per_page}");
    authed(auth, Method::Get, &path, None).await
}

/// `PATCH /customers/{id}`: only the fields set change.
pub async fn update_customer(
    auth: Auth,
    id: i64,
    request: &UpdateCustomerRequest,
) -> Result<Customer, ApiError> {
    let body = to_json(request)?;
    authed(auth, Method::Patch, &format!("/customers/{id}"), Some(body)).await
}

/// `POST /customers/{id}/erase`: the data-subject erasure.
pub async fn erase_customer(auth: Auth, id: i64) -> Result<Customer, ApiError> {
    authed(auth, Method::Post, &format!("/customers/{id}/erase"), None).await
}

/// `GET /audit?…`: a page of the audit log; `query` is the query string without `?`.
pub async fn audit(auth: Auth, query: &str) -> Result<AuditPage, ApiError> {
    authed(auth, Method::Get, &format!("/audit?{query}"), None).await
}

/// `POST /coupons`.
pub async fn create_coupon(auth: Auth, request: &CreateCouponRequest) -> Result<Coupon, ApiError> {
    let body = to_json(request)?;
    authed(auth, Method::Post, "/coupons", Some(body)).await
}

/// `POST /coupons/{id}/deactivate`.
pub async fn deactivate_coupon(auth: Auth, id: i64) -> Result<Coupon, ApiError> {
    authed(
        auth,
        Method::Post,
        &format!("/coupons/{id}/deactivate"),
        None,
    )
    .await
}

/// `GET /coupons/{id}/redemptions`.
pub async fn coupon_redemptions(
    auth: Auth,
    id: i64,
    page: u64,
) -> Result<RedemptionPage, ApiError> {
    let path = format!("/coupons/{id}/redemptions?page={page}&per_page=20");
    authed(auth, Method::Get, &path, None).await
}

/// `POST /coupons/bulk-issue`: starts the job (202).
pub async fn bulk_issue(auth: Auth, request: &BulkIssueRequest) -> Result<Job, ApiError> {
    let body = to_json(request)?;
    authed(auth, Method::Post, "/coupons/bulk-issue", Some(body)).await
}

/// `GET /jobs/{id}`.
pub async fn job(auth: Auth, id: i64) -> Result<Job, ApiError> {
    authed(auth, Method::Get, &format!("/jobs/{id}"), None).await
}

/// `POST /loyalty/analyses`: starts an analysis (202).
pub async fn start_analysis(auth: Auth, request: &StartAnalysis) -> Result<Analysis, ApiError> {
    let body = to_json(request)?;
    authed(auth, Method::Post, "/loyalty/analyses", Some(body)).await
}

/// `GET /loyalty/analyses`: the latest analyses, newest first.
pub async fn analyses(auth: Auth, page: u64, per_page: u64) -> Result<AnalysisPage, ApiError> {
    let path = format!("/loyalty/analyses?page={page}&per_page={per_page}");
    authed(auth, Method::Get, &path, None).await
}

/// `GET /loyalty/analyses/{id}`: its progress and, once done, its result.
pub async fn analysis(auth: Auth, id: i64) -> Result<Analysis, ApiError> {
    authed(auth, Method::Get, &format!("/loyalty/analyses/{id}"), None).await
}

/// `GET /loyalty/analyses/{id}/moves?…`: the customers it moves, of one kind or all.
pub async fn analysis_moves(
    auth: Auth,
    id: i64,
    kind: Option<MoveKind>,
    page: u64,
    per_page: u64,
) -> Result<MovePage, ApiError> {
    let mut path = format!("/loyalty/analyses/{id}/moves?page={page}&per_page={per_page}");
    if let Some(kind) = kind {
        path.push_str(&format!("&kind={}", kind.as_str()));
    }
    authed(auth, Method::Get, &path, None).await
}

/// `GET /loyalty/stats`.
pub async fn loyalty_stats(auth: Auth) -> Result<LoyaltyStats, ApiError> {
    authed(auth, Method::Get, "/loyalty/stats", None).await
}

/// `GET /loyalty/policy`.
pub async fn loyalty_policy(auth: Auth) -> Result<LoyaltyPolicy, ApiError> {
    authed(auth, Method::Get, "/loyalty/policy", None).await
}

/// `PUT /loyalty/policy`: replaces the whole policy. Whatever the success answer's body,
/// the caller reads the policy back (what is in force is what the server kept).
pub async fn save_loyalty_policy(auth: Auth, policy: &LoyaltyPolicy) -> Result<(), ApiError> {
    let body = to_json(policy)?;
    let response = authed_response(auth, Method::Put, "/loyalty/policy", Some(&body), &[]).await?;
    if response.ok() {
        Ok(())
    } else {
        Err(problem_of(response).await)
    }
}

/// `GET /kpis?…`: the KPI dashboard of a period and segment; `query` is the query
/// string without `?` (`period=90d&segment=GOLD`).
pub async fn kpis(auth: Auth, query: &str) -> Result<KpiDashboard, ApiError> {
    authed(auth, Method::Get, &format!("/kpis?{query}"), None).await
}

/// A file the API sends (`text/csv`…): its bytes and the name the server suggests.
pub struct Download {
    /// The name from `Content-Disposition`, if any.
    pub file_name: Option<String>,
    /// The content.
    pub bytes: Vec<u8>,
}

/// `GET {path}` with the bearer token, for a file (CSV export).
pub async fn download(auth: Auth, path: &str) -> Result<Download, ApiError> {
    let response = authed_response(auth, Method::Get, path, None, &[]).await?;
    if !response.ok() {
        return Err(problem_of(response).await);
    }
    let file_name = response
        .headers()
        .get("content-disposition")
        .and_then(|d| file_name_of(&d));
    let bytes = response
        .binary()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    Ok(Download { file_name, bytes })
}

/// `attachment; filename="coupons.csv"` → `coupons.csv`.
fn file_name_of(disposition: &str) -> Option<String> {
    let start = disposition.find("filename=")? + "filename=".len();
    let name = disposition
        .get(start..)?
        .split(';')
        .next()?
        .trim()
        .trim_matches('"')
        .to_string();
    (!name.is_empty()).then_some(name)
}

/// A random UUID v4, for the `Idempotency-Key` of a basket.
pub fn new_uuid() -> String {
    let mut bytes = [0u8; 16];
    for b in &mut bytes {
        // Math.random is enough here: the key only has to be unique per basket.
        #[expect(
            clippy::cast_possible_truncation,
            reason = "Math.random() < 1, so the product is below 256 and `as` floors it to a byte"
        )]
        let byte = (js_sys::Math::random() * 256.0) as u8;
        *b = byte;
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    // 8-4-4-4-12 hex digits: a dash before bytes 4, 6, 8 and 10.
    let mut text = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push_str(&format!("{b:02x}"));
    }
    text
}

// Webhooks (issue 16): administrators only.

/// `GET /webhooks`: the endpoints, without their secrets.
pub async fn webhooks(auth: Auth) -> Result<crm_api_types::WebhookList, ApiError> {
    authed(auth, Method::Get, "/webhooks", None).await
}

/// `POST /webhooks`: the endpoint and its signing secret, shown once.
pub async fn create_webhook(
    auth: Auth,
    request: &crm_api_types::CreateWebhookRequest,
) -> Result<crm_api_types::CreatedWebhook, ApiError> {
    let body = to_json(request)?;
    authed(auth, Method::Post, "/webhooks", Some(body)).await
}

/// `DELETE /webhooks/{id}` (204, no body).
pub async fn delete_webhook(auth: Auth, id: i64) -> Result<(), ApiError> {
    let response =
        authed_response(auth, Method::Delete, &format!("/webhooks/{id}"), None, &[]).await?;
    if response.ok() {
        Ok(())
    } else {
        Err(problem_of(response).await)
    }
}

/// `GET /webhooks/{id}/deliveries?page=&per_page=`: the delivery log, newest first.
pub async fn webhook_deliveries(
    auth: Auth,
    id: i64,
    page: u64,
    per_page: u64,
) -> Result<crm_api_types::WebhookDeliveryPage, ApiError> {
    let path = format!("/webhooks/{id}/deliveries?page={page}&per_page={per_page}");
    authed(auth, Method::Get, &path, None).await
}

/// `POST /webhooks/deliveries/{id}/redeliver`: due again at once.
pub async fn redeliver(auth: Auth, id: i64) -> Result<crm_api_types::WebhookDelivery, ApiError> {
    let path = format!("/webhooks/deliveries/{id}/redeliver");
    authed(auth, Method::Post, &path, None).await
}
