//! `hail serve | migrate | admin create`: parse the command line, load the
//! settings, and hand over to the library.

use anyhow::Context;
use clap::{Parser, Subcommand};
use hail_protocol::{MonitorRole, Role};
use hail_server::app::{open_store, Application};
use hail_server::config::Config;
use hail_server::domain::account::NewAccount;

#[derive(Parser)]
#[command(name = "hail", version, about = "Hail: a realtime ride-hailing server")]
struct Cli {
    /// Read settings from this .env file first (the environment wins).
    #[arg(long, global = true)]
    env_file: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP and WebSocket (applies migrations first).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Administrative tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin account (a monitor user).
    Create {
        #[arg(long)]
        username: String,
        /// The password on the command line (visible to `ps`: prefer the
        /// prompt or `--password-stdin`). Without it, it is asked for.
        #[arg(long, conflicts_with = "password_stdin")]
        password: Option<String>,
        /// Read the password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        name: Option<String>,
        /// `operator` (may act: cancel, suspend, drain ...) or `viewer`
        /// (read-only).
        #[arg(long, default_value = "operator", value_parser = parse_role)]
        role: MonitorRole,
    },
}

/// mimalloc returns freed memory to the OS: with glibc's malloc, bursts of
/// 19 MiB Argon2 blocks left hundreds of MiB resident in per-thread arenas.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(path) = &cli.env_file {
        dotenvy::from_path(path).with_context(|| format!("reading {}", path.display()))?;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = Config::from_env()?;
    match cli.command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            open_store(&config).await?;
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::Create {
                    username,
                    password,
                    password_stdin,
                    name,
                    role,
                },
        } => {
            let password = read_password(password, password_stdin)?;
            let account = NewAccount::parse(&username, password, name.as_deref())?;
            let store = open_store(&config).await?;
            let user = hail_server::http::auth::create_user(&*store, account, Role::Admin)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            store.set_monitor_role(user.id, role).await?;
            println!(
                "created admin {} ({}) as {}",
                user.username,
                user.id,
                role.as_str()
            );
            Ok(())
        }
    }
}

fn parse_role(s: &str) -> Result<MonitorRole, String> {
    MonitorRole::parse(s).ok_or_else(|| format!("{s:?}: viewer or operator"))
}

/// `--password`, else the first line of stdin (`--password-stdin`), else
/// a prompt that does not echo.
fn read_password(arg: Option<String>, from_stdin: bool) -> anyhow::Result<String> {
    if let Some(p) = arg {
        return Ok(p);
    }
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    rpassword::prompt_password("password: ").context("reading the password")
}

async fn serve(config: Config) -> anyhow::Result<()> {
    config.check_serve()?;
    if config.dev {
        tracing::warn!("HAIL_DEV=1: development mode (built-in JWT secret allowed)");
    }
    let metrics = hail_server::metrics::install().map_err(|e| anyhow::anyhow!(e))?;
    hail_server::metrics::describe();
    tracing::info!(node = %config.node_id, "starting");
    let app = Application::build(config, metrics).await?;
    let addr = app.local_addr()?;
    tracing::info!("listening on http://{addr}");
    // Machine-readable for tests and scripts that bind port 0.
    println!("HAIL_LISTENING {addr}");
    app.run(shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
