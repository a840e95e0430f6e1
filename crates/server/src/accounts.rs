//! Creating staff and service accounts (CLI and demo seed share these).

use crate::auth::password;
use crm_domain::{Role, Scope};
use crm_store::{service_accounts, users, DatabaseConnection, StoreResult};
use rand::distributions::{Alphanumeric, DistString};

/// Creates a staff account with a freshly hashed password.
pub async fn create_user(
    db: &DatabaseConnection,
    username: &str,
    role: Role,
    password: &str,
    display_name: Option<&str>,
) -> StoreResult<users::User> {
    users::create(
        db,
        users::NewUser {
            username,
            password_hash: password::hash(password),
            role,
            display_name: display_name.unwrap_or(username),
            store_id: None,
        },
    )
    .await
}

/// A new service account's credentials; the secret is shown once and stored hashed.
pub struct IssuedCredentials {
    /// Public identifier.
    pub client_id: String,
    /// Secret (never stored in clear).
    pub client_secret: String,
}

/// Creates a service account with `scopes`.
pub async fn create_service_account(
    db: &DatabaseConnection,
    name: &str,
    scopes: &[Scope],
) -> StoreResult<IssuedCredentials> {
    let mut rng = rand::thread_rng();
    let client_id = format!(
        "sa_{}",
        Alphanumeric.sample_string(&mut rng, 16).to_lowercase()
    );
    let client_secret = Alphanumeric.sample_string(&mut rng, 40);
    let scope_list = scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    service_accounts::create(
        db,
        &client_id,
        password::hash(&client_secret),
        name,
        &scope_list,
    )
    .await?;
    Ok(IssuedCredentials {
        client_id,
        client_secret,
    })
}

/// Password rules for staff accounts.
pub fn check_password(password: &str) -> Result<(), String> {
    if password.chars().count() < 8 {
        return Err("le mot de passe doit faire au moins 8 caractères".into());
    }
    Ok(())
}
