//! Building the application: configuration → keys → database → HTTP server.

use crate::auth::access::AccessGate;
use crate::auth::throttle::LoginThrottle;
use crate::auth::tokens::TokenKeys;
use crate::config::Settings;
use crate::pii::{self, PhoneVault};
use crate::routes;
use crate::telemetry::{self, Metrics};
use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use crm_store::{DatabaseConnection, Workload};
use serde::{Deserialize, Serialize};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

/// Shared by every request.
pub struct AppState {
    /// Connection pool.
    pub db: DatabaseConnection,
    /// Phone encryption and blind index.
    pub vault: PhoneVault,
    /// Access-token keys.
    pub tokens: TokenKeys,
    /// Whether a signed token is still admitted (revocation, account changes).
    pub access: AccessGate,
    /// Login rate limits and password-hashing slots.
    pub login_throttle: LoginThrottle,
    /// Settings read at start.
    pub settings: Settings,
    /// Request counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Connections reserved for identification at the till (PostgreSQL).
    pub till_lookup: crm_store::coupons::TillLookup,
    /// The generic codes in force, kept in memory for identify.
    pub generic_codes: crm_store::coupons::GenericCodes,
    /// The business day at each till.
    pub calendar: crate::calendar::StoreCalendar,
    /// The loyalty policy in force (discounts per level), kept in memory.
    pub loyalty_policy: crate::loyalty_policy::PolicyCache,
    /// KPI dashboards computed, served again while fresh (`crate::kpis::Dashboards`).
    pub dashboards: crate::kpis::Dashboards,
}

/// How handlers and tests hold the shared state.
pub type AppStateHandle = web::Data<AppState>;

/// A bound, migrated, ready-to-run server.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

/// Secrets generated for development when none are configured.
#[derive(Serialize, Deserialize)]
struct DevKeys {
    jwt_secret: String,
    phone_key: String,
    phone_index_key: String,
}

/// Opens the database named in the settings for `workload`, creating the SQLite folder
/// if needed.
pub async fn open_database(
    settings: &Settings,
    workload: Workload,
) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = sqlite_path(&settings.database_url) {
        if let Some(parent) = Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            create_private_dir(parent)
                .with_context(|| format!("impossible de créer le dossier {}", parent.display()))?;
        }
    }
    crm_store::connect_for(&settings.database_url, workload)
        .await
        .with_context(|| "connexion à la base de données impossible (vérifiez CRM_DATABASE_URL)")
}

fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// Fills in missing secrets: from `data_dir/dev-keys.json`, or freshly generated there
/// (with a warning — production must configure its own).
pub fn resolve_secrets(settings: &mut Settings) -> anyhow::Result<()> {
    if settings.jwt_secret.is_some()
        && settings.phone_key.is_some()
        && settings.phone_index_key.is_some()
    {
        return Ok(());
    }
    let file = settings.data_dir.join("dev-keys.json");
    let keys: DevKeys = match std::fs::read_to_string(&file) {
        Ok(text) => {
            serde_json::from_str(&text).with_context(|| format!("{} illisible", file.display()))?
        }
        Err(_) => {
            tracing::warn!(
                path = %file.display(),
                "no CRM_JWT_SECRET / CRM_PHONE_KEY / CRM_PHONE_INDEX_KEY configured: generating development keys"
            );
            let keys = DevKeys {
                jwt_secret: pii::generate_key(),
                phone_key: pii::generate_key(),
                phone_index_key: pii::generate_key(),
            };
            create_private_dir(&settings.data_dir)
                .with_context(|| format!("impossible de créer {}", settings.data_dir.display()))?;
            write_private(&file, serde_json::to_string_pretty(&keys)?.as_bytes())
                .with_context(|| format!("impossible d'écrire {}", file.display()))?;
            keys
        }
    };
    settings.jwt_secret.get_or_insert(keys.jwt_secret);
    settings.phone_key.get_or_insert(keys.phone_key);
    settings.phone_index_key.get_or_insert(keys.phone_index_key);
    Ok(())
}

/// Creates `dir` (and missing parents) private to the server's account (mode 0700): it
/// holds the development keys and the SQLite file, which no other local user may read.
/// A folder that already exists keeps its mode — it may be shared on purpose (`/tmp`).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Writes a secret file readable by the server's account only (mode 0600 from the moment
/// it exists: a `chmod` after the write would leave a window where it is world-readable).
fn write_private(file: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options.open(file)?;
    out.write_all(contents)?;
    out.sync_all()
}

/// Lanes for identification at the till on PostgreSQL (`TillLookup`): one per server
/// thread, each with its own connection beside the pool, opened on first use.
const TILL_LANES: usize = 8;

/// Everything a command needs to work on the data: database + keys.
pub async fn app_state(settings: Settings) -> anyhow::Result<AppState> {
    app_state_for(settings, Workload::Serve).await
}

/// The same, with the database opened for `workload`.
pub async fn app_state_for(mut settings: Settings, workload: Workload) -> anyhow::Result<AppState> {
    settings.check().map_err(anyhow::Error::msg)?;
    resolve_secrets(&mut settings)?;
    let db = open_database(&settings, workload).await?;
    let vault = PhoneVault::new(
        settings.phone_key.as_deref().unwrap_or_default(),
        settings.phone_index_key.as_deref().unwrap_or_default(),
    )?;
    let tokens = TokenKeys::new(
        settings.jwt_secret.as_deref().unwrap_or_default(),
        settings.jwt_previous_secret.as_deref(),
        settings.access_token_ttl_secs,
    )?;
    let hashing_slots = match settings.password_hashing_slots {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let login_throttle = LoginThrottle::new(
        settings.login_attempts_per_name,
        settings.login_attempts_per_address,
        hashing_slots,
    );
    Ok(AppState {
        db,
        vault,
        tokens,
        access: AccessGate::default(),
        login_throttle,
        till_lookup: crm_store::coupons::TillLookup::new(&settings.database_url, TILL_LANES),
        generic_codes: crm_store::coupons::GenericCodes::default(),
        calendar: crate::calendar::StoreCalendar::default(),
        loyalty_policy: crate::loyalty_policy::PolicyCache::default(),
        dashboards: crate::kpis::Dashboards::new(std::time::Duration::from_secs(
            settings.kpi_fresh_secs,
        )),
        settings,
        metrics: Arc::new(Metrics::new(routes::patterns())),
    })
}

impl Application {
    /// Migrates the database, seeds the demo store if asked, and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let state = app_state(settings).await?;
        crm_store::migrate(&state.db)
            .await
            .context("échec des migrations")?;
        // A job whose server stopped is failed now, or once it has been silent long
        // enough (it may have stopped just before this start); another live server's
        // jobs beat, and are left alone.
        fail_abandoned_jobs(&state.db).await?;
        tokio::spawn({
            let db = state.db.clone();
            async move {
                tokio::time::sleep(crm_store::jobs::ABANDONED_AFTER).await;
                if let Err(e) = fail_abandoned_jobs(&db).await {
                    tracing::warn!(error = %e, "abandoned jobs not checked");
                }
            }
        });
        if state.settings.seed_demo {
            crate::demo::seed_if_empty(&state).await?;
        }
        // Deliveries go out beside the HTTP server, never inside a request.
        crate::webhooks::start(
            state.db.clone(),
            state.vault.clone(),
            state.settings.webhooks.clone(),
        )?;
        let listener = TcpListener::bind(&state.settings.bind)
            .with_context(|| format!("impossible d'écouter sur {}", state.settings.bind))?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(state);
        let server = run(listener, state.clone())?;
        Ok(Application {
            port,
            server,
            state,
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Shared state, for tests and the CLI.
    pub fn state(&self) -> AppStateHandle {
        self.state.clone()
    }

    /// Serves until the process is stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn run(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let workers = state.settings.workers;
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(actix_web::middleware::from_fn(
                crate::security_headers::middleware,
            ))
            .wrap(actix_web::middleware::from_fn(telemetry::observe_request))
            .configure(|cfg| routes::configure(cfg, &state))
    })
    .listen(listener)?;
    if workers > 0 {
        server = server.workers(workers);
    }
    Ok(server.run())
}

/// Fails the jobs whose server stopped beating, and says how many.
async fn fail_abandoned_jobs(db: &DatabaseConnection) -> crm_store::StoreResult<()> {
    let abandoned = crm_store::jobs::fail_abandoned(db).await?;
    if abandoned > 0 {
        tracing::warn!(abandoned, "jobs of a stopped server marked failed");
    }
    Ok(())
}
