//! Configuration, read once at start: defaults → `crm.toml` → `CRM_*` environment.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Every setting of the server and the CLI.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Settings {
    /// `sqlite://path?mode=rwc` or `postgres://user@host/db` (`CRM_DATABASE_URL`).
    pub database_url: String,
    /// Address to listen on (`CRM_BIND`); port 0 picks a free one.
    pub bind: String,
    /// Folder for the SQLite file and generated development keys (`CRM_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Folder of the built SPA served at `/` (`CRM_SPA_DIR`).
    pub spa_dir: PathBuf,
    /// Secret signing access tokens (`CRM_JWT_SECRET`, 32 bytes or more); generated for
    /// development if absent.
    pub jwt_secret: Option<String>,
    /// The signing secret before a rotation (`CRM_JWT_PREVIOUS_SECRET`): tokens it signed
    /// stay valid until they expire. Remove it one token lifetime after the rotation.
    pub jwt_previous_secret: Option<String>,
    /// 32-byte AES key for phones, base64 (`CRM_PHONE_KEY`); generated if absent.
    pub phone_key: Option<String>,
    /// 32-byte HMAC key for the phone blind index, base64 (`CRM_PHONE_INDEX_KEY`).
    pub phone_index_key: Option<String>,
    /// Region whose national forms phones are read in (`CRM_DEFAULT_REGION`).
    pub default_region: String,
    /// Lifetime of access tokens in seconds (`CRM_ACCESS_TOKEN_TTL_SECS`), at most
    /// [`MAX_ACCESS_TOKEN_TTL_SECS`].
    pub access_token_ttl_secs: i64,
    /// Lifetime of refresh tokens in seconds.
    pub refresh_token_ttl_secs: i64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Seed the demo store when the database has no user (`CRM_SEED_DEMO`).
    pub seed_demo: bool,
    /// `text` or `json` log lines (`CRM_LOG_FORMAT`).
    pub log_format: String,
    /// Actix worker threads; 0 = one per core.
    pub workers: usize,
    /// Login attempts a minute for one account name (`CRM_LOGIN_ATTEMPTS_PER_NAME`).
    pub login_attempts_per_name: u32,
    /// Login attempts a minute from one network address (`CRM_LOGIN_ATTEMPTS_PER_ADDRESS`).
    pub login_attempts_per_address: u32,
    /// Password hashes computed at once; 0 = one per core (`CRM_PASSWORD_HASHING_SLOTS`).
    pub password_hashing_slots: usize,
    /// Seconds a computed KPI dashboard is served as it is (`CRM_KPI_FRESH_SECS`); past
    /// that, it is still served while a new one is computed in the background.
    pub kpi_fresh_secs: u64,
    /// Webhook deliveries: how the background worker sends them.
    pub webhooks: WebhookSettings,
}

/// How webhook deliveries are sent (`CRM_WEBHOOKS__…`, e.g. `CRM_WEBHOOKS__POLL_MS=500`,
/// or a `[webhooks]` table in `crm.toml`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookSettings {
    /// Run the delivery worker in this server (`false`: another instance delivers).
    pub enabled: bool,
    /// How often the worker looks for new events and due retries, in milliseconds.
    pub poll_ms: u64,
    /// Wait before each retry, in milliseconds: the n-th retry waits the n-th value, and
    /// the last value once the list is used up.
    pub retry_ms: Vec<u64>,
    /// How long an event is retried before its delivery is marked failed, in seconds.
    pub retry_window_secs: u64,
    /// Time allowed for one attempt (connection and answer), in milliseconds.
    pub timeout_ms: u64,
    /// Attempts in flight at once.
    pub concurrency: usize,
    /// Days the delivery log keeps an ended delivery and its event; older ones are
    /// removed hourly, and events no endpoint wanted go after as long.
    pub retention_days: u64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            enabled: true,
            poll_ms: 1000,
            // 10 s, 30 s, 1 min, 5 min, 15 min, 30 min, then every hour for 24 hours.
            retry_ms: vec![
                10_000, 30_000, 60_000, 300_000, 900_000, 1_800_000, 3_600_000,
            ],
            retry_window_secs: 24 * 3600,
            timeout_ms: 5000,
            concurrency: 8,
            retention_days: 30,
        }
    }
}

/// Longest access-token lifetime accepted: a stolen token must not outlive a shift.
pub const MAX_ACCESS_TOKEN_TTL_SECS: i64 = 3600;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: "sqlite://data/crm.sqlite?mode=rwc".into(),
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            spa_dir: PathBuf::from("frontend/dist"),
            jwt_secret: None,
            jwt_previous_secret: None,
            phone_key: None,
            phone_index_key: None,
            default_region: "CI".into(),
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            max_body_bytes: 64 * 1024,
            seed_demo: false,
            log_format: "text".into(),
            workers: 0,
            login_attempts_per_name: 10,
            login_attempts_per_address: 120,
            password_hashing_slots: 0,
            kpi_fresh_secs: 60,
            webhooks: WebhookSettings::default(),
        }
    }
}

impl Settings {
    /// Reads defaults, then `crm.toml` in the working directory, then `CRM_*` variables.
    pub fn load() -> Result<Settings, Box<figment::Error>> {
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file("crm.toml"))
            .merge(Env::prefixed("CRM_").split("__"))
            .extract()
            .map_err(Box::new)
    }

    /// Refuses settings that would make the server unsafe, with a message for the operator.
    pub fn check(&self) -> Result<(), String> {
        if !(60..=MAX_ACCESS_TOKEN_TTL_SECS).contains(&self.access_token_ttl_secs) {
            return Err(format!(
                "CRM_ACCESS_TOKEN_TTL_SECS doit être entre 60 et {MAX_ACCESS_TOKEN_TTL_SECS} secondes (reçu : {})",
                self.access_token_ttl_secs
            ));
        }
        if self.refresh_token_ttl_secs < self.access_token_ttl_secs {
            return Err(
                "CRM_REFRESH_TOKEN_TTL_SECS doit être au moins égal à la durée des jetons d'accès"
                    .into(),
            );
        }
        Ok(())
    }
}
