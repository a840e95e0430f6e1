//! Whether a correctly signed access token may still be used: the account is active, its
//! role and token version are the ones the token was issued with, the session was not
//! logged out, and the service account was not stopped.
//!
//! Checking the database on every request would double the cost of identify at the till,
//! so the answers are kept in a small cache for [`RECHECK_AFTER`]. A change made through
//! this server (logout, deactivation, role change, password reset) forgets the cached
//! answer at once, so the very next request is refused; another instance of the server
//! sees it within [`RECHECK_AFTER`].

use crm_domain::Role;
use crm_store::{service_accounts, sessions, users, DatabaseConnection, StoreResult};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::tokens::Claims;

/// How long a cached answer is trusted before the database is asked again.
pub const RECHECK_AFTER: Duration = Duration::from_secs(1);

/// Entries kept per map; emptied when full (a chain's staff and integrators fit).
const KEPT: usize = 4096;

/// What the database says of a staff account, as far as access goes.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Account {
    active: bool,
    role: Role,
    token_version: i32,
    must_change_password: bool,
}

/// Why a signed, unexpired token is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Revoked {
    /// Account stopped, role changed, password reset, or session logged out.
    Session,
}

/// What the token may do once admitted.
#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    /// Everything its role or scopes grant.
    Full,
    /// Only change its password (and see who it is): the account is flagged.
    PasswordChangeOnly,
}

/// The cache of access answers, shared by every worker.
#[derive(Default)]
pub struct AccessGate {
    accounts: Mutex<HashMap<i64, (Instant, Option<Account>)>>,
    sessions: Mutex<HashMap<String, (Instant, bool)>>,
    services: Mutex<HashMap<String, (Instant, bool)>>,
}

impl AccessGate {
    /// Admits or refuses a token whose signature and expiry were already checked.
    pub async fn admit(
        &self,
        db: &DatabaseConnection,
        claims: &Claims,
    ) -> StoreResult<Result<Admission, Revoked>> {
        if let Some(client_id) = &claims.cid {
            let active = cached(&self.services, client_id.clone(), || async {
                Ok(service_accounts::find_active(db, client_id)
                    .await?
                    .is_some())
            })
            .await?;
            return Ok(if active {
                Ok(Admission::Full)
            } else {
                Err(Revoked::Session)
            });
        }
        let Some(user_id) = claims.uid else {
            return Ok(Err(Revoked::Session));
        };
        let account = cached(&self.accounts, user_id, || async {
            Ok(match users::find(db, user_id).await? {
                Some(u) => Some(Account {
                    active: u.active,
                    role: users::role_of(&u)?,
                    token_version: u.token_version,
                    must_change_password: u.must_change_password,
                }),
                None => None,
            })
        })
        .await?;
        let Some(account) = account
            .filter(|a| a.active && Some(a.role) == claims.role && a.token_version == claims.ver)
        else {
            return Ok(Err(Revoked::Session));
        };
        if let Some(session) = &claims.sid {
            let alive = cached(&self.sessions, session.clone(), || async {
                sessions::is_alive(db, session).await
            })
            .await?;
            if !alive {
                return Ok(Err(Revoked::Session));
            }
        }
        Ok(Ok(if account.must_change_password {
            Admission::PasswordChangeOnly
        } else {
            Admission::Full
        }))
    }

    /// Forgets what is known of a staff account (after changing it).
    pub fn forget_account(&self, user_id: i64) {
        lock(&self.accounts).remove(&user_id);
    }

    /// Forgets what is known of a session (after logging it out).
    pub fn forget_session(&self, session: &str) {
        lock(&self.sessions).remove(session);
    }
}

/// The cached answer for `key` if it is recent enough, else a fresh one from `load`.
async fn cached<K, V, F, Fut>(
    map: &Mutex<HashMap<K, (Instant, V)>>,
    key: K,
    load: F,
) -> StoreResult<V>
where
    K: std::hash::Hash + Eq,
    V: Clone,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = StoreResult<V>>,
{
    if let Some((at, value)) = lock(map).get(&key) {
        if at.elapsed() < RECHECK_AFTER {
            return Ok(value.clone());
        }
    }
    let value = load().await?;
    let mut map = lock(map);
    if map.len() >= KEPT {
        map.clear();
    }
    map.insert(key, (Instant::now(), value.clone()));
    Ok(value)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
