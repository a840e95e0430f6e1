//! Customers. The phone is never seen here in clear: callers pass its blind index
//! (for lookup and uniqueness) and its ciphertext (to show it back to allowed roles).

use crate::audit::{self, Actor};
use crate::entities::{customer, level_change, points_entry, sale, sale_line};
use crate::{StoreError, StoreResult};
use chrono::{NaiveDate, Utc};
use crm_domain::customer::customer_number;
use crm_domain::Level;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    ExprTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
    TryInsertResult,
};

pub use customer::Model as Customer;
pub use level_change::Model as LevelChange;
pub use points_entry::Model as PointsEntry;

/// The customer's loyalty level, as the domain knows it.
pub fn level_of(customer: &Customer) -> StoreResult<Level> {
    crate::stored("customers.level", &customer.level)
}

/// City of a customer who did not give one.
pub const DEFAULT_CITY: &str = "Abidjan";

/// A customer to register at the till.
#[derive(Clone, Debug, Default)]
pub struct NewCustomer {
    /// Blind index of the E.164 phone.
    pub phone_index: String,
    /// Encrypted E.164 phone.
    pub phone_cipher: String,
    /// Prénom.
    pub first_name: Option<String>,
    /// Nom.
    pub last_name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// SMS consent.
    pub sms_consent: bool,
    /// Store where the customer signed up.
    pub home_store_id: Option<i64>,
}

/// Fields a back-office user may change; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct CustomerChanges {
    /// Prénom.
    pub first_name: Option<String>,
    /// Nom.
    pub last_name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// SMS consent.
    pub sms_consent: Option<bool>,
    /// E-mail consent.
    pub email_consent: Option<bool>,
    /// Active flag.
    pub active: Option<bool>,
}

/// Registers the customer, or returns the one already holding this phone.
///
/// The unique blind index decides: of two tills creating one number at the same
/// instant, one inserts and the other gets the existing row. `true` = created.
pub async fn create_or_get(
    db: &DatabaseConnection,
    new: NewCustomer,
) -> StoreResult<(Customer, bool)> {
    let now = Utc::now();
    let phone_index = new.phone_index.clone();
    let row = customer::ActiveModel {
        customer_number: Set(None),
        phone_index: Set(Some(new.phone_index)),
        phone_cipher: Set(Some(new.phone_cipher)),
        first_name: Set(new.first_name),
        last_name: Set(new.last_name),
        email: Set(new.email),
        city: Set(DEFAULT_CITY.to_owned()),
        birth_date: Set(None),
        level: Set(Level::Standard.as_str().to_owned()),
        points: Set(0),
        lifetime_spend: Set(0),
        purchases_count: Set(0),
        registered_at: Set(now),
        last_visit_at: Set(None),
        level_changed_at: Set(None),
        active: Set(true),
        sms_consent: Set(new.sms_consent),
        email_consent: Set(false),
        home_store_id: Set(new.home_store_id),
        erased_at: Set(None),
        updated_at: Set(now),
        ..Default::default()
    };
    let txn = db.begin().await?;
    let inserted = customer::Entity::insert(row)
        .on_conflict_do_nothing_on([customer::Column::PhoneIndex])
        .exec(&txn)
        .await?;
    match inserted {
        TryInsertResult::Inserted(result) => {
            // The number comes from the id, so it is unique without a second sequence.
            let id = result.last_insert_id;
            customer::Entity::update_many()
                .col_expr(
                    customer::Column::CustomerNumber,
                    Expr::value(customer_number(id)),
                )
                .filter(customer::Column::Id.eq(id))
                .exec(&txn)
                .await?;
            let created = customer::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or(StoreError::NotFound)?;
            txn.commit().await?;
            Ok((created, true))
        }
        TryInsertResult::Conflicted | TryInsertResult::Empty => {
            txn.commit().await?;
            let existing = find_by_phone_index(db, &phone_index)
                .await?
                .ok_or(StoreError::NotFound)?;
            Ok((existing, false))
        }
    }
}

/// The customer holding this phone (by blind index), if any.
pub async fn find_by_phone_index(
    db: &impl ConnectionTrait,
    phone_index: &str,
) -> StoreResult<Option<Customer>> {
    Ok(customer::Entity::find()
        .filter(customer::Column::PhoneIndex.eq(phone_index))
        .one(db)
        .await?)
}

/// The customer with this id, if any.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> StoreResult<Option<Customer>> {
    Ok(customer::Entity::find_by_id(id).one(db).await?)
}

/// A page of customers whose number or name contains `text` (any case), or whose phone
/// has `phone_index`; newest first. Returns the rows and the total count.
pub async fn search(
    db: &impl ConnectionTrait,
    text: Option<&str>,
    phone_index: Option<&str>,
    page: u64,
    per_page: u64,
) -> StoreResult<(Vec<Customer>, u64)> {
    let mut query = customer::Entity::find().order_by_desc(customer::Column::Id);
    if let Some(index) = phone_index {
        query = query.filter(customer::Column::PhoneIndex.eq(index));
    } else if let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", text.to_lowercase().replace(['%', '_'], ""));
        let lower = |col: customer::Column| Expr::expr(Func::lower(Expr::col(col)));
        query = query.filter(
            Condition::any()
                .add(lower(customer::Column::CustomerNumber).like(pattern.clone()))
                .add(lower(customer::Column::LastName).like(pattern.clone()))
                .add(lower(customer::Column::FirstName).like(pattern.clone()))
                .add(lower(customer::Column::Email).like(pattern)),
        );
    }
    let paginator = query.paginate(db, Ord::max(per_page, 1));
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.saturating_sub(1)).await?;
    Ok((rows, total))
}

/// Applies `changes` and records them in the audit log, in one transaction.
pub async fn update(
    db: &DatabaseConnection,
    id: i64,
    changes: CustomerChanges,
    actor: &Actor,
) -> StoreResult<Customer> {
    let txn = db.begin().await?;
    let before = customer::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut row = before.clone().into_active_model();
    if let Some(v) = changes.first_name {
        row.first_name = Set(Some(v));
    }
    if let Some(v) = changes.last_name {
        row.last_name = Set(Some(v));
    }
    if let Some(v) = changes.email {
        row.email = Set(Some(v));
    }
    if let Some(v) = changes.city {
        row.city = Set(v);
    }
    if let Some(v) = changes.birth_date {
        row.birth_date = Set(Some(v));
    }
    if let Some(v) = changes.sms_consent {
        row.sms_consent = Set(v);
    }
    if let Some(v) = changes.email_consent {
        row.email_consent = Set(v);
    }
    if let Some(v) = changes.active {
        row.active = Set(v);
    }
    row.updated_at = Set(Utc::now());
    let after = row.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "customer.update",
        "customer",
        Some(id.to_string()),
        Some(audit_view(&before)),
        Some(audit_view(&after)),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Anonymises the person (data-subject erasure): names, contact, phone and birth date
/// are wiped; sales, points and level history stay for statistics.
pub async fn erase(db: &DatabaseConnection, id: i64, actor: &Actor) -> StoreResult<Customer> {
    let txn = db.begin().await?;
    let before = customer::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut row = before.clone().into_active_model();
    let now = Utc::now();
    row.phone_index = Set(None);
    row.phone_cipher = Set(None);
    row.first_name = Set(None);
    row.last_name = Set(None);
    row.email = Set(None);
    row.birth_date = Set(None);
    row.sms_consent = Set(false);
    row.email_consent = Set(false);
    row.active = Set(false);
    row.erased_at = Set(Some(now));
    row.updated_at = Set(now);
    let after = row.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "customer.erase",
        "customer",
        Some(id.to_string()),
        None,
        None,
    )
    .await?;
    // The history of changes to the person would still tell who they were.
    audit::scrub(&txn, "customer", &id.to_string(), &ERASED_FIELDS).await?;
    txn.commit().await?;
    Ok(after)
}

/// The customer's point movements, oldest first.
pub async fn points_ledger(db: &impl ConnectionTrait, id: i64) -> StoreResult<Vec<PointsEntry>> {
    Ok(points_entry::Entity::find()
        .filter(points_entry::Column::CustomerId.eq(id))
        .order_by_asc(points_entry::Column::Id)
        .all(db)
        .await?)
}

/// The customer's purchases, oldest first, each with its lines: for their data export.
pub async fn purchases(
    db: &impl ConnectionTrait,
    id: i64,
) -> StoreResult<Vec<(sale::Model, Vec<sale_line::Model>)>> {
    let sales = sale::Entity::find()
        .filter(sale::Column::CustomerId.eq(id))
        .order_by_asc(sale::Column::Id)
        .all(db)
        .await?;
    let mut lines: std::collections::HashMap<i64, Vec<sale_line::Model>> =
        std::collections::HashMap::new();
    // Bound parameters per statement stay well under SQLite's and PostgreSQL's limits.
    for chunk in sales.chunks(5_000) {
        let ids = chunk.iter().map(|s| s.id);
        for line in sale_line::Entity::find()
            .filter(sale_line::Column::SaleId.is_in(ids))
            .order_by_asc(sale_line::Column::Id)
            .all(db)
            .await?
        {
            lines.entry(line.sale_id).or_default().push(line);
        }
    }
    Ok(sales
        .into_iter()
        .map(|s| {
            let of_sale = lines.remove(&s.id).unwrap_or_default();
            (s, of_sale)
        })
        .collect())
}

/// The customer's level changes, oldest first.
pub async fn level_changes(db: &impl ConnectionTrait, id: i64) -> StoreResult<Vec<LevelChange>> {
    Ok(level_change::Entity::find()
        .filter(level_change::Column::CustomerId.eq(id))
        .order_by_asc(level_change::Column::Id)
        .all(db)
        .await?)
}

/// The fields of [`audit_view`] that identify the person: wiped by an erasure, in the row
/// and in the audit log's copies of it.
const ERASED_FIELDS: [&str; 4] = ["first_name", "last_name", "email", "birth_date"];

/// What the audit log keeps of a customer: no phone, no ciphertext.
fn audit_view(c: &Customer) -> serde_json::Value {
    serde_json::json!({
        "first_name": c.first_name,
        "last_name": c.last_name,
        "email": c.email,
        "city": c.city,
        "birth_date": c.birth_date,
        "sms_consent": c.sms_consent,
        "email_consent": c.email_consent,
        "active": c.active,
    })
}
