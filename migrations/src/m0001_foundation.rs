//! Stores and tills, staff and their sessions, service accounts, customers with their
//! encrypted phone, the points ledger, level changes and the audit log.

use crate::shape::{foreign_key, index, table};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                table("stores")
                    .col(string_uniq("code"))
                    .col(string("name"))
                    .col(string("city"))
                    .col(string("timezone"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                table("tills")
                    .col(big_integer("store_id"))
                    .col(string("code"))
                    .col(string("name"))
                    .col(boolean("active"))
                    .foreign_key(&mut foreign_key("tills", "store_id", "stores"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("tills_store_code", "tills", &["store_id", "code"])
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                table("users")
                    .col(string_uniq("username"))
                    .col(string("password_hash"))
                    .col(string("role"))
                    .col(string("display_name"))
                    .col(boolean("active"))
                    .col(boolean("must_change_password"))
                    .col(big_integer_null("store_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut foreign_key("users", "store_id", "stores"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                table("refresh_tokens")
                    .col(big_integer("user_id"))
                    // SHA-256 of the token: a stolen table yields no usable token.
                    .col(string_uniq("token_hash"))
                    // Every rotation of one login shares a family; reuse revokes it whole.
                    .col(string("family_id"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut foreign_key("refresh_tokens", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "refresh_tokens_family",
                "refresh_tokens",
                &["family_id"],
            ))
            .await?;
        manager
            .create_table(
                table("service_accounts")
                    .col(string_uniq("client_id"))
                    .col(string("secret_hash"))
                    .col(string("name"))
                    // Space-separated scopes (`pos sales:read`).
                    .col(string("scopes"))
                    .col(boolean("active"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                table("customers")
                    .col(string_null("customer_number").unique_key())
                    // HMAC-SHA256 of the E.164 number: exact lookup without the number.
                    // NULL once the person is erased.
                    .col(string_null("phone_index").unique_key())
                    // AES-256-GCM of the E.164 number (nonce ‖ ciphertext, base64).
                    .col(string_null("phone_cipher"))
                    .col(string_null("first_name"))
                    .col(string_null("last_name"))
                    .col(string_null("email"))
                    .col(string("city"))
                    .col(date_null("birth_date"))
                    .col(string("level"))
                    .col(big_integer("points"))
                    .col(big_integer("lifetime_spend"))
                    .col(big_integer("purchases_count"))
                    .col(timestamp_with_time_zone("registered_at"))
                    .col(timestamp_with_time_zone_null("last_visit_at"))
                    .col(timestamp_with_time_zone_null("level_changed_at"))
                    .col(boolean("active"))
                    .col(boolean("sms_consent"))
                    .col(boolean("email_consent"))
                    .col(big_integer_null("home_store_id"))
                    .col(timestamp_with_time_zone_null("erased_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut foreign_key("customers", "home_store_id", "stores"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("customers_level", "customers", &["level"]))
            .await?;
        manager
            .create_index(index("customers_last_name", "customers", &["last_name"]))
            .await?;

        // Append-only: the balance on `customers.points` is updated in the same transaction.
        manager
            .create_table(
                table("points_ledger")
                    .col(big_integer("customer_id"))
                    // The sale that earned or reversed the points (sales arrive with checkout).
                    .col(big_integer_null("sale_id"))
                    .col(string("kind"))
                    .col(big_integer("points"))
                    .col(string_null("note"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut foreign_key(
                        "points_ledger",
                        "customer_id",
                        "customers",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "points_ledger_customer",
                "points_ledger",
                &["customer_id"],
            ))
            .await?;
        // Append-only record of every level change (the loyalty analysis writes it).
        manager
            .create_table(
                table("level_changes")
                    .col(big_integer("customer_id"))
                    .col(string("from_level"))
                    .col(string("to_level"))
                    .col(integer("score"))
                    .col(big_integer_null("analysis_id"))
                    .col(timestamp_with_time_zone("changed_at"))
                    .foreign_key(&mut foreign_key(
                        "level_changes",
                        "customer_id",
                        "customers",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "level_changes_customer",
                "level_changes",
                &["customer_id"],
            ))
            .await?;

        manager
            .create_table(
                table("audit_log")
                    .col(big_integer_null("actor_user_id"))
                    .col(string_null("actor_client_id"))
                    .col(string("action"))
                    .col(string("entity"))
                    .col(string_null("entity_id"))
                    .col(text_null("before"))
                    .col(text_null("after"))
                    .col(timestamp_with_time_zone("at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("audit_log_at", "audit_log", &["at"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "audit_log",
            "level_changes",
            "points_ledger",
            "customers",
            "service_accounts",
            "refresh_tokens",
            "users",
            "tills",
            "stores",
        ] {
            manager
                .drop_table(Table::drop().table(name).to_owned())
                .await?;
        }
        Ok(())
    }
}
