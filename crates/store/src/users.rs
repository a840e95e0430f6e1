//! Staff accounts.

use crate::entities::user;
use crate::{StoreError, StoreResult};
use chrono::Utc;
use crm_domain::Role;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
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
pub fn role_of(user: &User) -> Role {
    user.role.parse().unwrap_or(Role::Cashier)
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
