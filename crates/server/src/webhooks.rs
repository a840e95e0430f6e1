//! The webhook delivery worker, started with the server ([`start`]): it fans new outbox
//! events out into deliveries, claims the due ones (`crm_store::webhooks::claim`, safe
//! with several instances), POSTs each signed, and records the outcome — retried with
//! backoff for 24 hours, then failed.
//!
//! It runs beside the HTTP server, never inside a request: checkout writes one outbox
//! row in its transaction and returns; a slow or dead receiver costs the till nothing.
//! An endpoint whose attempt failed is left alone for a while ([`Pauses`]), so that a
//! receiver that is down is not sent every new event only to refuse it.
//! At-least-once: an attempt whose answer was lost (timeout, crash) is sent again, with
//! the same event id, for the receiver to deduplicate.

use crate::config::WebhookSettings;
use crate::pii::PhoneVault;
use chrono::{DateTime, Utc};
use crm_api_types::WebhookPayload;
use crm_domain::webhook::EventType;
use crm_store::webhooks::{self, Claimed};
use crm_store::{DatabaseConnection, StoreResult};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Events fanned out per round.
const FAN_OUT_BATCH: u64 = 500;
/// How often the worker forgets the deliveries past their retention.
const PURGE_EVERY: Duration = Duration::from_secs(3600);
/// An answer's error text kept in the log, at most (characters).
const MAX_ERROR_CHARS: usize = 300;
/// The longest an endpoint is left alone after failed attempts: a receiver back up
/// waits at most this long for the events it missed, and « Renvoyer » for its send.
const PAUSE_AT_MOST: Duration = Duration::from_secs(60);

/// The endpoints whose last attempt failed, left alone in this instance until their
/// pause is over: the n-th failure in a row pauses the endpoint for the n-th wait of
/// the retry schedule, at most [`PAUSE_AT_MOST`]; a delivered attempt ends it.
///
/// Without it, every new event for a receiver that refuses connections is attempted at
/// once and fails, a write per event beside the tills' (checkout p99 +17–26 % with a
/// refusing receiver, docs/benchmarks.md); paused, such a receiver costs a batch of
/// attempts per pause. Events wait as pending deliveries, none is lost, and the retry
/// window still ends them.
#[derive(Default)]
pub struct Pauses(std::sync::Mutex<HashMap<i64, Pause>>);

/// Failed attempts in a row to one endpoint, and when it may be tried again.
#[derive(Clone, Copy, Debug)]
struct Pause {
    failures: usize,
    until: DateTime<Utc>,
}

impl Pauses {
    /// An attempt to `endpoint` failed at `now`.
    pub fn failed(&self, endpoint: i64, settings: &WebhookSettings, now: DateTime<Utc>) {
        let mut pauses = self.lock();
        let failures = pauses.get(&endpoint).map_or(0, |p| p.failures) + 1;
        let wait = settings
            .retry_ms
            .get(failures - 1)
            .or(settings.retry_ms.last())
            .map_or(PAUSE_AT_MOST, |ms| Duration::from_millis(*ms))
            .min(PAUSE_AT_MOST);
        let until = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
        pauses.insert(endpoint, Pause { failures, until });
    }

    /// An attempt to `endpoint` was delivered: it is no longer paused.
    pub fn delivered(&self, endpoint: i64) {
        self.lock().remove(&endpoint);
    }

    /// The endpoints paused at `now`.
    pub fn paused(&self, now: DateTime<Utc>) -> Vec<i64> {
        let mut paused: Vec<i64> = self
            .lock()
            .iter()
            .filter(|(_, pause)| pause.until > now)
            .map(|(endpoint, _)| *endpoint)
            .collect();
        paused.sort_unstable();
        paused
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Pause>> {
        // A map of times holds no invariant a panic could break.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Starts the worker on the current Tokio runtime (unless disabled in the settings).
pub fn start(
    db: DatabaseConnection,
    vault: PhoneVault,
    settings: WebhookSettings,
) -> anyhow::Result<()> {
    if !settings.enabled {
        return Ok(());
    }
    let client = client(&settings)?;
    let slots = Arc::new(Semaphore::new(settings.concurrency.max(1)));
    let pauses = Arc::new(Pauses::default());
    tokio::spawn(async move {
        let poll = Duration::from_millis(settings.poll_ms.max(10));
        let settings = Arc::new(settings);
        let mut purged_at: Option<std::time::Instant> = None;
        loop {
            if purged_at.is_none_or(|at| at.elapsed() >= PURGE_EVERY) {
                purged_at = Some(std::time::Instant::now());
                purge(&db, settings.retention_days).await;
            }
            match round(&db, &client, &vault, &settings, &slots, &pauses).await {
                // A full round: there may be more waiting.
                Ok(busy) if busy => tokio::task::yield_now().await,
                Ok(_) => tokio::time::sleep(poll).await,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook worker: database error, retrying");
                    tokio::time::sleep(poll.max(Duration::from_secs(1))).await;
                }
            }
        }
    });
    Ok(())
}

/// Removes the ended deliveries and unused events older than `retention_days`.
async fn purge(db: &DatabaseConnection, retention_days: u64) {
    let days = i64::try_from(retention_days).unwrap_or(i64::MAX / 86_400_000);
    let before = Utc::now() - chrono::Duration::days(days.min(365_000));
    match webhooks::purge(db, before).await {
        Ok((0, 0)) => {}
        Ok((deliveries, events)) => {
            tracing::info!(
                deliveries,
                events,
                "webhook log: old deliveries and events removed"
            );
        }
        Err(e) => tracing::warn!(error = %e, "webhook log: purge failed, retried in an hour"),
    }
}

/// The HTTP client of deliveries: a short timeout, no redirect followed (a 3xx is a
/// failed attempt), rustls for `https://`.
pub fn client(settings: &WebhookSettings) -> anyhow::Result<reqwest::Client> {
    let timeout = Duration::from_millis(settings.timeout_ms.max(1));
    Ok(reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("crm-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

/// One round: fan out new events, then claim as many due deliveries as there are free
/// slots and send each in a task of its own, so that a receiver that takes its whole
/// timeout holds one slot, not the others' deliveries. `true` when either was a full
/// batch.
async fn round(
    db: &DatabaseConnection,
    client: &reqwest::Client,
    vault: &PhoneVault,
    settings: &Arc<WebhookSettings>,
    slots: &Arc<Semaphore>,
    pauses: &Arc<Pauses>,
) -> StoreResult<bool> {
    let now = Utc::now();
    let window =
        chrono::Duration::seconds(i64::try_from(settings.retry_window_secs).unwrap_or(86_400));
    let fanned = webhooks::fan_out(db, now, now + window, FAN_OUT_BATCH).await?;
    let free = slots.available_permits();
    if free == 0 {
        return Ok(false);
    }
    // The lease outlives any attempt: a worker that dies mid-attempt leaves it due again.
    let lease = chrono::Duration::milliseconds(
        i64::try_from(settings.timeout_ms)
            .unwrap_or(5000)
            .saturating_mul(2)
            + 30_000,
    );
    let limit = u64::try_from(free).unwrap_or(1);
    let claimed = webhooks::claim(db, now, now + lease, limit, &pauses.paused(now)).await?;
    let sent = claimed.len();
    for delivery in claimed {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            break;
        };
        let (db, client, settings) = (db.clone(), client.clone(), settings.clone());
        let (vault, pauses) = (vault.clone(), pauses.clone());
        tokio::spawn(async move {
            if let Err(e) = send(&db, &client, &vault, &settings, &pauses, delivery).await {
                tracing::warn!(error = %e, "webhook worker: could not record an attempt");
            }
            drop(slot);
        });
    }
    Ok(u64::try_from(fanned).unwrap_or(0) == FAN_OUT_BATCH
        || u64::try_from(sent).unwrap_or(0) == limit)
}

/// The body of a delivery: `{id, type, created_at, data}`.
pub fn body(event: &webhooks::OutboxEvent) -> StoreResult<Vec<u8>> {
    let kind: EventType = event
        .kind
        .parse()
        .map_err(|_| crm_store::StoreError::Corrupt {
            column: "outbox_events.kind",
            value: event.kind.clone(),
        })?;
    let data =
        serde_json::from_str(&event.payload).map_err(|_| crm_store::StoreError::Corrupt {
            column: "outbox_events.payload",
            value: String::new(),
        })?;
    let payload = WebhookPayload {
        id: event.event_id.clone(),
        kind,
        created_at: event.created_at,
        data,
    };
    serde_json::to_vec(&payload).map_err(|e| {
        crm_store::StoreError::Db(crm_store::DbErr::Custom(format!("webhook body: {e}")))
    })
}

/// `sha256=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(7 + digest.len() * 2);
    hex.push_str("sha256=");
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// When the attempt after `attempts` failed ones is due, or `None` past `retry_until`.
pub fn next_attempt(
    settings: &WebhookSettings,
    attempts: i32,
    now: DateTime<Utc>,
    retry_until: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let index = usize::try_from(attempts.max(1) - 1).unwrap_or(0);
    let wait = settings
        .retry_ms
        .get(index)
        .or(settings.retry_ms.last())
        .copied()
        .unwrap_or(60_000);
    let next = now + chrono::Duration::milliseconds(i64::try_from(wait).unwrap_or(i64::MAX / 2));
    (next <= retry_until).then_some(next)
}

/// One attempt of one claimed delivery, and its outcome recorded.
async fn send(
    db: &DatabaseConnection,
    client: &reqwest::Client,
    vault: &PhoneVault,
    settings: &WebhookSettings,
    pauses: &Pauses,
    claimed: Claimed,
) -> StoreResult<()> {
    let id = claimed.delivery.id;
    let endpoint = claimed.delivery.endpoint_id;
    let body = body(&claimed.event)?;
    let Ok(secret) = vault.open_text(&claimed.secret) else {
        tracing::error!(
            delivery = id,
            "webhook secret undecryptable: was CRM_PHONE_KEY changed?"
        );
        let now = Utc::now();
        pauses.failed(endpoint, settings, now);
        let retry_at = next_attempt(
            settings,
            claimed.delivery.attempts + 1,
            now,
            claimed.delivery.retry_until,
        );
        return webhooks::attempt_failed(
            db,
            id,
            None,
            "secret de signature illisible",
            now,
            retry_at,
        )
        .await;
    };
    let timestamp = Utc::now().timestamp();
    let answer = client
        .post(&claimed.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-CRM-Event-Id", &claimed.event.event_id)
        .header("X-CRM-Event-Type", &claimed.event.kind)
        .header("X-CRM-Timestamp", timestamp.to_string())
        .header("X-CRM-Signature", signature(&secret, timestamp, &body))
        .body(body)
        .send()
        .await;
    let now = Utc::now();
    let (code, error) = match answer {
        Ok(response) if response.status().is_success() => {
            let code = response.status().as_u16();
            tracing::debug!(delivery = id, code, "webhook delivered");
            pauses.delivered(endpoint);
            return webhooks::delivered(db, id, code, now).await;
        }
        Ok(response) => {
            let code = response.status().as_u16();
            (Some(code), format!("HTTP {code}"))
        }
        Err(e) => {
            let mut text = if e.is_timeout() {
                "délai dépassé".to_owned()
            } else if e.is_connect() {
                "connexion impossible".to_owned()
            } else {
                e.to_string()
            };
            if text.chars().count() > MAX_ERROR_CHARS {
                text = text.chars().take(MAX_ERROR_CHARS).collect();
            }
            (None, text)
        }
    };
    pauses.failed(endpoint, settings, now);
    let attempts = claimed.delivery.attempts + 1;
    let retry_at = next_attempt(settings, attempts, now, claimed.delivery.retry_until);
    tracing::info!(
        delivery = id,
        attempts,
        error = %error,
        gave_up = retry_at.is_none(),
        "webhook attempt failed"
    );
    webhooks::attempt_failed(db, id, code, &error, now, retry_at).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_timestamp_dot_body() {
        // Computed independently: Python's
        // hmac.new(b"secret", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
        let sig = signature("secret", 1700000000, br#"{"a":1}"#);
        assert_eq!(
            sig,
            "sha256=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"
        );
        assert_ne!(sig, signature("secret", 1700000001, br#"{"a":1}"#));
    }

    #[test]
    fn a_failing_endpoint_is_paused_by_the_schedule_at_most_a_minute_until_delivered() {
        let settings = WebhookSettings::default();
        let pauses = Pauses::default();
        let now = Utc::now();
        assert!(pauses.paused(now).is_empty());
        pauses.failed(7, &settings, now);
        // First failure: the first wait of the schedule (10 s).
        assert_eq!(pauses.paused(now + chrono::Duration::seconds(9)), vec![7]);
        assert!(pauses
            .paused(now + chrono::Duration::seconds(10))
            .is_empty());
        // Second in a row: 30 s; third and later: 60 s, the most.
        pauses.failed(7, &settings, now);
        assert_eq!(pauses.paused(now + chrono::Duration::seconds(29)), vec![7]);
        assert!(pauses
            .paused(now + chrono::Duration::seconds(30))
            .is_empty());
        for _ in 0..5 {
            pauses.failed(7, &settings, now);
        }
        assert_eq!(pauses.paused(now + chrono::Duration::seconds(59)), vec![7]);
        assert!(pauses
            .paused(now + chrono::Duration::seconds(60))
            .is_empty());
        // Another endpoint is not touched; a delivery ends the pause and the count.
        pauses.failed(3, &settings, now);
        assert_eq!(pauses.paused(now), vec![3, 7]);
        pauses.delivered(7);
        assert_eq!(pauses.paused(now), vec![3]);
        pauses.failed(7, &settings, now);
        assert!(pauses
            .paused(now + chrono::Duration::seconds(10))
            .is_empty());
    }

    #[test]
    fn retries_follow_the_schedule_then_stop_after_the_window() {
        let settings = WebhookSettings::default();
        let now = Utc::now();
        let until = now + chrono::Duration::hours(24);
        let wait = |attempts| next_attempt(&settings, attempts, now, until).map(|t| t - now);
        assert_eq!(wait(1), Some(chrono::Duration::seconds(10)));
        assert_eq!(wait(2), Some(chrono::Duration::seconds(30)));
        assert_eq!(wait(3), Some(chrono::Duration::minutes(1)));
        assert_eq!(wait(4), Some(chrono::Duration::minutes(5)));
        assert_eq!(wait(40), Some(chrono::Duration::hours(1)));
        let late = until - chrono::Duration::seconds(5);
        assert_eq!(next_attempt(&settings, 3, late, until), None);
    }
}
