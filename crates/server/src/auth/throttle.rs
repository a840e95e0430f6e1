//! Login throttling: password guessing is slowed per account name and per network
//! address, and the number of password hashes computed at once is bounded.
//!
//! Argon2 is deliberately expensive (≈19 MiB and tens of milliseconds per check), so 800
//! logins sent at once would otherwise take 15 GiB and every core. A request that waits
//! too long for a hashing slot is told to come back later instead of piling up.
//!
//! Attempts are counted twice. In this process first (`governor`'s keyed GCRA limiters):
//! a flood is turned away without touching the database. Then in the database
//! (`crm_store::login_attempts`, one counter per name or address and per minute), which
//! every API instance behind a balancer shares: running several instances does not
//! multiply the allowance. The database count costs two small statements per attempt,
//! nothing beside the argon2 check that follows.

use crm_store::{login_attempts, DatabaseConnection, StoreError};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{Semaphore, SemaphorePermit};

/// How long a login waits for a hashing slot before it is turned away.
const HASH_SLOT_WAIT: Duration = Duration::from_secs(10);

/// Distinct keys remembered before the idle ones are dropped.
const KEYS_KEPT: usize = 10_000;

/// Longest account name used as a key: longer names cannot exist.
const NAME_KEY_CHARS: usize = 64;

/// Why a login attempt is not even tried.
#[derive(Debug)]
pub enum Throttled {
    /// Too many attempts for this name or from this address: retry after that long.
    TooManyAttempts(Duration),
    /// Every hashing slot stayed busy: the server is flooded.
    Busy,
    /// The shared counters could not be read.
    Store(StoreError),
}

/// Per-name and per-address limiters and the hashing slots, shared by every worker.
pub struct LoginThrottle {
    per_name: u32,
    per_address: u32,
    by_name: DefaultKeyedRateLimiter<String>,
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    hashing: Semaphore,
    clock: DefaultClock,
}

impl LoginThrottle {
    /// `per_name` and `per_address` attempts a minute (the full allowance may be spent at
    /// once, then it comes back evenly), and `hashing_slots` hashes at a time.
    pub fn new(per_name: u32, per_address: u32, hashing_slots: usize) -> LoginThrottle {
        let quota =
            |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN));
        LoginThrottle {
            per_name,
            per_address,
            by_name: RateLimiter::keyed(quota(per_name)),
            by_address: RateLimiter::keyed(quota(per_address)),
            hashing: Semaphore::new(hashing_slots.max(1)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one attempt for `name` from `address` in this process, then in the
    /// database every instance shares, or says how long to wait.
    pub async fn attempt(
        &self,
        db: &DatabaseConnection,
        name: &str,
        address: Option<IpAddr>,
    ) -> Result<(), Throttled> {
        let name = name_key(name);
        self.attempt_here(&name, address)?;
        let minute = minutes_since_epoch();
        let mut buckets = vec![(format!("name:{name}"), self.per_name)];
        if let Some(address) = address {
            buckets.push((format!("address:{address}"), self.per_address));
        }
        for (bucket, allowance) in buckets {
            let attempts = login_attempts::count(db, &bucket, minute)
                .await
                .map_err(Throttled::Store)?;
            if attempts > i64::from(allowance.max(1)) {
                return Err(Throttled::TooManyAttempts(until_next_minute()));
            }
        }
        Ok(())
    }

    /// The in-process count: a flood stops here, before the database.
    fn attempt_here(&self, name: &str, address: Option<IpAddr>) -> Result<(), Throttled> {
        self.forget_idle();
        if let Some(address) = address {
            self.by_address.check_key(&address).map_err(|not_until| {
                Throttled::TooManyAttempts(not_until.wait_time_from(self.clock.now()))
            })?;
        }
        self.by_name
            .check_key(&name.to_owned())
            .map_err(|not_until| {
                Throttled::TooManyAttempts(not_until.wait_time_from(self.clock.now()))
            })
    }

    /// A slot to compute one password hash in; `Busy` after waiting too long.
    pub async fn hashing_slot(&self) -> Result<SemaphorePermit<'_>, Throttled> {
        match tokio::time::timeout(HASH_SLOT_WAIT, self.hashing.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Throttled::Busy),
        }
    }

    fn forget_idle(&self) {
        if self.by_name.len() > KEYS_KEPT {
            self.by_name.retain_recent();
        }
        if self.by_address.len() > KEYS_KEPT {
            self.by_address.retain_recent();
        }
    }
}

/// The key of an account name: the same account whatever the case or the spaces around.
fn name_key(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .chars()
        .take(NAME_KEY_CHARS)
        .collect()
}

fn since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

fn minutes_since_epoch() -> i64 {
    (since_epoch().as_secs() / 60) as i64
}

/// The wait until the shared counters start a new window.
fn until_next_minute() -> Duration {
    Duration::from_secs(60 - since_epoch().as_secs() % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_limited_whatever_its_case_and_others_are_not() {
        let throttle = LoginThrottle::new(3, 1000, 1);
        for _ in 0..3 {
            assert!(throttle.attempt_here(&name_key("Awa"), None).is_ok());
        }
        let Err(Throttled::TooManyAttempts(wait)) = throttle.attempt_here(&name_key(" awa "), None)
        else {
            panic!("the fourth attempt within a minute must be refused");
        };
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(20));
        assert!(throttle.attempt_here("moussa", None).is_ok());
    }

    #[test]
    fn an_address_is_limited_across_names() {
        let throttle = LoginThrottle::new(1000, 2, 1);
        let address: IpAddr = "10.0.0.7".parse().unwrap();
        assert!(throttle.attempt_here("a", Some(address)).is_ok());
        assert!(throttle.attempt_here("b", Some(address)).is_ok());
        assert!(throttle.attempt_here("c", Some(address)).is_err());
        assert!(throttle
            .attempt_here("c", Some("10.0.0.8".parse().unwrap()))
            .is_ok());
    }

    #[tokio::test]
    async fn hashing_slots_are_bounded() {
        let throttle = LoginThrottle::new(10, 10, 2);
        let first = throttle.hashing_slot().await.unwrap();
        let _second = throttle.hashing_slot().await.unwrap();
        assert_eq!(throttle.hashing.available_permits(), 0);
        drop(first);
        assert!(throttle.hashing_slot().await.is_ok());
    }
}
