//! Login attempts shared by every API instance: one counter per bucket (an account name
//! or a network address) and per minute window.
//!
//! A fixed window is coarser than the in-process limiter (an attacker may spend two
//! allowances across a window boundary) but it needs one statement per attempt and no
//! clock agreement beyond the database's rows, which is what several instances share.

use crate::sql::statement;
use crate::StoreResult;
use sea_orm::{ConnectionTrait, Value};

const COUNT: &str =
    "INSERT INTO login_attempts (bucket, window_start, attempts) VALUES ($1, $2, 1) \
     ON CONFLICT (bucket, window_start) DO UPDATE SET attempts = login_attempts.attempts + 1 \
     RETURNING attempts";

const FORGET_BEFORE: &str = "DELETE FROM login_attempts WHERE window_start < $1";

/// Counts one attempt in `bucket` during the minute `window_start` and returns how many
/// that window now holds (this one included); windows before it are forgotten.
pub async fn count(db: &impl ConnectionTrait, bucket: &str, window_start: i64) -> StoreResult<i64> {
    db.execute_raw(statement(db, FORGET_BEFORE, [Value::from(window_start)]))
        .await?;
    let row = db
        .query_one_raw(statement(
            db,
            COUNT,
            [Value::from(bucket.to_owned()), Value::from(window_start)],
        ))
        .await?
        .ok_or(crate::StoreError::NotFound)?;
    Ok(i64::from(row.try_get::<i32>("", "attempts")?))
}
