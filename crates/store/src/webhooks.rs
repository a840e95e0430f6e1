//! Webhooks: the outbox, the endpoints integrators register, and the deliveries the
//! server's worker (`crm_server::webhooks`) sends.
//!
//! - [`record`] writes an event to `outbox_events` inside the transaction of its change
//!   (checkout, refund, registration, a loyalty batch…): no event without its change, no
//!   change without its event. It writes one row and reads nothing, so the till pays one
//!   insert, whatever the receivers do.
//! - [`fan_out`] (the worker) turns each new event into one `PENDING` delivery per active
//!   endpoint subscribed to its type, then marks it dispatched. An endpoint registered
//!   after an event but before its fan-out receives it too.
//! - [`claim`] takes the due deliveries with a conditional `UPDATE` that pushes their
//!   `next_attempt_at` past a lease: of several server instances, one gets each delivery;
//!   one that dies mid-attempt leaves it due again when the lease ends.
//! - [`delivered`] and [`attempt_failed`] record the outcome; [`redeliver`] makes one due
//!   again for another 24 hours.

use crate::audit::{self, Actor};
use crate::entities::{customer, outbox_event, sale, webhook_delivery, webhook_endpoint};
use crate::{sql, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use crm_domain::sale::SaleStatus;
use crm_domain::webhook::{DeliveryStatus, EventType};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ExprTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait, Value,
};
use serde_json::json;

pub use outbox_event::Model as OutboxEvent;
pub use webhook_delivery::Model as Delivery;
pub use webhook_endpoint::Model as Endpoint;

/// An event to record: its type and its `data` (ids and amounts, never a phone number
/// nor a name: a receiver reads the rest through the API with its own rights).
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// What happened.
    pub kind: EventType,
    /// The payload's `data`.
    pub data: serde_json::Value,
}

impl Event {
    /// A checkout recorded as `sale`.
    pub fn sale_completed(sale: &sale::Model) -> Event {
        Event {
            kind: EventType::SaleCompleted,
            data: sale_data(sale),
        }
    }

    /// `sale` refunded or cancelled (`status` says which).
    pub fn sale_refunded(sale: &sale::Model, status: SaleStatus, at: DateTime<Utc>) -> Event {
        let mut data = sale_data(sale);
        if let Some(fields) = data.as_object_mut() {
            fields.insert("status".to_owned(), json!(status));
            fields.insert("reversed_at".to_owned(), json!(at));
        }
        Event {
            kind: EventType::SaleRefunded,
            data,
        }
    }

    /// A customer registered.
    pub fn customer_created(customer: &customer::Model) -> Event {
        Event {
            kind: EventType::CustomerCreated,
            data: json!({
                "customer_id": customer.id,
                "customer_number": customer.customer_number,
                "level": customer.level,
                "home_store_id": customer.home_store_id,
                "sms_consent": customer.sms_consent,
                "registered_at": customer.registered_at,
            }),
        }
    }

    /// Coupon `coupon_id` used by `sale` for a discount of `discount` FCFA.
    pub fn coupon_redeemed(coupon_id: i64, discount: i64, sale: &sale::Model) -> Event {
        Event {
            kind: EventType::CouponRedeemed,
            data: json!({
                "coupon_id": coupon_id,
                "sale_id": sale.id,
                "customer_id": sale.customer_id,
                "store_id": sale.store_id,
                "discount": discount,
                "currency": "XOF",
                "redeemed_at": sale.created_at,
            }),
        }
    }
}

fn sale_data(sale: &sale::Model) -> serde_json::Value {
    json!({
        "sale_id": sale.id,
        "ticket_number": sale.ticket_number,
        "store_id": sale.store_id,
        "till_id": sale.till_id,
        "cashier_id": sale.cashier_id,
        "customer_id": sale.customer_id,
        "business_date": sale.business_date,
        "created_at": sale.created_at,
        "subtotal": sale.subtotal,
        "loyalty_discount": sale.loyalty_discount,
        "coupon_discount": sale.coupon_discount,
        "total": sale.total,
        "vat_total": sale.vat_total,
        "points_earned": sale.points_earned,
        "currency": "XOF",
    })
}

fn outbox_row(event: &Event, at: DateTime<Utc>) -> outbox_event::ActiveModel {
    outbox_event::ActiveModel {
        event_id: Set(uuid::Uuid::new_v4().to_string()),
        kind: Set(event.kind.as_str().to_owned()),
        payload: Set(event.data.to_string()),
        created_at: Set(at),
        dispatched_at: Set(None),
        ..Default::default()
    }
}

/// Writes `event` to the outbox. Call it with the transaction that makes the change.
pub async fn record(db: &impl ConnectionTrait, event: &Event) -> StoreResult<()> {
    outbox_event::Entity::insert(outbox_row(event, Utc::now()))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// `sale.completed` for `sale`, in the checkout's transaction.
pub async fn sale_completed(txn: &impl ConnectionTrait, sale: &sale::Model) -> StoreResult<()> {
    record(txn, &Event::sale_completed(sale)).await
}

/// `coupon.redeemed` for the coupon `redeem` used by `sale`, in the checkout's transaction.
pub async fn coupon_redeemed(
    txn: &impl ConnectionTrait,
    redeem: &crate::coupons::CouponToRedeem,
    sale: &sale::Model,
) -> StoreResult<()> {
    let discount = redeem.discount.amount.francs();
    record(
        txn,
        &Event::coupon_redeemed(redeem.coupon_id, discount, sale),
    )
    .await
}

/// `sale.refunded` for `sale` refunded or cancelled, in the reversal's transaction.
pub async fn sale_refunded(
    txn: &impl ConnectionTrait,
    sale: &sale::Model,
    status: SaleStatus,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    record(txn, &Event::sale_refunded(sale, status, at)).await
}

/// `customer.created` for `customer`, in the registration's transaction.
pub async fn customer_created(
    txn: &impl ConnectionTrait,
    customer: &customer::Model,
) -> StoreResult<()> {
    record(txn, &Event::customer_created(customer)).await
}

/// Rows per multi-row insert of events (4 columns bound each).
const EVENTS_PER_INSERT: usize = 500;

/// A `customer.level_changed` event for each level change that analysis `analysis_id`
/// wrote for the customers `after < id ≤ last` (its batch), in the batch's transaction.
pub async fn record_level_changes(
    txn: &impl ConnectionTrait,
    analysis_id: i64,
    after: i64,
    last: i64,
) -> StoreResult<()> {
    let rows = txn
        .query_all_raw(sql::statement(
            txn,
            "SELECT customer_id, from_level, to_level FROM level_changes \
             WHERE analysis_id = $1 AND customer_id > $2 AND customer_id <= $3 ORDER BY customer_id",
            [
                Value::from(analysis_id),
                Value::from(after),
                Value::from(last),
            ],
        ))
        .await?;
    let now = Utc::now();
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        let customer_id: i64 = row.try_get("", "customer_id")?;
        let from: String = row.try_get("", "from_level")?;
        let to: String = row.try_get("", "to_level")?;
        events.push(outbox_row(
            &Event {
                kind: EventType::CustomerLevelChanged,
                data: json!({
                    "customer_id": customer_id,
                    "from_level": from,
                    "to_level": to,
                    "analysis_id": analysis_id,
                    "changed_at": now,
                }),
            },
            now,
        ));
    }
    for chunk in events.chunks(EVENTS_PER_INSERT) {
        outbox_event::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Marks job `job` succeeded with `result`; a loyalty analysis's end is also a
/// `loyalty.analysis.finished` event, in the same transaction.
pub async fn succeed_job(
    db: &DatabaseConnection,
    job: &crate::jobs::Job,
    result: &serde_json::Value,
) -> StoreResult<()> {
    use crm_domain::job::JobKind;
    let dry_run = match job.kind {
        JobKind::LoyaltyAnalysis => false,
        JobKind::LoyaltyDryRun => true,
        JobKind::BulkIssue => return crate::jobs::succeed(db, job.id(), result).await,
    };
    let txn = db.begin().await?;
    crate::jobs::succeed(&txn, job.id(), result).await?;
    record(
        &txn,
        &Event {
            kind: EventType::LoyaltyAnalysisFinished,
            data: json!({"analysis_id": job.id(), "dry_run": dry_run, "summary": result}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The space-separated form `webhook_endpoints.events` keeps.
fn events_column(events: &[EventType]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The event types an endpoint subscribes to.
pub fn events_of(endpoint: &Endpoint) -> StoreResult<Vec<EventType>> {
    endpoint
        .events
        .split_whitespace()
        .map(|name| crate::stored("webhook_endpoints.events", name))
        .collect()
}

/// A delivery's status as the domain's name.
pub fn status_of(delivery: &Delivery) -> StoreResult<DeliveryStatus> {
    crate::stored("webhook_deliveries.status", &delivery.status)
}

/// Registers an endpoint with its signing key as the caller sealed it, audited
/// (`webhook.create`, without the key).
pub async fn create_endpoint(
    db: &DatabaseConnection,
    url: &str,
    events: &[EventType],
    secret: &str,
    actor: &Actor,
) -> StoreResult<Endpoint> {
    let txn = db.begin().await?;
    let created = webhook_endpoint::ActiveModel {
        url: Set(url.to_owned()),
        events: Set(events_column(events)),
        secret: Set(secret.to_owned()),
        active: Set(true),
        created_at: Set(Utc::now()),
        created_by: Set(actor.user_id),
        deleted_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        "webhook.create",
        "webhook",
        Some(created.id.to_string()),
        None,
        Some(json!({"url": url, "events": events})),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// The endpoints not deleted, oldest first.
pub async fn endpoints(db: &impl ConnectionTrait) -> StoreResult<Vec<Endpoint>> {
    Ok(webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Active.eq(true))
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(db)
        .await?)
}

/// The endpoint, if not deleted.
pub async fn find_endpoint(db: &impl ConnectionTrait, id: i64) -> StoreResult<Option<Endpoint>> {
    Ok(webhook_endpoint::Entity::find_by_id(id)
        .filter(webhook_endpoint::Column::Active.eq(true))
        .one(db)
        .await?)
}

/// Deletes an endpoint: it receives nothing more, its pending deliveries fail, its log
/// stays. Audited (`webhook.delete`). `false` when there is no such endpoint.
pub async fn delete_endpoint(db: &DatabaseConnection, id: i64, actor: &Actor) -> StoreResult<bool> {
    let txn = db.begin().await?;
    let now = Utc::now();
    let changed = webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::Active, Expr::value(false))
        .col_expr(webhook_endpoint::Column::DeletedAt, Expr::value(now))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .filter(webhook_endpoint::Column::Active.eq(true))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        txn.rollback().await?;
        return Ok(false);
    }
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Status,
            Expr::value(DeliveryStatus::Failed.as_str()),
        )
        .col_expr(
            webhook_delivery::Column::LastError,
            Expr::value("Point de réception supprimé."),
        )
        .filter(webhook_delivery::Column::EndpointId.eq(id))
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        "webhook.delete",
        "webhook",
        Some(id.to_string()),
        None,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// A delivery and its event.
pub type DeliveryWithEvent = (Delivery, OutboxEvent);

/// A page of an endpoint's deliveries, newest first, with the total.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    endpoint_id: i64,
    page: u64,
    per_page: u64,
) -> StoreResult<(Vec<DeliveryWithEvent>, u64)> {
    let paginator = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
        .order_by_desc(webhook_delivery::Column::Id)
        .paginate(db, Ord::max(per_page, 1));
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.saturating_sub(1)).await?;
    let with_events = with_events(db, rows).await?;
    Ok((with_events, total))
}

async fn with_events(
    db: &impl ConnectionTrait,
    rows: Vec<Delivery>,
) -> StoreResult<Vec<DeliveryWithEvent>> {
    let ids: Vec<i64> = rows.iter().map(|d| d.outbox_event_id).collect();
    let events = outbox_event::Entity::find()
        .filter(outbox_event::Column::Id.is_in(ids))
        .all(db)
        .await?;
    rows.into_iter()
        .map(|d| {
            let event = events
                .iter()
                .find(|e| e.id == d.outbox_event_id)
                .cloned()
                .ok_or(StoreError::NotFound)?;
            Ok((d, event))
        })
        .collect()
}

/// One delivery and its event.
pub async fn find_delivery(
    db: &impl ConnectionTrait,
    id: i64,
) -> StoreResult<Option<DeliveryWithEvent>> {
    let Some(row) = webhook_delivery::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    Ok(with_events(db, vec![row]).await?.into_iter().next())
}

/// Makes a delivery due now, retried until `retry_until`, whatever its status (a
/// receiver that lost an event asks for it again). Audited (`webhook.redeliver`).
/// `None` when there is no such delivery or its endpoint is deleted.
pub async fn redeliver(
    db: &DatabaseConnection,
    id: i64,
    retry_until: DateTime<Utc>,
    actor: &Actor,
) -> StoreResult<Option<DeliveryWithEvent>> {
    let txn = db.begin().await?;
    let Some(current) = webhook_delivery::Entity::find_by_id(id).one(&txn).await? else {
        txn.rollback().await?;
        return Ok(None);
    };
    if find_endpoint(&txn, current.endpoint_id).await?.is_none() {
        txn.rollback().await?;
        return Ok(None);
    }
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Status,
            Expr::value(DeliveryStatus::Pending.as_str()),
        )
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(Utc::now()),
        )
        .col_expr(
            webhook_delivery::Column::RetryUntil,
            Expr::value(retry_until),
        )
        .filter(webhook_delivery::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        "webhook.redeliver",
        "webhook_delivery",
        Some(id.to_string()),
        Some(json!({"status": current.status})),
        Some(json!({"status": DeliveryStatus::Pending})),
    )
    .await?;
    let found = find_delivery(&txn, id).await?;
    txn.commit().await?;
    Ok(found)
}

/// `$first`, `$first+1`… for `n` bound values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Fans out up to `limit` events not yet dispatched into deliveries (due `now`, retried
/// until `retry_until`) and marks them dispatched, in one transaction. Returns how many
/// events it took. Run twice at once (two instances), it makes no duplicate: the
/// (endpoint, event) pair is unique.
pub async fn fan_out(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    retry_until: DateTime<Utc>,
    limit: u64,
) -> StoreResult<usize> {
    let ids: Vec<i64> = outbox_event::Entity::find()
        .select_only()
        .column(outbox_event::Column::Id)
        .filter(outbox_event::Column::DispatchedAt.is_null())
        .order_by_asc(outbox_event::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let txn = db.begin().await?;
    let list = placeholders(5, ids.len());
    let mut values = vec![
        Value::from(now),
        Value::from(retry_until),
        Value::from(true),
        Value::from(DeliveryStatus::Pending.as_str()),
    ];
    values.extend(ids.iter().map(|id| Value::from(*id)));
    txn.execute_raw(sql::statement(
        &txn,
        &format!(
            "INSERT INTO webhook_deliveries \
             (endpoint_id, outbox_event_id, status, attempts, next_attempt_at, retry_until, created_at) \
             SELECT e.id, o.id, $4, 0, $1, $2, $1 FROM outbox_events o \
             JOIN webhook_endpoints e ON e.active = $3 \
             AND (' ' || e.events || ' ') LIKE ('% ' || o.kind || ' %') \
             WHERE o.id IN ({list}) \
             ON CONFLICT (endpoint_id, outbox_event_id) DO NOTHING"
        ),
        values,
    ))
    .await?;
    outbox_event::Entity::update_many()
        .col_expr(outbox_event::Column::DispatchedAt, Expr::value(now))
        .filter(outbox_event::Column::Id.is_in(ids.clone()))
        .filter(outbox_event::Column::DispatchedAt.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(ids.len())
}

/// A delivery claimed for one attempt: everything the request needs.
#[derive(Clone, Debug)]
pub struct Claimed {
    /// The delivery.
    pub delivery: Delivery,
    /// Its event.
    pub event: OutboxEvent,
    /// Where to send it.
    pub url: String,
    /// The signing key, as stored (sealed by the server's vault).
    pub secret: String,
}

/// Claims up to `limit` deliveries due at `now`, none of the endpoints in `paused`:
/// their next attempt is pushed to `lease_until` by a conditional update, so no other
/// instance takes them meanwhile.
pub async fn claim(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
    paused: &[i64],
) -> StoreResult<Vec<Claimed>> {
    let pending = DeliveryStatus::Pending.as_str();
    // A read first: an idle poll takes no write lock (SQLite's is the till's too).
    let mut due = webhook_delivery::Entity::find()
        .select_only()
        .column(webhook_delivery::Column::Id)
        .filter(webhook_delivery::Column::Status.eq(pending))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(now));
    if !paused.is_empty() {
        due = due.filter(webhook_delivery::Column::EndpointId.is_not_in(paused.to_vec()));
    }
    let due: Vec<i64> = due
        .order_by_asc(webhook_delivery::Column::NextAttemptAt)
        .order_by_asc(webhook_delivery::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let list = placeholders(4, due.len());
    let mut values = vec![
        Value::from(lease_until),
        Value::from(pending),
        Value::from(now),
    ];
    values.extend(due.iter().map(|id| Value::from(*id)));
    let won = db
        .query_all_raw(sql::statement(
            db,
            &format!(
                "UPDATE webhook_deliveries SET next_attempt_at = $1 \
                 WHERE id IN ({list}) AND status = $2 AND next_attempt_at <= $3 RETURNING id"
            ),
            values,
        ))
        .await?
        .iter()
        .map(|row| row.try_get::<i64>("", "id"))
        .collect::<Result<Vec<_>, _>>()?;
    if won.is_empty() {
        return Ok(Vec::new());
    }
    let rows = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Id.is_in(won))
        .order_by_asc(webhook_delivery::Column::Id)
        .all(db)
        .await?;
    let endpoint_ids: Vec<i64> = rows.iter().map(|d| d.endpoint_id).collect();
    let endpoints = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Id.is_in(endpoint_ids))
        .all(db)
        .await?;
    let mut claimed = Vec::with_capacity(rows.len());
    for (delivery, event) in with_events(db, rows).await? {
        let Some(endpoint) = endpoints.iter().find(|e| e.id == delivery.endpoint_id) else {
            continue;
        };
        claimed.push(Claimed {
            url: endpoint.url.clone(),
            secret: endpoint.secret.clone(),
            delivery,
            event,
        });
    }
    Ok(claimed)
}

/// Records an attempt the receiver accepted with `status_code`.
pub async fn delivered(
    db: &impl ConnectionTrait,
    id: i64,
    status_code: u16,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Status,
            Expr::value(DeliveryStatus::Delivered.as_str()),
        )
        .col_expr(
            webhook_delivery::Column::Attempts,
            Expr::col(webhook_delivery::Column::Attempts).add(1),
        )
        .col_expr(
            webhook_delivery::Column::LastStatusCode,
            Expr::value(i32::from(status_code)),
        )
        .col_expr(
            webhook_delivery::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .col_expr(webhook_delivery::Column::LastAttemptAt, Expr::value(at))
        .col_expr(webhook_delivery::Column::DeliveredAt, Expr::value(at))
        .filter(webhook_delivery::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a failed attempt: due again at `retry_at`, or `FAILED` when `None` (its
/// retries are over).
pub async fn attempt_failed(
    db: &impl ConnectionTrait,
    id: i64,
    status_code: Option<u16>,
    error: &str,
    at: DateTime<Utc>,
    retry_at: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    let mut update = webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Attempts,
            Expr::col(webhook_delivery::Column::Attempts).add(1),
        )
        .col_expr(
            webhook_delivery::Column::LastStatusCode,
            Expr::value(status_code.map(i32::from)),
        )
        .col_expr(webhook_delivery::Column::LastError, Expr::value(error))
        .col_expr(webhook_delivery::Column::LastAttemptAt, Expr::value(at));
    update = match retry_at {
        Some(next) => update.col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(next)),
        None => update.col_expr(
            webhook_delivery::Column::Status,
            Expr::value(DeliveryStatus::Failed.as_str()),
        ),
    };
    update
        .filter(webhook_delivery::Column::Id.eq(id))
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// Rows removed per statement by [`purge`], so that the first purge of a long-running
/// chain never holds a lock on millions of rows.
const PURGE_BATCH: u64 = 5_000;

/// Forgets what the delivery log no longer shows: deliveries that ended (delivered or
/// failed) before `before`, then the events dispatched before `before` that no delivery
/// refers to any more — with no endpoint registered, every sale's event. Pending
/// deliveries and their events stay. Returns (deliveries, events) removed.
pub async fn purge(db: &DatabaseConnection, before: DateTime<Utc>) -> StoreResult<(u64, u64)> {
    let ended = [
        DeliveryStatus::Delivered.as_str(),
        DeliveryStatus::Failed.as_str(),
    ];
    let mut deliveries = 0;
    loop {
        let ids: Vec<i64> = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::Id)
            .filter(webhook_delivery::Column::Status.is_in(ended))
            .filter(webhook_delivery::Column::CreatedAt.lt(before))
            .limit(PURGE_BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if ids.is_empty() {
            break;
        }
        deliveries += webhook_delivery::Entity::delete_many()
            .filter(webhook_delivery::Column::Id.is_in(ids))
            .exec(db)
            .await?
            .rows_affected;
    }
    let mut events = 0;
    let mut after = 0_i64;
    loop {
        let ids: Vec<i64> = outbox_event::Entity::find()
            .select_only()
            .column(outbox_event::Column::Id)
            .filter(outbox_event::Column::Id.gt(after))
            .filter(outbox_event::Column::DispatchedAt.lt(before))
            .order_by_asc(outbox_event::Column::Id)
            .limit(PURGE_BATCH)
            .into_tuple()
            .all(db)
            .await?;
        let Some(&last) = ids.last() else { break };
        after = last;
        // Events a delivery still refers to (pending, or ended after `before`) stay; the
        // check is in the DELETE itself, so a redeliver meanwhile keeps its event too.
        events += outbox_event::Entity::delete_many()
            .filter(outbox_event::Column::Id.is_in(ids))
            .filter(
                outbox_event::Column::Id.not_in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(webhook_delivery::Column::OutboxEventId)
                        .from(webhook_delivery::Entity)
                        .and_where(webhook_delivery::Column::OutboxEventId.lte(last))
                        .to_owned(),
                ),
            )
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok((deliveries, events))
}
