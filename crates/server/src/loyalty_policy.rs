//! The loyalty policy in force, kept in memory: identify, the quote and the sale read
//! the loyalty discount from it at every request, and identify — the hottest request —
//! must not pay a query for a figure that changes a few times a year.
//!
//! An instance asks the database again after [`REFRESH`], so that every API instance
//! behind the balancer applies a new policy within that delay; the instance that saved
//! it (`PUT /loyalty/policy`) applies it at once ([`PolicyCache::keep`]).

use crm_domain::loyalty::LoyaltyPolicy;
use crm_store::{DatabaseConnection, StoreResult};
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// How long the policy read from the database is kept.
const REFRESH: Duration = Duration::from_secs(30);

/// The policy in force and when it was read.
#[derive(Default)]
pub struct PolicyCache {
    kept: RwLock<Option<(Instant, LoyaltyPolicy)>>,
    /// Held while the database is asked, and by [`PolicyCache::keep`]: the requests that
    /// find the policy stale together send one query, and a read that started before a
    /// save cannot put the old policy back after it.
    refreshing: tokio::sync::Mutex<()>,
}

impl PolicyCache {
    /// The policy in force (a stored policy that does not read back is an error, never
    /// the default).
    pub async fn current(&self, db: &DatabaseConnection) -> StoreResult<LoyaltyPolicy> {
        if let Some(policy) = self.fresh() {
            return Ok(policy);
        }
        let _refreshing = self.refreshing.lock().await;
        // Another request may have read it while this one waited.
        if let Some(policy) = self.fresh() {
            return Ok(policy);
        }
        let policy = crm_store::settings::loyalty_policy(db).await?;
        self.store(policy);
        Ok(policy)
    }

    /// Applies `policy`, just saved, on this instance from now on.
    pub async fn keep(&self, policy: LoyaltyPolicy) {
        let _refreshing = self.refreshing.lock().await;
        self.store(policy);
    }

    fn fresh(&self) -> Option<LoyaltyPolicy> {
        let kept = self
            .kept
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.filter(|(at, _)| at.elapsed() < REFRESH)
            .map(|(_, policy)| policy)
    }

    fn store(&self, policy: LoyaltyPolicy) {
        *self
            .kept
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((Instant::now(), policy));
    }
}
