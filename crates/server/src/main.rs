//! `crm`: the command operators script. Every subcommand reads `CRM_DATABASE_URL`
//! (and the rest of the configuration) and exits non-zero with a clear message.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use crm_domain::Scope;
use crm_server::{accounts, backup, config::Settings, staff_cli, startup, telemetry, Application};
use crm_store::Workload;
use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

// A server allocates a little for every request on every thread; mimalloc's per-thread
// heaps cost less per allocation than glibc's malloc (measured: docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "crm",
    version,
    about = "CRM Fidélité — serveur et outils d'exploitation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Applies the database migrations.
    Migrate,
    /// Serves the API and the web app.
    Serve {
        /// Address to listen on (default: CRM_BIND or 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Staff accounts.
    User {
        #[command(subcommand)]
        command: staff_cli::UserCommand,
    },
    /// Integrators' service accounts.
    ServiceAccount {
        #[command(subcommand)]
        command: ServiceAccountCommand,
    },
    /// Prints the OpenAPI document.
    Openapi,
    /// Fills the database with a believable demo store (logins, generated customers).
    Demo {
        /// Generated customers to add.
        #[arg(long, default_value_t = 1_000)]
        customers: u64,
        /// Generated sales over the last year.
        #[arg(long, default_value_t = 0)]
        sales: u64,
    },
    /// Copies the SQLite database to FILE while the server runs (PostgreSQL: pg_dump).
    Backup {
        /// The copy to write; an existing file is never replaced.
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Loads data from another system.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// The loyalty programme.
    Loyalty {
        #[command(subcommand)]
        command: LoyaltyCommand,
    },
}

#[derive(Subcommand)]
enum LoyaltyCommand {
    /// Scores every active customer and moves their levels (promotion at once, demotion
    /// one level and not within 30 days of the last change), with a progress bar and a
    /// summary; the same job as the API's. Refused while another one of its mode runs.
    Analyze {
        /// Report what would move, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Give each promoted customer a congratulation coupon.
        #[arg(long)]
        generate_coupons: bool,
        /// Score as at the end of this business day (AAAA-MM-JJ; default: now).
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Loads the old system's CSV export (users, products, clients, sales, lines,
    /// payments); running it again imports nothing twice.
    Legacy {
        /// Folder holding users.csv, products.csv, clients.csv, sales.csv…
        #[arg(long)]
        dir: std::path::PathBuf,
        /// Where to write the report (default: DIR/import-report.txt).
        #[arg(long)]
        report: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum ServiceAccountCommand {
    /// Creates a service account and prints its client id and secret (shown once).
    Create {
        /// What the account is for.
        #[arg(long, default_value = "intégration")]
        name: String,
        /// Comma- or space-separated scopes: pos, sales:read, crm:read, crm:write, kpi:read,
        /// loyalty:run.
        #[arg(long)]
        scopes: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("erreur : configuration invalide : {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log_format);
    match run(cli.command, settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("erreur : {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, mut settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Openapi => {
            print!("{}", crm_server::openapi::to_json()?);
            Ok(())
        }
        Command::Demo { customers, sales } => {
            let state = migrated_state(settings).await?;
            crm_server::demo::seed_if_empty(&state).await?;
            let started = std::time::Instant::now();
            crm_server::demo::generate_customers(&state, customers).await?;
            println!(
                "{customers} clients générés en {:.1} s.",
                started.elapsed().as_secs_f64()
            );
            let started = std::time::Instant::now();
            crm_server::demo::generate_sales(&state, sales).await?;
            println!(
                "{sales} ventes générées en {:.1} s.",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Import {
            command: ImportCommand::Legacy { dir, report },
        } => {
            let state = migrated_state_for(settings, Workload::BulkLoad).await?;
            let started = std::time::Instant::now();
            let outcome = crm_server::import::legacy(&state, &dir).await?;
            let path = report.unwrap_or_else(|| dir.join("import-report.txt"));
            outcome
                .write_to(&path)
                .with_context(|| format!("impossible d'écrire le rapport {}", path.display()))?;
            // The report is on disk: a closed stdout (`| head`) is no reason to fail.
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            let _ = write!(out, "{outcome}");
            let _ = writeln!(out, "Durée : {:.1} s.", started.elapsed().as_secs_f64());
            let _ = writeln!(out, "Rapport écrit dans {}", path.display());
            Ok(())
        }
        Command::Loyalty {
            command:
                LoyaltyCommand::Analyze {
                    dry_run,
                    generate_coupons,
                    as_of,
                },
        } => {
            let state = migrated_state(settings).await?;
            let request = crm_api_types::loyalty::StartAnalysis {
                dry_run,
                generate_coupons,
                as_of,
            };
            let started = std::time::Instant::now();
            let summary = loyalty_analyze(&state, &request).await?;
            print!("{}", crm_server::loyalty::summary_table(&summary));
            println!("Durée : {:.2} s.", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Backup { to } => {
            backup::check_url(&settings.database_url)?;
            let db = startup::open_database(&settings, Workload::Serve).await?;
            let bytes = backup::to_file(&db, &to).await?;
            println!("Sauvegarde écrite dans {} ({bytes} octets).", to.display());
            Ok(())
        }
        Command::Migrate => {
            let db = startup::open_database(&settings, Workload::Serve).await?;
            crm_store::migrate(&db)
                .await
                .context("échec des migrations")?;
            println!("Migrations appliquées.");
            Ok(())
        }
        Command::Serve { bind } => {
            if let Some(bind) = bind {
                settings.bind = bind;
            }
            let seed = settings.seed_demo;
            let app = Application::build(settings).await?;
            let state = app.state();
            let host = state
                .settings
                .bind
                .rsplit_once(':')
                .map(|(h, _)| h)
                .unwrap_or("127.0.0.1");
            let host = if host == "0.0.0.0" { "127.0.0.1" } else { host };
            let url = format!("http://{host}:{}", app.port());
            if seed {
                println!("{}", crm_server::demo::banner(&url));
            } else {
                println!("CRM Fidélité écoute sur {url}");
            }
            app.run_until_stopped()
                .await
                .context("le serveur s'est arrêté")
        }
        Command::User { command } => {
            let state = migrated_state(settings).await?;
            print!(
                "{}",
                staff_cli::run(&state, command, read_secret_from_stdin).await?
            );
            Ok(())
        }
        Command::ServiceAccount {
            command: ServiceAccountCommand::Create { name, scopes },
        } => {
            let scopes = scopes
                .split([',', ' '])
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<Scope>().map_err(anyhow::Error::msg))
                .collect::<anyhow::Result<Vec<_>>>()?;
            if scopes.is_empty() {
                bail!("indiquez au moins une portée avec --scopes");
            }
            let state = migrated_state(settings).await?;
            let issued = accounts::create_service_account(&state.db, &name, &scopes).await?;
            println!("client_id={}", issued.client_id);
            println!("client_secret={}", issued.client_secret);
            eprintln!("Conservez ce secret : il ne sera plus jamais affiché.");
            Ok(())
        }
    }
}

/// Runs a loyalty analysis inline, as the API would in the background, drawing its
/// progress on the terminal.
async fn loyalty_analyze(
    state: &startup::AppState,
    request: &crm_api_types::loyalty::StartAnalysis,
) -> anyhow::Result<crm_domain::loyalty::AnalysisSummary> {
    let bar = crm_server::jobs::terminal_bar("Clients");
    let summary = crm_server::loyalty::run_now(state, request, &bar).await;
    eprintln!();
    summary
}

/// The data and keys of the configured database, migrated first.
async fn migrated_state(settings: Settings) -> anyhow::Result<startup::AppState> {
    migrated_state_for(settings, Workload::Serve).await
}

async fn migrated_state_for(
    settings: Settings,
    workload: Workload,
) -> anyhow::Result<startup::AppState> {
    let state = startup::app_state_for(settings, workload).await?;
    crm_store::migrate(&state.db)
        .await
        .context("échec des migrations")?;
    Ok(state)
}

/// A password typed on standard input (the prompt only on a terminal).
fn read_secret_from_stdin() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Mot de passe : ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("lecture du mot de passe impossible")?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        bail!("mot de passe vide : passez --password ou écrivez-le sur l'entrée standard");
    }
    Ok(password)
}
