//! `crm import legacy`: the SQL of loading the old system's export. Rows arrive already
//! validated and mapped by the server's importer; here they are written in batches, each
//! batch in one transaction together with its `legacy_ids` rows, so that an interrupted
//! import can simply be run again and a finished one writes nothing the second time.

use crate::entities::{
    coupon, coupon_redemption, customer, payment, points_entry, product, sale, sale_line, user,
};
use crate::products::NewProduct;
use crate::sales::{NewLine, NewPayment, NewSale};
use crate::users::NewUser;
use crate::{StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::customer::customer_number;
use crm_domain::sale::SaleStatus;
use crm_domain::{Level, Role};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, Set, Statement, TransactionTrait, Value,
};
use std::collections::{HashMap, HashSet};

/// How many values go into one `IN (…)` list.
const LOOKUP_CHUNK: usize = 1_000;

/// What a legacy id identifies (the `legacy_ids.entity` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Entity {
    /// `users.csv` → `users`.
    User,
    /// `products.csv` → `products`.
    Product,
    /// `clients.csv` → `customers`.
    Client,
    /// `sales.csv` → `sales`.
    Sale,
    /// `sale_lines.csv` → `sale_lines`.
    SaleLine,
    /// `payments.csv` → `payments`.
    Payment,
    /// `coupons.csv` → `coupons`.
    Coupon,
    /// `coupon_uses.csv` → `coupon_redemptions`.
    CouponUse,
}

impl Entity {
    /// The value stored in `legacy_ids.entity`.
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::User => "user",
            Entity::Product => "product",
            Entity::Client => "client",
            Entity::Sale => "sale",
            Entity::SaleLine => "sale_line",
            Entity::Payment => "payment",
            Entity::Coupon => "coupon",
            Entity::CouponUse => "coupon_use",
        }
    }

    /// The table its rows go to.
    fn table(self) -> &'static str {
        match self {
            Entity::User => "users",
            Entity::Product => "products",
            Entity::Client => "customers",
            Entity::Sale => "sales",
            Entity::SaleLine => "sale_lines",
            Entity::Payment => "payments",
            Entity::Coupon => "coupons",
            Entity::CouponUse => "coupon_redemptions",
        }
    }
}

/// Table `legacy_ids` (migration `m0003_legacy`).
mod legacy_id {
    use sea_orm::entity::prelude::*;

    /// A row of `legacy_ids`.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "legacy_ids")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub entity: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub legacy_id: String,
        pub new_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Which of these legacy ids of `entity` were imported (by this or an earlier run), with
/// the id each became. Empty ids are ignored.
pub async fn lookup_ids(
    db: &impl ConnectionTrait,
    entity: Entity,
    legacy_ids: &[String],
) -> StoreResult<HashMap<String, i64>> {
    let wanted: Vec<String> = legacy_ids
        .iter()
        .filter(|id| !id.is_empty())
        .cloned()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let rows = in_chunks(&wanted, async |chunk| {
        Ok(legacy_id::Entity::find()
            .select_only()
            .column(legacy_id::Column::LegacyId)
            .column(legacy_id::Column::NewId)
            .filter(legacy_id::Column::Entity.eq(entity.as_str()))
            .filter(legacy_id::Column::LegacyId.is_in(chunk))
            .into_tuple::<(String, i64)>()
            .all(db)
            .await?)
    })
    .await?;
    Ok(rows.into_iter().collect())
}

/// How many legacy ids of `entity` were imported (by this or an earlier run).
pub async fn count_known(db: &impl ConnectionTrait, entity: Entity) -> StoreResult<u64> {
    Ok(legacy_id::Entity::find()
        .filter(legacy_id::Column::Entity.eq(entity.as_str()))
        .count(db)
        .await?)
}

/// Records that these legacy ids map to these rows (rows matched to existing ones, such
/// as a customer already known by phone).
pub async fn record_ids(
    db: &impl ConnectionTrait,
    entity: Entity,
    pairs: &[(String, i64)],
) -> StoreResult<()> {
    for chunk in pairs.chunks(LOOKUP_CHUNK) {
        legacy_id::Entity::insert_many(chunk.iter().map(|(legacy, id)| legacy_id::ActiveModel {
            entity: Set(entity.as_str().to_owned()),
            legacy_id: Set(legacy.clone()),
            new_id: Set(*id),
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Allocates `n` fresh ids of `entity`'s table: from its sequence on PostgreSQL (safe
/// alongside a running server), above the highest ever used on SQLite (whose writers
/// are serialised by the transaction).
async fn reserve_ids(
    txn: &impl ConnectionTrait,
    entity: Entity,
    n: usize,
) -> StoreResult<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let table = entity.table();
    let backend = txn.get_database_backend();
    if backend == DbBackend::Postgres {
        let rows = txn
            .query_all_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id \
                     FROM generate_series(1, {n})"
                ),
            ))
            .await?;
        return rows
            .iter()
            .map(|r| Ok(r.try_get::<i64>("", "id")?))
            .collect();
    }
    let top = sqlite_top_id(txn, table).await?;
    Ok((1..=n as i64).map(|i| top + i).collect())
}

/// The highest id SQLite ever handed out for `table` (AUTOINCREMENT never reuses one).
async fn sqlite_top_id(txn: &impl ConnectionTrait, table: &str) -> StoreResult<i64> {
    let row = txn
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!(
                "SELECT MAX(COALESCE((SELECT MAX(id) FROM {table}), 0), \
                 COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0)) AS top"
            ),
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(row.try_get::<i64>("", "top")?)
}

/// Makes sure no customer created later gets an id `≤ last`, so that the numbers
/// `CLT…` kept from the old system never collide with the ones derived from new ids.
pub async fn reserve_customer_ids_up_to(db: &DatabaseConnection, last: i64) -> StoreResult<()> {
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres {
        db.query_one_raw(crate::sql::statement(
            db,
            "SELECT setval(s, GREATEST($1, nextval(s))) \
             FROM pg_get_serial_sequence('customers', 'id') AS s",
            [Value::from(last)],
        ))
        .await?;
        return Ok(());
    }
    let txn = db.begin().await?;
    if sqlite_top_id(&txn, "customers").await? < last {
        let updated = txn
            .execute_raw(crate::sql::statement(
                &txn,
                "UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'customers'",
                [Value::from(last)],
            ))
            .await?;
        if updated.rows_affected() == 0 {
            txn.execute_raw(crate::sql::statement(
                &txn,
                "INSERT INTO sqlite_sequence (name, seq) VALUES ('customers', ?1)",
                [Value::from(last)],
            ))
            .await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// Runs `query` on `keys` in chunks and gathers what it returns.
async fn in_chunks<K: Clone, T>(
    keys: &[K],
    mut query: impl AsyncFnMut(Vec<K>) -> StoreResult<Vec<T>>,
) -> StoreResult<Vec<T>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(LOOKUP_CHUNK) {
        out.extend(query(chunk.to_vec()).await?);
    }
    Ok(out)
}

/// Which of these usernames are taken, and by which account.
pub async fn users_by_username(
    db: &impl ConnectionTrait,
    usernames: &[String],
) -> StoreResult<HashMap<String, i64>> {
    let rows = in_chunks(usernames, async |chunk| {
        Ok(user::Entity::find()
            .select_only()
            .column(user::Column::Username)
            .column(user::Column::Id)
            .filter(user::Column::Username.is_in(chunk))
            .into_tuple::<(String, i64)>()
            .all(db)
            .await?)
    })
    .await?;
    Ok(rows.into_iter().collect())
}

/// Which of these SKUs are taken, and by which product.
pub async fn products_by_sku(
    db: &impl ConnectionTrait,
    skus: &[String],
) -> StoreResult<HashMap<String, i64>> {
    let rows = in_chunks(skus, async |chunk| {
        Ok(product::Entity::find()
            .select_only()
            .column(product::Column::Sku)
            .column(product::Column::Id)
            .filter(product::Column::Sku.is_in(chunk))
            .into_tuple::<(String, i64)>()
            .all(db)
            .await?)
    })
    .await?;
    Ok(rows.into_iter().collect())
}

/// Which of these barcodes are taken.
pub async fn barcodes_taken(
    db: &impl ConnectionTrait,
    barcodes: &[String],
) -> StoreResult<HashSet<String>> {
    let rows = in_chunks(barcodes, async |chunk| {
        Ok(product::Entity::find()
            .select_only()
            .column(product::Column::Barcode)
            .filter(product::Column::Barcode.is_in(chunk))
            .into_tuple::<Option<String>>()
            .all(db)
            .await?)
    })
    .await?;
    Ok(rows.into_iter().flatten().collect())
}

/// Customers holding these phones (by blind index): index → (id, customer number).
pub async fn customers_by_phone_index(
    db: &impl ConnectionTrait,
    indexes: &[String],
) -> StoreResult<HashMap<String, (i64, Option<String>)>> {
    let rows = in_chunks(indexes, async |chunk| {
        Ok(customer::Entity::find()
            .select_only()
            .column(customer::Column::PhoneIndex)
            .column(customer::Column::Id)
            .column(customer::Column::CustomerNumber)
            .filter(customer::Column::PhoneIndex.is_in(chunk))
            .into_tuple::<(Option<String>, i64, Option<String>)>()
            .all(db)
            .await?)
    })
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(index, id, number)| Some((index?, (id, number))))
        .collect())
}

/// Which of these customer numbers are taken.
pub async fn customer_numbers_taken(
    db: &impl ConnectionTrait,
    numbers: &[String],
) -> StoreResult<HashSet<String>> {
    let rows = in_chunks(numbers, async |chunk| {
        Ok(customer::Entity::find()
            .select_only()
            .column(customer::Column::CustomerNumber)
            .filter(customer::Column::CustomerNumber.is_in(chunk))
            .into_tuple::<Option<String>>()
            .all(db)
            .await?)
    })
    .await?;
    Ok(rows.into_iter().flatten().collect())
}

/// Which of these ticket numbers are taken.
pub async fn tickets_taken(
    db: &impl ConnectionTrait,
    tickets: &[String],
) -> StoreResult<HashSet<String>> {
    let rows = in_chunks(tickets, async |chunk| {
        Ok(sale::Entity::find()
            .select_only()
            .column(sale::Column::TicketNumber)
            .filter(sale::Column::TicketNumber.is_in(chunk))
            .into_tuple::<String>()
            .all(db)
            .await?)
    })
    .await?;
    Ok(rows.into_iter().collect())
}

/// Cost and VAT rate of these products: id → (cost, vat_rate_bp).
pub async fn product_costs(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> StoreResult<HashMap<i64, (i64, i32)>> {
    let rows = in_chunks(ids, async |chunk| {
        Ok(product::Entity::find()
            .select_only()
            .column(product::Column::Id)
            .column(product::Column::Cost)
            .column(product::Column::VatRateBp)
            .filter(product::Column::Id.is_in(chunk))
            .into_tuple::<(i64, i64, i32)>()
            .all(db)
            .await?)
    })
    .await?;
    Ok(rows.into_iter().map(|(id, c, v)| (id, (c, v))).collect())
}

/// The whole discount of these sales (to spread over their lines): id → loyalty plus
/// coupon discount.
pub async fn sale_discounts(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> StoreResult<HashMap<i64, i64>> {
    let rows = in_chunks(ids, async |chunk| {
        Ok(sale::Entity::find()
            .select_only()
            .column(sale::Column::Id)
            .column(sale::Column::LoyaltyDiscount)
            .column(sale::Column::CouponDiscount)
            .filter(sale::Column::Id.is_in(chunk))
            .into_tuple::<(i64, i64, i64)>()
            .all(db)
            .await?)
    })
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, loyalty, coupon)| (id, loyalty + coupon))
        .collect())
}

/// A line already in the database, as far as the spreading of its sale's discount goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredLine {
    /// Line id.
    pub id: i64,
    /// Its sale.
    pub sale_id: i64,
    /// Line total.
    pub line_total: i64,
    /// Its share of the sale's discount.
    pub discount: i64,
}

/// The lines these sales already have (an earlier batch loaded part of them), in id order.
pub async fn lines_of_sales(
    db: &impl ConnectionTrait,
    sale_ids: &[i64],
) -> StoreResult<Vec<StoredLine>> {
    use sea_orm::QueryOrder;
    let mut rows = in_chunks(sale_ids, async |chunk| {
        Ok(sale_line::Entity::find()
            .select_only()
            .column(sale_line::Column::Id)
            .column(sale_line::Column::SaleId)
            .column(sale_line::Column::LineTotal)
            .column(sale_line::Column::Discount)
            .filter(sale_line::Column::SaleId.is_in(chunk))
            .order_by_asc(sale_line::Column::Id)
            .into_tuple::<(i64, i64, i64, i64)>()
            .all(db)
            .await?)
    })
    .await?;
    rows.sort_unstable();
    Ok(rows
        .into_iter()
        .map(|(id, sale_id, line_total, discount)| StoredLine {
            id,
            sale_id,
            line_total,
            discount,
        })
        .collect())
}

/// The first till of a store.
pub async fn first_till(db: &impl ConnectionTrait, store_id: i64) -> StoreResult<i64> {
    use crate::entities::till;
    use sea_orm::QueryOrder;
    till::Entity::find()
        .filter(till::Column::StoreId.eq(store_id))
        .order_by_asc(till::Column::Id)
        .one(db)
        .await?
        .map(|t| t.id)
        .ok_or(StoreError::NotFound)
}

/// A staff account of the old system.
pub struct LegacyUser {
    /// `user_id`.
    pub legacy_id: String,
    /// Login.
    pub username: String,
    /// Argon2 PHC string (kept, or made from the plain password).
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// Name shown in the app.
    pub display_name: String,
    /// The password has to be changed at the next login.
    pub must_change_password: bool,
}

/// Creates the accounts, in one transaction; returns their ids in order.
pub async fn insert_users(db: &DatabaseConnection, batch: &[LegacyUser]) -> StoreResult<Vec<i64>> {
    let txn = db.begin().await?;
    let mut ids = Vec::with_capacity(batch.len());
    for u in batch {
        let created = crate::users::create(
            &txn,
            NewUser {
                username: &u.username,
                password_hash: u.password_hash.clone(),
                role: u.role,
                display_name: &u.display_name,
                store_id: None,
            },
        )
        .await?;
        if u.must_change_password {
            crate::users::set_must_change_password(&txn, created.id, true).await?;
        }
        ids.push(created.id);
    }
    let pairs: Vec<_> = batch
        .iter()
        .map(|u| u.legacy_id.clone())
        .zip(ids.iter().copied())
        .collect();
    record_ids(&txn, Entity::User, &pairs).await?;
    txn.commit().await?;
    Ok(ids)
}

/// Adds the products, in one transaction; returns their ids in order.
pub async fn insert_products(
    db: &DatabaseConnection,
    batch: &[(String, NewProduct)],
) -> StoreResult<Vec<i64>> {
    let txn = db.begin().await?;
    let mut ids = Vec::with_capacity(batch.len());
    for (_, p) in batch {
        ids.push(crate::products::create(&txn, p.clone()).await?.id);
    }
    let pairs: Vec<_> = batch
        .iter()
        .map(|(l, _)| l.clone())
        .zip(ids.iter().copied())
        .collect();
    record_ids(&txn, Entity::Product, &pairs).await?;
    txn.commit().await?;
    Ok(ids)
}

/// A customer of the old system (phone already normalised, encrypted and indexed).
pub struct LegacyCustomer {
    /// `client_id`.
    pub legacy_id: String,
    /// The old customer number; `None` = `CLT` + new id.
    pub customer_number: Option<String>,
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
    /// City.
    pub city: String,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Level.
    pub level: Level,
    /// Points balance, recorded as one `IMPORT` ledger entry.
    pub points: i64,
    /// Sign-up time.
    pub registered_at: DateTime<Utc>,
    /// Last visit.
    pub last_visit_at: Option<DateTime<Utc>>,
}

/// Inserts the customers (one multi-row insert) with their `IMPORT` points entries, in one
/// transaction; returns their ids in order.
pub async fn insert_customers(
    db: &DatabaseConnection,
    batch: &[LegacyCustomer],
) -> StoreResult<Vec<i64>> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    let ids = reserve_ids(&txn, Entity::Client, batch.len()).await?;
    customer::Entity::insert_many(batch.iter().zip(&ids).map(|(c, &id)| {
        let keys = crm_domain::customer::name_keys(c.first_name.as_deref(), c.last_name.as_deref());
        customer::ActiveModel {
            id: Set(id),
            customer_number: Set(Some(
                c.customer_number
                    .clone()
                    .unwrap_or_else(|| customer_number(id)),
            )),
            phone_index: Set(Some(c.phone_index.clone())),
            phone_cipher: Set(Some(c.phone_cipher.clone())),
            first_name: Set(c.first_name.clone()),
            last_name: Set(c.last_name.clone()),
            email: Set(c.email.clone()),
            city: Set(c.city.clone()),
            birth_date: Set(c.birth_date),
            level: Set(c.level.as_str().to_owned()),
            points: Set(c.points),
            lifetime_spend: Set(0),
            purchases_count: Set(0),
            registered_at: Set(c.registered_at),
            last_visit_at: Set(c.last_visit_at),
            level_changed_at: Set(None),
            active: Set(true),
            sms_consent: Set(false),
            email_consent: Set(false),
            home_store_id: Set(None),
            erased_at: Set(None),
            updated_at: Set(now),
            name_key: Set(keys.0),
            name_key_first: Set(keys.1),
        }
    }))
    .exec_without_returning(&txn)
    .await
    .map_err(|e| StoreError::from_write(e, "phone/customer_number"))?;
    let entries: Vec<_> = batch
        .iter()
        .zip(&ids)
        .filter(|(c, _)| c.points != 0)
        .map(|(c, &id)| points_entry::ActiveModel {
            customer_id: Set(id),
            sale_id: Set(None),
            kind: Set("IMPORT".to_owned()),
            points: Set(c.points),
            note: Set(Some("reprise de l'ancien système".to_owned())),
            created_at: Set(now),
            ..Default::default()
        })
        .collect();
    if !entries.is_empty() {
        points_entry::Entity::insert_many(entries)
            .exec_without_returning(&txn)
            .await?;
    }
    let pairs: Vec<_> = batch
        .iter()
        .map(|c| c.legacy_id.clone())
        .zip(ids.iter().copied())
        .collect();
    record_ids(&txn, Entity::Client, &pairs).await?;
    txn.commit().await?;
    Ok(ids)
}

/// A sale of the old system, mapped to this system's ids.
pub struct LegacySale {
    /// `sale_id`.
    pub legacy_id: String,
    /// Ticket number, kept.
    pub ticket_number: String,
    /// As the old system left it.
    pub status: SaleStatus,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Its figures, in the store `LEGACY`: paid exactly, no coupon (coupon uses come from
    /// their own file), no lines or payments here (`sale_lines.csv`, `payments.csv`).
    pub sale: NewSale,
}

/// Inserts the sales (one multi-row insert) in one transaction; returns their ids in order.
pub async fn insert_sales(db: &DatabaseConnection, batch: &[LegacySale]) -> StoreResult<Vec<i64>> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let txn = db.begin().await?;
    let ids = reserve_ids(&txn, Entity::Sale, batch.len()).await?;
    sale::Entity::insert_many(batch.iter().zip(&ids).map(|(s, &id)| sale::ActiveModel {
        id: Set(id),
        ..s.sale.row(s.ticket_number.clone(), s.status, s.created_at)
    }))
    .exec_without_returning(&txn)
    .await
    .map_err(|e| StoreError::from_write(e, "ticket_number"))?;
    let pairs: Vec<_> = batch
        .iter()
        .map(|s| s.legacy_id.clone())
        .zip(ids.iter().copied())
        .collect();
    record_ids(&txn, Entity::Sale, &pairs).await?;
    txn.commit().await?;
    Ok(ids)
}

/// A sale line of the old system, mapped.
pub struct LegacyLine {
    /// `line_id`.
    pub legacy_id: String,
    /// Sale.
    pub sale_id: i64,
    /// The line, its discount share included.
    pub line: NewLine,
}

/// Inserts the lines and gives the lines already there (`respread`: id → new discount
/// share) their new share of their sale's discount, in one transaction; returns the new
/// lines' ids in order.
pub async fn insert_lines(
    db: &DatabaseConnection,
    batch: &[LegacyLine],
    respread: &[(i64, i64)],
) -> StoreResult<Vec<i64>> {
    use sea_orm::sea_query::Expr;
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let txn = db.begin().await?;
    let ids = reserve_ids(&txn, Entity::SaleLine, batch.len()).await?;
    sale_line::Entity::insert_many(
        batch
            .iter()
            .zip(&ids)
            .map(|(l, &id)| sale_line::ActiveModel {
                id: Set(id),
                ..l.line.row(l.sale_id)
            }),
    )
    .exec_without_returning(&txn)
    .await?;
    // Rare: only a sale whose lines straddle two batches has lines to correct.
    for &(id, discount) in respread {
        sale_line::Entity::update_many()
            .col_expr(sale_line::Column::Discount, Expr::value(discount))
            .filter(sale_line::Column::Id.eq(id))
            .exec(&txn)
            .await?;
    }
    let pairs: Vec<_> = batch
        .iter()
        .map(|l| l.legacy_id.clone())
        .zip(ids.iter().copied())
        .collect();
    record_ids(&txn, Entity::SaleLine, &pairs).await?;
    txn.commit().await?;
    Ok(ids)
}

/// A payment of the old system, mapped.
pub struct LegacyPayment {
    /// `payment_id`.
    pub legacy_id: String,
    /// Sale.
    pub sale_id: i64,
    /// The payment; all of it kept (the old system recorded no change).
    pub payment: NewPayment,
}

/// Inserts the payments in one transaction; returns their ids in order.
pub async fn insert_payments(
    db: &DatabaseConnection,
    batch: &[LegacyPayment],
) -> StoreResult<Vec<i64>> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let txn = db.begin().await?;
    let ids = reserve_ids(&txn, Entity::Payment, batch.len()).await?;
    payment::Entity::insert_many(batch.iter().zip(&ids).map(|(p, &id)| payment::ActiveModel {
        id: Set(id),
        ..p.payment.row(p.sale_id)
    }))
    .exec_without_returning(&txn)
    .await?;
    let pairs: Vec<_> = batch
        .iter()
        .map(|p| p.legacy_id.clone())
        .zip(ids.iter().copied())
        .collect();
    record_ids(&txn, Entity::Payment, &pairs).await?;
    txn.commit().await?;
    Ok(ids)
}

/// Recomputes lifetime spend and purchase count of every imported customer from their
/// completed sales (and fills a missing last visit), then refreshes the planner's
/// statistics. Running it again changes nothing.
pub async fn refresh_imported_customers(db: &DatabaseConnection) -> StoreResult<()> {
    crate::sales::recompute_customer_totals(db, crate::sales::LoadedSales::Imported).await?;
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared(
            "ANALYZE customers; ANALYZE products; ANALYZE sales; ANALYZE sale_lines; \
             ANALYZE payments; ANALYZE coupons; ANALYZE coupon_redemptions; ANALYZE legacy_ids",
        )
        .await?;
    }
    Ok(())
}

/// Which of these coupon codes are taken.
pub async fn coupon_codes_taken(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> StoreResult<HashSet<String>> {
    let rows = in_chunks(codes, async |chunk| {
        Ok(coupon::Entity::find()
            .select_only()
            .column(coupon::Column::Code)
            .filter(coupon::Column::Code.is_in(chunk))
            .into_tuple::<String>()
            .all(db)
            .await?)
    })
    .await?;
    Ok(rows.into_iter().collect())
}

/// A coupon of the old system, mapped and checked.
pub struct LegacyCoupon {
    /// `coupon_id`.
    pub legacy_id: String,
    /// Normalised code (upper case, no spaces), kept.
    pub code: String,
    /// What it was for.
    pub description: String,
    /// Its rules, as this system checks them.
    pub rules: crm_domain::coupon::Coupon,
}

/// Inserts the coupons (one multi-row insert, no uses counted yet) in one transaction;
/// returns their ids in order.
pub async fn insert_coupons(
    db: &DatabaseConnection,
    batch: &[LegacyCoupon],
) -> StoreResult<Vec<i64>> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let txn = db.begin().await?;
    let ids = reserve_ids(&txn, Entity::Coupon, batch.len()).await?;
    coupon::Entity::insert_many(batch.iter().zip(&ids).map(|(c, &id)| {
        let new = crate::coupons::NewCoupon {
            code: c.code.clone(),
            description: c.description.clone(),
            rules: c.rules.clone(),
        };
        let mut row = crate::coupons::active_model(&new, None, None);
        row.id = Set(id);
        row
    }))
    .exec_without_returning(&txn)
    .await
    .map_err(|e| StoreError::from_write(e, "code"))?;
    let pairs: Vec<_> = batch
        .iter()
        .map(|c| c.legacy_id.clone())
        .zip(ids.iter().copied())
        .collect();
    record_ids(&txn, Entity::Coupon, &pairs).await?;
    txn.commit().await?;
    Ok(ids)
}

/// What a coupon use needs to know of its sale.
#[derive(Clone, Debug)]
pub struct SaleFacts {
    /// Where it stands.
    pub status: SaleStatus,
    /// The identified customer.
    pub customer_id: Option<i64>,
    /// Sous-total.
    pub subtotal: i64,
    /// Loyalty discount (the old system's whole discount, as imported).
    pub loyalty_discount: i64,
    /// Coupon discount.
    pub coupon_discount: i64,
    /// When it was rung.
    pub created_at: DateTime<Utc>,
}

/// The facts of these sales: id → facts.
pub async fn sale_facts(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> StoreResult<HashMap<i64, SaleFacts>> {
    let rows = in_chunks(ids, async |chunk| {
        Ok(sale::Entity::find()
            .filter(sale::Column::Id.is_in(chunk))
            .all(db)
            .await?)
    })
    .await?;
    rows.into_iter()
        .map(|s| {
            Ok((
                s.id,
                SaleFacts {
                    status: crate::sales::status_of(&s)?,
                    customer_id: s.customer_id,
                    subtotal: s.subtotal,
                    loyalty_discount: s.loyalty_discount,
                    coupon_discount: s.coupon_discount,
                    created_at: s.created_at,
                },
            ))
        })
        .collect()
}

/// Which of these sales already have a coupon use.
pub async fn sales_with_coupon(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> StoreResult<HashSet<i64>> {
    let rows = in_chunks(ids, async |chunk| {
        Ok(coupon_redemption::Entity::find()
            .select_only()
            .column(coupon_redemption::Column::SaleId)
            .filter(coupon_redemption::Column::SaleId.is_in(chunk))
            .into_tuple::<i64>()
            .all(db)
            .await?)
    })
    .await?;
    Ok(rows.into_iter().collect())
}

/// The old system's single discount of a sale, split into its loyalty and coupon parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscountSplit {
    /// What remains of the loyalty discount.
    pub loyalty_discount: i64,
    /// The loyalty discount as a percentage of the subtotal (`"5"`).
    pub loyalty_percent: String,
    /// The coupon's part.
    pub coupon_discount: i64,
}

/// A use of a coupon in the old system, mapped.
pub struct LegacyCouponUse {
    /// `use_id`.
    pub legacy_id: String,
    /// Coupon.
    pub coupon_id: i64,
    /// Customer, if identified.
    pub customer_id: Option<i64>,
    /// Sale.
    pub sale_id: i64,
    /// Discount granted.
    pub amount: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Set for a use on a cancelled or refunded sale: it does not count against the caps.
    pub released_at: Option<DateTime<Utc>>,
    /// The sale's discount split, when the coupon's part can be told apart.
    pub split: Option<DiscountSplit>,
}

/// Inserts the uses in one transaction, counts the unreleased ones in their coupons'
/// `uses_count` (added, so that uses made meanwhile at a till stay counted) and splits
/// their sales' discounts; returns their ids in order.
pub async fn insert_coupon_uses(
    db: &DatabaseConnection,
    batch: &[LegacyCouponUse],
) -> StoreResult<Vec<i64>> {
    use sea_orm::sea_query::Expr;
    use sea_orm::ExprTrait;
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let txn = db.begin().await?;
    let ids = reserve_ids(&txn, Entity::CouponUse, batch.len()).await?;
    coupon_redemption::Entity::insert_many(batch.iter().zip(&ids).map(|(u, &id)| {
        coupon_redemption::ActiveModel {
            id: Set(id),
            coupon_id: Set(u.coupon_id),
            customer_id: Set(u.customer_id),
            sale_id: Set(u.sale_id),
            amount: Set(u.amount),
            at: Set(u.at),
            released_at: Set(u.released_at),
        }
    }))
    .exec_without_returning(&txn)
    .await?;

    let mut per_coupon: std::collections::BTreeMap<i64, i32> = Default::default();
    for u in batch.iter().filter(|u| u.released_at.is_none()) {
        *per_coupon.entry(u.coupon_id).or_default() += 1;
    }
    let counted: Vec<(i64, i32)> = per_coupon.into_iter().collect();
    for chunk in counted.chunks(LOOKUP_CHUNK) {
        let Some((&(first_id, first_n), rest)) = chunk.split_first() else {
            continue;
        };
        let mut added = Expr::case(coupon::Column::Id.eq(first_id), first_n);
        for &(id, n) in rest {
            added = added.case(coupon::Column::Id.eq(id), n);
        }
        coupon::Entity::update_many()
            .col_expr(
                coupon::Column::UsesCount,
                Expr::col(coupon::Column::UsesCount).add(added.finally(0)),
            )
            .filter(coupon::Column::Id.is_in(chunk.iter().map(|(id, _)| *id)))
            .exec(&txn)
            .await?;
    }

    let splits: Vec<(i64, &DiscountSplit)> = batch
        .iter()
        .filter_map(|u| u.split.as_ref().map(|s| (u.sale_id, s)))
        .collect();
    for chunk in splits.chunks(LOOKUP_CHUNK) {
        let Some((&first, rest)) = chunk.split_first() else {
            continue;
        };
        let when = |id: i64| sale::Column::Id.eq(id);
        let (mut loyalty, mut percent, mut coupon_part) = (
            Expr::case(when(first.0), first.1.loyalty_discount),
            Expr::case(when(first.0), first.1.loyalty_percent.clone()),
            Expr::case(when(first.0), first.1.coupon_discount),
        );
        for &(id, s) in rest {
            loyalty = loyalty.case(when(id), s.loyalty_discount);
            percent = percent.case(when(id), s.loyalty_percent.clone());
            coupon_part = coupon_part.case(when(id), s.coupon_discount);
        }
        sale::Entity::update_many()
            .col_expr(
                sale::Column::LoyaltyDiscount,
                loyalty
                    .finally(Expr::col(sale::Column::LoyaltyDiscount))
                    .into(),
            )
            .col_expr(
                sale::Column::LoyaltyPercent,
                percent
                    .finally(Expr::col(sale::Column::LoyaltyPercent))
                    .into(),
            )
            .col_expr(
                sale::Column::CouponDiscount,
                coupon_part
                    .finally(Expr::col(sale::Column::CouponDiscount))
                    .into(),
            )
            .filter(sale::Column::Id.is_in(chunk.iter().map(|(id, _)| *id)))
            .filter(sale::Column::CouponDiscount.eq(0))
            .exec(&txn)
            .await?;
    }

    let pairs: Vec<_> = batch
        .iter()
        .map(|u| u.legacy_id.clone())
        .zip(ids.iter().copied())
        .collect();
    record_ids(&txn, Entity::CouponUse, &pairs).await?;
    txn.commit().await?;
    Ok(ids)
}

/// An imported sale whose lines, discounts, total and payments do not agree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnbalancedSale {
    /// `sale_id` in the old system.
    pub legacy_id: String,
    /// Ticket number.
    pub ticket_number: String,
    /// Sum of its lines' totals.
    pub lines: i64,
    /// Its discounts (loyalty and coupon).
    pub discount: i64,
    /// Its total.
    pub total: i64,
    /// Sum of its payments.
    pub paid: i64,
}

/// Every imported sale checked: lines − discounts = total = payments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Imported sales checked (this run's and earlier runs').
    pub checked: u64,
    /// How many do not agree.
    pub unbalanced: u64,
    /// The first of them, in the order they were imported.
    pub first: Vec<UnbalancedSale>,
}

/// Each imported sale with the sums of its lines and payments: one row per sale, columns
/// `legacy_id`, `ticket_number`, `lines`, `discount`, `total`, `paid`.
const SALE_SUMS: &str = "SELECT l.legacy_id AS legacy_id, s.id AS id, s.ticket_number AS ticket_number, \
       CAST(COALESCE((SELECT SUM(x.line_total) FROM sale_lines x WHERE x.sale_id = s.id), 0) AS BIGINT) AS lines, \
       s.loyalty_discount + s.coupon_discount AS discount, s.total AS total, \
       CAST(COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.sale_id = s.id), 0) AS BIGINT) AS paid \
     FROM legacy_ids l JOIN sales s ON s.id = l.new_id WHERE l.entity = 'sale'";

/// Whether a row of [`SALE_SUMS`] does not agree.
const UNBALANCED: &str = "(r.lines - r.discount <> r.total OR r.paid <> r.total)";

/// Checks every imported sale (lines − discounts = total = payments) and names the first
/// `first` that do not agree. Changes nothing.
pub async fn reconcile(db: &impl ConnectionTrait, first: u64) -> StoreResult<Reconciliation> {
    let backend = db.get_database_backend();
    let counts = db
        .query_one_raw(Statement::from_string(
            backend,
            format!(
                "SELECT COUNT(*) AS checked, \
                 COALESCE(SUM(CASE WHEN {UNBALANCED} THEN 1 ELSE 0 END), 0) AS unbalanced \
                 FROM ({SALE_SUMS}) r"
            ),
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    let count = |column: &str| -> StoreResult<u64> {
        Ok(u64::try_from(counts.try_get::<i64>("", column)?).unwrap_or(0))
    };
    let (checked, unbalanced) = (count("checked")?, count("unbalanced")?);
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            format!("SELECT * FROM ({SALE_SUMS}) r WHERE {UNBALANCED} ORDER BY r.id LIMIT {first}"),
        ))
        .await?;
    let first = rows
        .iter()
        .map(|r| {
            Ok(UnbalancedSale {
                legacy_id: r.try_get("", "legacy_id")?,
                ticket_number: r.try_get("", "ticket_number")?,
                lines: r.try_get("", "lines")?,
                discount: r.try_get("", "discount")?,
                total: r.try_get("", "total")?,
                paid: r.try_get("", "paid")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Reconciliation {
        checked,
        unbalanced,
        first,
    })
}
