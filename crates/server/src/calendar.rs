//! The business day at a till: the date in its store's time zone. Every rule that reads
//! "today" — coupon validity at identify, the quote, the sale's business date, a refund's
//! "same day" — asks here, so a quote and the sale that follows can never disagree about
//! the day near midnight.

use crm_domain::period::BusinessDate;
use crm_store::{DatabaseConnection, StoreResult};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a till's time zone is kept before the database is asked again. Stores change
/// time zone about never; identify, the hottest request, must not pay a query for it.
const REFRESH: Duration = Duration::from_secs(60);

/// Each till's time zone, kept for [`REFRESH`] (`None`: the till the API falls back on when
/// a request names none — the first till of the first store, as the sale does).
#[derive(Default)]
pub struct StoreCalendar {
    kept: Mutex<HashMap<Option<i64>, (Instant, chrono_tz::Tz)>>,
}

impl StoreCalendar {
    /// The business day now at `till_id` (an unknown or closed till: the default one's).
    pub async fn today(
        &self,
        db: &DatabaseConnection,
        till_id: Option<i64>,
    ) -> StoreResult<BusinessDate> {
        Ok(BusinessDate::today(self.time_zone(db, till_id).await?))
    }

    /// The time zone of `till_id`'s store (an unknown or closed till, or `None`: the
    /// default till's): the KPIs' days.
    pub async fn time_zone(
        &self,
        db: &DatabaseConnection,
        till_id: Option<i64>,
    ) -> StoreResult<chrono_tz::Tz> {
        if let Some((at, tz)) = self.lock().get(&till_id) {
            if at.elapsed() < REFRESH {
                return Ok(*tz);
            }
        }
        let shop = crm_store::sales::till_and_store(db, till_id).await?;
        if shop.is_none() && till_id.is_some() {
            // Not kept: ids typed by anyone must not grow this map.
            return Box::pin(self.time_zone(db, None)).await;
        }
        // A database without any till yet (before `crm demo` or the first store): the
        // chain's home time zone.
        let tz = match shop {
            Some((_, shop)) => crm_store::stores::time_zone_of(&shop)?,
            None => chrono_tz::Africa::Abidjan,
        };
        self.lock().insert(till_id, (Instant::now(), tz));
        Ok(tz)
    }

    /// Drops every kept time zone: a store's changed, the next request reads it again.
    pub fn forget(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Option<i64>, (Instant, chrono_tz::Tz)>> {
        self.kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
