//! `clients.csv` → customers, with their phone encrypted and indexed exactly as the till
//! does. A phone already known is not duplicated: the legacy id is attached to that
//! customer. Reasons and notes never quote the number.

use super::source::{self, Sheet};
use super::{FileRun, ImportError, Report};
use crate::startup::AppState;
use chrono::Utc;
use crm_domain::customer::customer_number;
use crm_domain::phone::{Phone, PhoneError};
use crm_domain::Level;
use crm_store::customers::DEFAULT_CITY;
use crm_store::legacy::{self as store, Entity, LegacyCustomer};
use std::collections::{HashMap, HashSet};

struct Candidate {
    line: u64,
    customer: LegacyCustomer,
}

/// The highest customer number kept from the old system in this system's own shape
/// (`CLT` + 7 digits): ids up to it are set aside for the numbers kept, so a larger one
/// would push the id sequence towards its end, and every customer created afterwards
/// would fail.
pub const LAST_KEPT_NUMBER: i64 = 9_999_999;

/// How a customer number of the old system is taken.
#[derive(Debug, PartialEq, Eq)]
enum Number {
    /// Exactly what this system gives the customer of id `n` (`CLT0000042`): kept, and
    /// the ids up to `n` are set aside.
    Own(i64),
    /// Another shape (`CLT00001`, `FID-12`): kept as it is.
    Foreign,
}

/// Reads a customer number; an error for `CLT` followed by digits beyond
/// [`LAST_KEPT_NUMBER`].
fn number(value: &str) -> Result<Number, String> {
    let Some(digits) = value
        .strip_prefix("CLT")
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    else {
        return Ok(Number::Foreign);
    };
    match digits.parse::<i64>() {
        Ok(n) if n <= LAST_KEPT_NUMBER => Ok(if n > 0 && customer_number(n) == value {
            Number::Own(n)
        } else {
            Number::Foreign
        }),
        _ => Err(format!(
            "numéro client « {value} » hors de la plage des identifiants (au plus {})",
            customer_number(LAST_KEPT_NUMBER)
        )),
    }
}

/// Loads `clients.csv`.
pub(crate) async fn import(
    state: &AppState,
    sheet: &Sheet,
    report: &mut Report,
) -> Result<(), ImportError> {
    let db = &state.db;
    let mut run = FileRun::new(report, sheet);
    let c = |name| sheet.required(name);
    let (c_number, c_phone, c_last, c_first) = (
        c("client_number"),
        c("phone"),
        c("last_name"),
        c("first_name"),
    );
    let (c_email, c_city, c_birth, c_registered) =
        (c("email"), c("city"), c("birth_date"), c("registered_at"));
    let (c_tier, c_points, c_visit) = (c("loyalty_tier"), c("loyalty_points"), c("last_visit_at"));
    let now = Utc::now();
    let mut chunks = sheet.chunks()?;
    while let Some(rows) = chunks.next_chunk()? {
        let known = run
            .start_batch(state, sheet, &rows, "client_id", Entity::Client)
            .await?;
        // Within the batch: phone index → legacy id and line of the first row holding it.
        // A phone met again in a later batch is found in the database.
        let mut first_with_phone: HashMap<String, (String, u64)> = HashMap::new();
        let mut duplicates = Vec::new();
        let mut numbers = HashSet::new();
        let mut candidates = Vec::new();
        for row in &rows {
            let Some(legacy_id) = run.admit(sheet, row, "client_id", &known) else {
                continue;
            };
            let phone = match Phone::parse(row.get(c_phone), &state.settings.default_region) {
                Ok(p) => p,
                Err(PhoneError::Empty) => {
                    run.reject(row.line, "téléphone manquant");
                    continue;
                }
                Err(_) => {
                    run.reject(row.line, "téléphone invalide");
                    continue;
                }
            };
            let parsed = (|| {
                let level: Level = match row.get(c_tier) {
                    "" => Level::Standard,
                    v => v.parse()?,
                };
                let points = match row.get(c_points) {
                    "" => 0,
                    v => source::amount(v, "loyalty_points")?,
                };
                let registered_at = match row.get(c_registered) {
                    "" => now,
                    v => source::timestamp(v, "registered_at")?,
                };
                let last_visit_at = match row.get(c_visit) {
                    "" => None,
                    v => Some(source::timestamp(v, "last_visit_at")?),
                };
                let birth_date = match row.get(c_birth) {
                    "" => None,
                    v => Some(source::date(v, "birth_date")?),
                };
                Ok::<_, String>((level, points, registered_at, last_visit_at, birth_date))
            })();
            let (level, points, registered_at, last_visit_at, birth_date) = match parsed {
                Ok(p) => p,
                Err(reason) => {
                    run.reject(row.line, reason);
                    continue;
                }
            };
            let phone_index = state.vault.index(&phone);
            if let Some((first, first_line)) = first_with_phone.get(&phone_index) {
                run.note(
                row.line,
                format!("même téléphone que la ligne {first_line} : rattaché à ce client (ses points ne sont pas ajoutés)"),
            );
                duplicates.push((legacy_id, first.clone()));
                continue;
            }
            first_with_phone.insert(phone_index.clone(), (legacy_id.clone(), row.line));
            let mut number = source::text(row.get(c_number));
            let own = match number.as_deref().map(self::number).transpose() {
                Ok(Some(Number::Own(n))) => Some(n),
                Ok(_) => None,
                Err(reason) => {
                    run.reject(row.line, reason);
                    continue;
                }
            };
            if let Some(n) = number.clone() {
                if !numbers.insert(n.clone()) {
                    run.note(row.line, format!("numéro client « {n} » en double dans le fichier : un nouveau numéro est attribué"));
                    number = None;
                }
            }
            candidates.push((
                own,
                Candidate {
                    line: row.line,
                    customer: LegacyCustomer {
                        legacy_id,
                        customer_number: number,
                        phone_cipher: state.vault.seal(&phone),
                        phone_index,
                        first_name: source::text(row.get(c_first)),
                        last_name: source::text(row.get(c_last)),
                        email: source::text(row.get(c_email)),
                        city: source::text(row.get(c_city))
                            .unwrap_or_else(|| DEFAULT_CITY.to_owned()),
                        birth_date,
                        level,
                        points,
                        registered_at,
                        last_visit_at,
                    },
                },
            ));
        }
        // Kept numbers shaped like ours (`CLT0000042`): new customers must never be given them.
        if let Some(highest) = candidates.iter().filter_map(|(own, _)| *own).max() {
            store::reserve_customer_ids_up_to(db, highest).await?;
        }
        let indexes: Vec<String> = candidates
            .iter()
            .map(|(_, c)| c.customer.phone_index.clone())
            .collect();
        let numbers: Vec<String> = candidates
            .iter()
            .filter_map(|(_, c)| c.customer.customer_number.clone())
            .collect();
        let by_phone = store::customers_by_phone_index(db, &indexes).await?;
        let numbers_taken = store::customer_numbers_taken(db, &numbers).await?;
        let mut matched = Vec::new();
        let mut fresh = Vec::new();
        for (_, mut c) in candidates {
            if let Some((id, number)) = by_phone.get(&c.customer.phone_index) {
                run.note(
                    c.line,
                    format!(
                        "téléphone déjà connu : rattaché au client {}",
                        number.as_deref().unwrap_or("existant")
                    ),
                );
                run.present();
                matched.push((c.customer.legacy_id, *id));
                continue;
            }
            if let Some(n) = c
                .customer
                .customer_number
                .as_ref()
                .filter(|n| numbers_taken.contains(*n))
            {
                run.note(
                    c.line,
                    format!("numéro client « {n} » déjà utilisé : un nouveau numéro est attribué"),
                );
                c.customer.customer_number = None;
            }
            fresh.push(c.customer);
        }
        store::record_ids(db, Entity::Client, &matched).await?;
        let ids = store::insert_customers(db, &fresh).await?;
        run.imported(ids.len());
        // Rows repeating a phone of an earlier row of the batch follow that row's customer.
        let batch: HashMap<String, i64> = matched
            .into_iter()
            .chain(fresh.into_iter().map(|c| c.legacy_id).zip(ids))
            .collect();
        let pairs: Vec<(String, i64)> = duplicates
            .into_iter()
            .filter_map(|(dup, first)| batch.get(&first).map(|&id| (dup, id)))
            .collect();
        for _ in &pairs {
            run.present();
        }
        store::record_ids(db, Entity::Client, &pairs).await?;
    }
    run.finish();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_numbers_within_the_id_range() {
        assert_eq!(number("CLT0000042"), Ok(Number::Own(42)));
        assert_eq!(number("CLT9999999"), Ok(Number::Own(9_999_999)));
        assert_eq!(
            number("CLT00001"),
            Ok(Number::Foreign),
            "not our shape: kept as text"
        );
        assert_eq!(number("FID-12"), Ok(Number::Foreign));
        assert_eq!(number("CLT0000000"), Ok(Number::Foreign));
        for beyond in [
            "CLT10000000",
            "CLT9223372036854775807",
            "CLT99999999999999999999",
        ] {
            assert_eq!(
                number(beyond),
                Err(format!(
                    "numéro client « {beyond} » hors de la plage des identifiants (au plus CLT9999999)"
                ))
            );
        }
    }
}
