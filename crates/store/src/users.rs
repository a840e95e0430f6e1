//! Staff accounts.

use crate::audit::Actor;
use crate::entities::user;
use crate::{StoreError, StoreResult};
use chrono::Utc;
use crm_domain::Role;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set, TransactionTrait,
};

pub use user::Model as User;

/// A staff account to create; the password is already hashed.
pub struct NewUser<'a> {
    /// Login, unique.
    pub username: &'a str,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// Name shown in the header and on receipts.
    pub display_name: &'a str,
    /// Home store.
    pub store_id: Option<i64>,
}

/// Creates a staff account; `Conflict` if the username is taken.
pub async fn create(db: &impl ConnectionTrait, new: NewUser<'_>) -> StoreResult<User> {
    user::ActiveModel {
        username: Set(new.username.to_owned()),
        password_hash: Set(new.password_hash),
        role: Set(new.role.as_str().to_owned()),
        display_name: Set(new.display_name.to_owned()),
        active: Set(true),
        must_change_password: Set(false),
        store_id: Set(new.store_id),
        token_version: Set(0),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::from_write(e, "username"))
}

/// The account with this login, if any.
pub async fn find_by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> StoreResult<Option<User>> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await?)
}

/// The account with this id, if any.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> StoreResult<Option<User>> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

/// Number of staff accounts (the demo seed runs only on an empty database).
pub async fn count(db: &impl ConnectionTrait) -> StoreResult<u64> {
    Ok(user::Entity::find().count(db).await?)
}

/// The role stored on a row, read back as the domain type.
pub fn role_of(user: &User) -> StoreResult<Role> {
    crate::stored("users.role", &user.role)
}

/// Sets or clears the "must change password at next login" flag of an account.
pub async fn set_must_change_password(
    db: &impl ConnectionTrait,
    user_id: i64,
    must_change: bool,
) -> StoreResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::MustChangePassword, Expr::value(must_change))
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Replaces the password hash and sets the "must change" flag, in one transaction with
/// the end of every session of the account; its earlier access tokens stop working too
/// (its token version moves on). False if there is no such account.
pub async fn set_password(
    db: &DatabaseConnection,
    user_id: i64,
    password_hash: String,
    must_change: bool,
    audit: (&Actor, &str),
) -> StoreResult<bool> {
    let txn = db.begin().await?;
    let updated = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
        .col_expr(user::Column::MustChangePassword, Expr::value(must_change))
        .col_expr(
            user::Column::TokenVersion,
            Expr::col(user::Column::TokenVersion).add(1),
        )
        .filter(user::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    crate::sessions::revoke_all_of_user(&txn, user_id).await?;
    let (actor, action) = audit;
    crate::audit::record(
        &txn,
        actor,
        action,
        "user",
        Some(user_id.to_string()),
        None,
        Some(serde_json::json!({ "must_change_password": must_change })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated.rows_affected == 1)
}

/// Changes the role and/or the active flag, audited. When either changes, the account's
/// earlier access tokens stop working; a stopped account's sessions end. Returns the
/// account as it is now.
pub async fn set_role_and_active(
    db: &DatabaseConnection,
    user_id: i64,
    role: Option<Role>,
    active: Option<bool>,
    actor: &Actor,
) -> StoreResult<Option<User>> {
    let txn = db.begin().await?;
    let Some(current) = find(&txn, user_id).await? else {
        return Ok(None);
    };
    let role_changes = role.is_some_and(|r| r.as_str() != current.role);
    let active_changes = active.is_some_and(|a| a != current.active);
    if !role_changes && !active_changes {
        return Ok(Some(current));
    }
    let snapshot = |u: &User| serde_json::json!({ "role": u.role, "active": u.active });
    let mut update = user::Entity::update_many()
        .col_expr(
            user::Column::TokenVersion,
            Expr::col(user::Column::TokenVersion).add(1),
        )
        .filter(user::Column::Id.eq(user_id));
    if let Some(role) = role {
        update = update.col_expr(user::Column::Role, Expr::value(role.as_str()));
    }
    if let Some(active) = active {
        update = update.col_expr(user::Column::Active, Expr::value(active));
    }
    update.exec(&txn).await?;
    if active == Some(false) {
        crate::sessions::revoke_all_of_user(&txn, user_id).await?;
    }
    let changed = find(&txn, user_id).await?;
    crate::audit::record(
        &txn,
        actor,
        "user.updated",
        "user",
        Some(user_id.to_string()),
        Some(snapshot(&current)),
        changed.as_ref().map(snapshot),
    )
    .await?;
    txn.commit().await?;
    Ok(changed)
}

/// Which accounts `GET /users` and `crm user list` show.
#[derive(Clone, Copy, Debug, Default)]
pub struct UserFilter {
    /// One role only.
    pub role: Option<Role>,
    /// Active (or stopped) accounts only.
    pub active: Option<bool>,
}

/// Staff accounts by login, a page of them and how many match in all. The technical
/// sellers of service accounts (`service:<client id>`) are not staff and are left out.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: UserFilter,
    page: u64,
    per_page: u64,
) -> StoreResult<(Vec<User>, u64)> {
    use sea_orm::QueryOrder;
    let mut query = user::Entity::find()
        .filter(user::Column::Username.not_like("service:%"))
        .order_by_asc(user::Column::Username);
    if let Some(role) = filter.role {
        query = query.filter(user::Column::Role.eq(role.as_str()));
    }
    if let Some(active) = filter.active {
        query = query.filter(user::Column::Active.eq(active));
    }
    let paginator = query.paginate(db, Ord::max(per_page, 1));
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.saturating_sub(1)).await?;
    Ok((rows, total))
}

/// Creates a staff account whose password is temporary (it must be changed at the first
/// login), audited, in one transaction; `Conflict` if the username is taken.
pub async fn create_with_temporary_password(
    db: &DatabaseConnection,
    new: NewUser<'_>,
    actor: &Actor,
) -> StoreResult<User> {
    let txn = db.begin().await?;
    let created = create(&txn, new).await?;
    set_must_change_password(&txn, created.id, true).await?;
    let created = find(&txn, created.id).await?.ok_or(StoreError::NotFound)?;
    crate::audit::record(
        &txn,
        actor,
        "user.create",
        "user",
        Some(created.id.to_string()),
        None,
        Some(serde_json::json!({
            "username": created.username, "display_name": created.display_name,
            "role": created.role, "store_id": created.store_id, "must_change_password": true,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Sets the account's default store (the till it opens on) or takes it away (`None`),
/// audited. Its tokens stay valid: the store decides no right. `None` if there is no
/// such account.
pub async fn set_store(
    db: &DatabaseConnection,
    user_id: i64,
    store_id: Option<i64>,
    actor: &Actor,
) -> StoreResult<Option<User>> {
    let txn = db.begin().await?;
    let Some(current) = find(&txn, user_id).await? else {
        return Ok(None);
    };
    if current.store_id == store_id {
        return Ok(Some(current));
    }
    user::Entity::update_many()
        .col_expr(user::Column::StoreId, Expr::value(store_id))
        .filter(user::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    crate::audit::record(
        &txn,
        actor,
        "user.store_changed",
        "user",
        Some(user_id.to_string()),
        Some(serde_json::json!({ "store_id": current.store_id })),
        Some(serde_json::json!({ "store_id": store_id })),
    )
    .await?;
    let changed = find(&txn, user_id).await?;
    txn.commit().await?;
    Ok(changed)
}
