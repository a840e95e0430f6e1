//! Customers. The phone is never seen here in clear: callers pass its blind index
//! (for lookup and uniqueness) and its ciphertext (to show it back to allowed roles).

use crate::audit::{self, Actor};
use crate::entities::{customer, level_change, points_entry, sale, sale_line};
use crate::{StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::customer::{customer_number, name_keys, prefix_end};
use crm_domain::Level;
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    ExprTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Set, TransactionTrait, TryInsertResult,
};

pub use customer::Model as Customer;
pub use level_change::Model as LevelChange;
pub use points_entry::Model as PointsEntry;

/// The customer's loyalty level, as the domain knows it.
pub fn level_of(customer: &Customer) -> StoreResult<Level> {
    crate::stored("customers.level", &customer.level)
}

/// The levels a change went from and to, as the domain knows them.
pub fn change_levels(change: &LevelChange) -> StoreResult<(Level, Level)> {
    Ok((
        crate::stored("level_changes.from_level", &change.from_level)?,
        crate::stored("level_changes.to_level", &change.to_level)?,
    ))
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
    let (name_key, name_key_first) = name_keys(new.first_name.as_deref(), new.last_name.as_deref());
    let row = customer::ActiveModel {
        name_key: Set(name_key),
        name_key_first: Set(name_key_first),
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
            crate::webhooks::customer_created(&txn, &created).await?;
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

/// What the back office's search box asked for, already read by the caller.
#[derive(Clone, Debug)]
pub enum CustomerQuery {
    /// The blind index of a phone number.
    PhoneIndex(String),
    /// A customer number, exactly (`CLT0000042`).
    Number(String),
    /// A prefix of the folded name ([`crm_domain::customer::fold`]), family or given
    /// name first.
    NamePrefix(String),
}

/// The filters of the customer list and its export; `None` filters nothing.
#[derive(Clone, Debug, Default)]
pub struct CustomerFilter {
    /// The search box.
    pub query: Option<CustomerQuery>,
    /// Current level.
    pub level: Option<Level>,
    /// City, any case.
    pub city: Option<String>,
    /// Last visit at or after this instant.
    pub visited_from: Option<DateTime<Utc>>,
    /// Last visit before this instant (customers who never came do not pass).
    pub visited_until: Option<DateTime<Utc>>,
    /// SMS consent given (or not).
    pub sms_consent: Option<bool>,
    /// E-mail consent given (or not).
    pub email_consent: Option<bool>,
}

impl CustomerFilter {
    /// The rows that pass, erased people excepted: they are nobody to look up.
    fn condition(&self) -> Condition {
        let mut all = Condition::all().add(customer::Column::ErasedAt.is_null());
        match &self.query {
            Some(CustomerQuery::PhoneIndex(index)) => {
                all = all.add(customer::Column::PhoneIndex.eq(index.as_str()));
            }
            Some(CustomerQuery::Number(number)) => {
                all = all.add(customer::Column::CustomerNumber.eq(number.as_str()));
            }
            Some(CustomerQuery::NamePrefix(prefix)) => {
                // A range on each key: what their indexes serve (m0015).
                let range = |col: customer::Column| match prefix_end(prefix) {
                    Some(end) => Condition::all()
                        .add(col.gte(prefix.as_str()))
                        .add(col.lt(end)),
                    None => Condition::all().add(col.is_not_null()),
                };
                all = all.add(
                    Condition::any()
                        .add(range(customer::Column::NameKey))
                        .add(range(customer::Column::NameKeyFirst)),
                );
            }
            None => {}
        }
        if let Some(level) = self.level {
            all = all.add(customer::Column::Level.eq(level.as_str()));
        }
        if let Some(city) = &self.city {
            all = all.add(
                Expr::expr(Func::lower(Expr::col(customer::Column::City))).eq(city.to_lowercase()),
            );
        }
        if let Some(from) = self.visited_from {
            all = all.add(customer::Column::LastVisitAt.gte(from));
        }
        if let Some(until) = self.visited_until {
            all = all.add(customer::Column::LastVisitAt.lt(until));
        }
        if let Some(consent) = self.sms_consent {
            all = all.add(customer::Column::SmsConsent.eq(consent));
        }
        if let Some(consent) = self.email_consent {
            all = all.add(customer::Column::EmailConsent.eq(consent));
        }
        all
    }
}

/// Counting the customers that pass stops past this many (or past the page asked for,
/// if further): an exact `COUNT(*)` of a common name prefix reads most of the table on a
/// million customers (docs/benchmarks.md), and « plus de 1 000 » tells marketing as much.
pub const COUNTED_AT_LEAST: u64 = 1_000;

/// How many customers pass a filter, counted as far as [`COUNTED_AT_LEAST`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Total {
    /// The count, or where counting stopped.
    pub count: u64,
    /// `false` when more than `count` customers pass.
    pub exact: bool,
}

/// A page of the customers that pass `filter`, newest first, and how many pass.
pub async fn search(
    db: &impl ConnectionTrait,
    filter: &CustomerFilter,
    page: u64,
    per_page: u64,
) -> StoreResult<(Vec<Customer>, Total)> {
    let per_page = Ord::max(per_page, 1);
    let page = Ord::max(page, 1);
    let rows = customer::Entity::find()
        .filter(filter.condition())
        .order_by_desc(customer::Column::Id)
        .offset((page - 1).saturating_mul(per_page))
        .limit(per_page)
        .all(db)
        .await?;
    // Counting as far as the page asked for keeps « suivant » right on any page.
    let bound = Ord::max(COUNTED_AT_LEAST, page.saturating_mul(per_page));
    let passing = customer::Entity::find()
        .filter(filter.condition())
        .select_only()
        .expr(Expr::val(1))
        .limit(bound.saturating_add(1))
        .into_query();
    let count = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .from_subquery(passing, "passing")
        .to_owned();
    let counted: i64 = db
        .query_one(&count)
        .await?
        .ok_or(StoreError::NotFound)?
        .try_get("", "n")?;
    let counted = u64::try_from(counted).unwrap_or(0);
    Ok((
        rows,
        Total {
            count: Ord::min(counted, bound),
            exact: counted <= bound,
        },
    ))
}

/// The next `limit` customers that pass `filter` below id `before` (newest first): the
/// pages of the CSV export, read by keyset so that a long export never slows down.
pub async fn export_page(
    db: &impl ConnectionTrait,
    filter: &CustomerFilter,
    before: Option<i64>,
    limit: u64,
) -> StoreResult<Vec<Customer>> {
    let mut query = customer::Entity::find().filter(filter.condition());
    if let Some(before) = before {
        query = query.filter(customer::Column::Id.lt(before));
    }
    Ok(query
        .order_by_desc(customer::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
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
    // The search keys follow the name, in the same write.
    let (name_key, name_key_first) = name_keys(
        changes
            .first_name
            .as_deref()
            .or(before.first_name.as_deref()),
        changes.last_name.as_deref().or(before.last_name.as_deref()),
    );
    row.name_key = Set(name_key);
    row.name_key_first = Set(name_key_first);
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
    row.name_key = Set(None);
    row.name_key_first = Set(None);
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

/// A page of the customer's point movements, newest first, and how many there are.
pub async fn points_page(
    db: &impl ConnectionTrait,
    id: i64,
    page: u64,
    per_page: u64,
) -> StoreResult<(Vec<PointsEntry>, u64)> {
    let paginator = points_entry::Entity::find()
        .filter(points_entry::Column::CustomerId.eq(id))
        .order_by_desc(points_entry::Column::Id)
        .paginate(db, Ord::max(per_page, 1));
    let total = paginator.num_items().await?;
    Ok((paginator.fetch_page(page.saturating_sub(1)).await?, total))
}

/// A page of the customer's purchases (every status), newest first, and how many there
/// are: the range of `sales_customer_time`.
pub async fn purchases_page(
    db: &impl ConnectionTrait,
    id: i64,
    page: u64,
    per_page: u64,
) -> StoreResult<(Vec<sale::Model>, u64)> {
    let paginator = sale::Entity::find()
        .filter(sale::Column::CustomerId.eq(id))
        .order_by_desc(sale::Column::CreatedAt)
        .order_by_desc(sale::Column::Id)
        .paginate(db, Ord::max(per_page, 1));
    let total = paginator.num_items().await?;
    Ok((paginator.fetch_page(page.saturating_sub(1)).await?, total))
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
