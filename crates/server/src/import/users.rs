//! `users.csv` → staff accounts.

use super::source::{self, Sheet};
use super::{FileRun, ImportError, Report};
use crate::auth::password;
use crate::startup::AppState;
use crm_domain::Role;
use crm_store::legacy::{self as store, Entity, LegacyUser};
use std::collections::HashSet;

/// The old system's roles.
fn role(value: &str) -> Result<Role, String> {
    match value.trim().to_ascii_uppercase().as_str() {
        "CAISSIER" | "CASHIER" => Ok(Role::Cashier),
        "MARKETING" => Ok(Role::Marketing),
        "DG" | "DIRECTOR" => Ok(Role::Director),
        "ADMIN" => Ok(Role::Admin),
        _ => Err(format!("rôle inconnu « {} »", value.trim())),
    }
}

/// Whether the stored hash is an argon2 PHC string this system can verify.
fn is_argon2(hash: &str) -> bool {
    argon2::password_hash::PasswordHash::new(hash)
        .is_ok_and(|h| h.algorithm.as_str().starts_with("argon2"))
}

struct Candidate {
    line: u64,
    user: LegacyUser,
}

/// Loads `users.csv`.
pub(crate) async fn import(
    state: &AppState,
    sheet: &Sheet,
    report: &mut Report,
) -> Result<(), ImportError> {
    let db = &state.db;
    let mut run = FileRun::new(report, sheet);
    let (c_username, c_role) = (sheet.required("username"), sheet.required("role"));
    let (c_password, c_hash) = (sheet.column("password"), sheet.column("password_hash"));
    let (c_first, c_last) = (sheet.column("first_name"), sheet.column("last_name"));
    // Staff accounts are few: usernames are compared over the whole file.
    let mut usernames = HashSet::new();
    let mut chunks = sheet.chunks()?;
    while let Some(rows) = chunks.next_chunk()? {
        let known = run
            .start_batch(state, sheet, &rows, "user_id", Entity::User)
            .await?;
        let mut candidates = Vec::new();
        for row in &rows {
            let Some(legacy_id) = run.admit(sheet, row, "user_id", &known) else {
                continue;
            };
            let Some(username) = source::text(row.get(c_username)) else {
                run.reject(row.line, "username vide");
                continue;
            };
            let role = match role(row.get(c_role)) {
                Ok(r) => r,
                Err(reason) => {
                    run.reject(row.line, reason);
                    continue;
                }
            };
            if !usernames.insert(username.to_lowercase()) {
                run.reject(
                    row.line,
                    format!("username « {username} » en double dans le fichier"),
                );
                continue;
            }
            let (hash, plain) = (row.opt(c_hash), row.opt(c_password));
            let (password_hash, must_change) = if is_argon2(hash) {
                (hash.to_owned(), false)
            } else if !plain.is_empty() {
                (password::hash(plain), true)
            } else if !hash.is_empty() {
                run.note(
                row.line,
                format!("« {username} » : empreinte de mot de passe non reprise (algorithme non argon2) ; compte créé, mot de passe à réinitialiser"),
            );
                (password::hash(&uuid::Uuid::new_v4().to_string()), true)
            } else {
                run.reject(row.line, "ni password ni password_hash");
                continue;
            };
            let display_name = [row.opt(c_first), row.opt(c_last)]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            candidates.push(Candidate {
                line: row.line,
                user: LegacyUser {
                    legacy_id,
                    display_name: if display_name.is_empty() {
                        username.clone()
                    } else {
                        display_name
                    },
                    username,
                    password_hash,
                    role,
                    must_change_password: must_change,
                },
            });
        }
        let names: Vec<String> = candidates.iter().map(|c| c.user.username.clone()).collect();
        let taken = store::users_by_username(db, &names).await?;
        let mut matched = Vec::new();
        let mut fresh = Vec::new();
        for c in candidates {
            match taken.get(&c.user.username) {
                Some(&id) => {
                    run.note(
                        c.line,
                        format!(
                            "le compte « {} » existe déjà : rattaché, sans modification",
                            c.user.username
                        ),
                    );
                    run.present();
                    matched.push((c.user.legacy_id.clone(), id));
                }
                None => fresh.push(c.user),
            }
        }
        store::record_ids(db, Entity::User, &matched).await?;
        let ids = store::insert_users(db, &fresh).await?;
        run.imported(ids.len());
    }
    run.finish();
    Ok(())
}
