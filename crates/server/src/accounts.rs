//! Creating staff and service accounts (CLI and demo seed share these).

use crate::auth::password;
use crm_domain::{Role, Scope};
use crm_store::audit::Actor;
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

/// Password rules for staff accounts (the domain's policy), as a message for the CLI.
pub fn check_password(password: &str, username: &str) -> Result<(), String> {
    crm_domain::password::check(password, username).map_err(|refusal| refusal.to_string())
}

/// A temporary password handed to a person after a reset: 14 characters from an
/// alphabet without look-alikes, always with a letter and a digit so it meets the policy.
#[expect(
    clippy::expect_used,
    reason = "both alphabets are non-empty constants, so `choose` always picks one"
)]
pub fn temporary_password() -> String {
    use rand::seq::SliceRandom;
    const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    let mut rng = rand::thread_rng();
    let mut chars: Vec<u8> = (0..12)
        .map(|i| {
            let set = if i % 3 == 2 { DIGITS } else { LETTERS };
            *set.choose(&mut rng).expect("non-empty alphabet")
        })
        .collect();
    chars.push(*DIGITS.choose(&mut rng).expect("non-empty alphabet"));
    chars.push(*LETTERS.choose(&mut rng).expect("non-empty alphabet"));
    chars.shuffle(&mut rng);
    chars.into_iter().map(char::from).collect()
}

/// Sets a staff member's password (CLI and admin reset). With `temporary`, the account
/// must change it at its next login. Every session of the account ends.
pub async fn set_password(
    db: &DatabaseConnection,
    user_id: i64,
    password: &str,
    temporary: bool,
) -> StoreResult<bool> {
    users::set_password(
        db,
        user_id,
        password::hash(password),
        temporary,
        (&Actor::default(), "user.password_set"),
    )
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn temporary_passwords_meet_the_policy_and_differ() {
        let a = super::temporary_password();
        let b = super::temporary_password();
        assert_eq!(a.len(), 14);
        assert_ne!(a, b);
        assert_eq!(crm_domain::password::check(&a, "someone"), Ok(()));
    }
}
