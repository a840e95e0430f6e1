//! Refresh tokens: stored as SHA-256 hashes, single-use, rotated on every refresh.
//!
//! Every rotation of one login shares a `family_id`; presenting an already-used token
//! (a sign of theft) revokes the whole family.

use crate::entities::refresh_token;
use crate::StoreResult;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, TransactionTrait,
};

/// Outcome of presenting a refresh token.
#[derive(Debug, PartialEq, Eq)]
pub enum Rotation {
    /// Valid: the old token is now spent; the new one is stored. Holds the user id.
    Rotated {
        /// Owner of the session.
        user_id: i64,
        /// The session (refresh-token family) it continues.
        family_id: String,
    },
    /// Unknown or expired.
    Refused,
    /// Already used: a sign of theft. The whole family is now revoked.
    Reused {
        /// The session that ended.
        family_id: String,
    },
}

/// Stores a new session token for `user_id`.
pub async fn insert(
    db: &impl ConnectionTrait,
    user_id: i64,
    token_hash: String,
    family_id: String,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    refresh_token::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(token_hash),
        family_id: Set(family_id),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Spends `old_hash` and stores `new_hash` in its family, in one transaction.
pub async fn rotate(
    db: &DatabaseConnection,
    old_hash: &str,
    new_hash: String,
    new_expires_at: DateTime<Utc>,
) -> StoreResult<Rotation> {
    let txn = db.begin().await?;
    let now = Utc::now();
    // Spend the token first: the conditional UPDATE is the lock, so two concurrent
    // refreshes with one token cannot both succeed.
    let spent = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::TokenHash.eq(old_hash))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    let row = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(old_hash))
        .one(&txn)
        .await?;
    let Some(row) = row else {
        txn.rollback().await?;
        return Ok(Rotation::Refused);
    };
    if spent.rows_affected == 0 {
        // Reuse of a spent token: end every session of that login.
        revoke_family_in(&txn, &row.family_id, now).await?;
        txn.commit().await?;
        return Ok(Rotation::Reused {
            family_id: row.family_id,
        });
    }
    insert(
        &txn,
        row.user_id,
        new_hash,
        row.family_id.clone(),
        new_expires_at,
    )
    .await?;
    txn.commit().await?;
    Ok(Rotation::Rotated {
        user_id: row.user_id,
        family_id: row.family_id,
    })
}

/// Ends the session the token belongs to (logout) and returns its family, so the
/// caller can forget it at once. Unknown tokens are ignored.
pub async fn revoke(db: &impl ConnectionTrait, token_hash: &str) -> StoreResult<Option<String>> {
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    revoke_family_in(db, &row.family_id, Utc::now()).await?;
    Ok(Some(row.family_id))
}

/// Ends every session of a staff member (password changed or reset, account stopped).
pub async fn revoke_all_of_user(db: &impl ConnectionTrait, user_id: i64) -> StoreResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Whether a session still has a usable refresh token: access tokens issued for a
/// session that was logged out or revoked are refused.
pub async fn is_alive(db: &impl ConnectionTrait, family_id: &str) -> StoreResult<bool> {
    use sea_orm::PaginatorTrait;
    Ok(refresh_token::Entity::find()
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(Utc::now()))
        .count(db)
        .await?
        > 0)
}

async fn revoke_family_in(
    db: &impl ConnectionTrait,
    family_id: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Every stored token hash (tests check that tokens are never stored in clear).
pub async fn all_hashes(db: &impl ConnectionTrait) -> StoreResult<Vec<String>> {
    Ok(refresh_token::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.token_hash)
        .collect())
}
