//! `crm user …`: the staff account verbs of the command line, the same changes as the
//! users API (audited, sessions ended where the API ends them). They answer the text to
//! print, so that a test runs them against a real database as an operator would.

use std::fmt::Write as _;

use anyhow::Context;
use clap::Subcommand;
use crm_domain::Role;

use crate::accounts;
use crate::startup::AppState;

/// A staff account verb and its arguments.
#[derive(Subcommand)]
pub enum UserCommand {
    /// Creates a staff account; without --password, reads it from standard input.
    Create {
        /// Login.
        #[arg(long)]
        username: String,
        /// cashier, marketing, director or admin.
        #[arg(long)]
        role: String,
        /// Password (prefer standard input: command lines end up in shell history).
        #[arg(long)]
        password: Option<String>,
        /// Name shown in the app.
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Sets a staff member's password (without --password, reads it from standard input)
    /// and ends their sessions. With --temporary they must change it at their next login.
    SetPassword {
        /// Login.
        #[arg(long)]
        username: String,
        /// New password (prefer standard input: command lines end up in shell history).
        #[arg(long)]
        password: Option<String>,
        /// The person must choose their own password at their next login.
        #[arg(long)]
        temporary: bool,
    },
    /// Lists the staff accounts (login, name, role, active, default store).
    List {
        /// One role only: cashier, marketing, director or admin.
        #[arg(long)]
        role: Option<String>,
        /// Stopped accounts only.
        #[arg(long, conflicts_with = "active")]
        inactive: bool,
        /// Active accounts only.
        #[arg(long)]
        active: bool,
    },
    /// Changes an account's role; its current access tokens stop working.
    SetRole {
        /// Login.
        #[arg(long)]
        username: String,
        /// cashier, marketing, director or admin.
        #[arg(long)]
        role: String,
    },
    /// Stops an account: it cannot sign in and its sessions end at once.
    Deactivate {
        /// Login.
        #[arg(long)]
        username: String,
    },
    /// Lets a stopped account sign in again.
    Activate {
        /// Login.
        #[arg(long)]
        username: String,
    },
}

/// Runs `command` against `state`; a password not given on the command line comes from
/// `read_secret` (standard input for `crm`). Answers what to print.
pub async fn run(
    state: &AppState,
    command: UserCommand,
    read_secret: impl FnOnce() -> anyhow::Result<String>,
) -> anyhow::Result<String> {
    let mut out = String::new();
    match command {
        UserCommand::Create {
            username,
            role,
            password,
            display_name,
        } => {
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            let password = new_password(password, &username, read_secret)?;
            let user = accounts::create_user(
                &state.db,
                username.trim(),
                role,
                &password,
                display_name.as_deref(),
            )
            .await
            .map_err(|e| match e {
                crm_store::StoreError::Conflict(_) => {
                    anyhow::anyhow!("l'utilisateur « {} » existe déjà", username.trim())
                }
                other => other.into(),
            })?;
            writeln!(
                out,
                "Utilisateur « {} » créé (id {}, rôle {}).",
                user.username,
                user.id,
                role.as_str()
            )?;
        }
        UserCommand::SetPassword {
            username,
            password,
            temporary,
        } => {
            let password = new_password(password, &username, read_secret)?;
            let user = find(state, &username).await?;
            accounts::set_password(&state.db, user.id, &password, temporary).await?;
            writeln!(
                out,
                "Mot de passe de « {} » changé{} ; ses sessions sont fermées.",
                user.username,
                if temporary {
                    " (à changer à la prochaine connexion)"
                } else {
                    ""
                }
            )?;
        }
        UserCommand::List {
            role,
            inactive,
            active,
        } => {
            let role: Option<Role> = role
                .map(|r| r.parse().map_err(anyhow::Error::msg))
                .transpose()?;
            let active = match (active, inactive) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            let filter = crm_store::users::UserFilter { role, active };
            writeln!(
                out,
                "{:<24} {:<28} {:<10} {:<8} magasin",
                "identifiant", "nom", "rôle", "actif"
            )?;
            let mut page = 1;
            loop {
                let (rows, total) = crm_store::users::list(&state.db, filter, page, 200).await?;
                for u in &rows {
                    writeln!(
                        out,
                        "{:<24} {:<28} {:<10} {:<8} {}",
                        u.username,
                        u.display_name,
                        u.role,
                        if u.active { "oui" } else { "non" },
                        u.store_id
                            .map(|s| s.to_string())
                            .unwrap_or_else(|| "—".into())
                    )?;
                }
                if rows.is_empty() || page * 200 >= total {
                    break;
                }
                page += 1;
            }
        }
        UserCommand::SetRole { username, role } => {
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            let user = change_account(state, &username, Some(role), None).await?;
            writeln!(
                out,
                "Rôle de « {} » : {} ; ses jetons en cours ne sont plus acceptés.",
                user.username, user.role
            )?;
        }
        UserCommand::Deactivate { username } => {
            let user = change_account(state, &username, None, Some(false)).await?;
            writeln!(
                out,
                "Compte « {} » désactivé ; ses sessions sont fermées.",
                user.username
            )?;
        }
        UserCommand::Activate { username } => {
            let user = change_account(state, &username, None, Some(true)).await?;
            writeln!(out, "Compte « {} » réactivé.", user.username)?;
        }
    }
    Ok(out)
}

/// The account with this login, or a French error naming it.
async fn find(state: &AppState, username: &str) -> anyhow::Result<crm_store::users::User> {
    crm_store::users::find_by_username(&state.db, username.trim())
        .await?
        .with_context(|| format!("aucun utilisateur « {} »", username.trim()))
}

/// `set-role|deactivate|activate`: the same audited change as `PATCH /users/{id}`.
async fn change_account(
    state: &AppState,
    username: &str,
    role: Option<Role>,
    active: Option<bool>,
) -> anyhow::Result<crm_store::users::User> {
    let user = find(state, username).await?;
    crm_store::users::set_role_and_active(
        &state.db,
        user.id,
        role,
        active,
        &crm_store::audit::Actor::default(),
    )
    .await?
    .with_context(|| format!("aucun utilisateur « {} »", username.trim()))
}

/// A staff password from `--password` or `read_secret`, checked against the policy.
fn new_password(
    given: Option<String>,
    username: &str,
    read_secret: impl FnOnce() -> anyhow::Result<String>,
) -> anyhow::Result<String> {
    let password = match given {
        Some(p) => p,
        None => read_secret()?,
    };
    accounts::check_password(&password, username).map_err(anyhow::Error::msg)?;
    Ok(password)
}
