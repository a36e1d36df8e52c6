//! `mobieus-server`: serve the API, migrate, and administer tenants and keys.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use mobieus_server::admin::{self, KeyCreate};
use mobieus_server::db::Db;
use mobieus_server::rate_limit::Limits;
use mobieus_server::store::scim::tokens::DEFAULT_LIMITS;
use mobieus_server::demo::seed_demo;
use mobieus_server::{AppContext, ServerConfig};
use serde_json::Value;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "mobieus-server", version, about = "The mobieusCore API server and its admin commands")]
struct Cli {
    /// Database: `sqlite://PATH` (created if missing) or `postgres://...`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://mobieus.db", global = true)]
    database_url: String,
    /// Print command results as JSON.
    #[arg(long, global = true)]
    json: bool,
    /// Log line format.
    #[arg(long, value_enum, default_value = "text", global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (migrates first).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        /// `acme.<D>` is tenant `acme`; a Host naming another tenant than the key's is refused.
        #[arg(long)]
        base_domain: Option<String>,
        /// Allow webhook URLs in private, loopback and link-local ranges (and http).
        #[arg(long)]
        allow_private_webhooks: bool,
        /// Seed the demo tenant (once) and print a fresh all-scope key before serving.
        #[arg(long)]
        demo: bool,
        /// Database connections this process keeps (on SQLite: readers; writes use one more).
        /// Default: twice the cores, at least 4.
        #[arg(long, default_value_t = ServerConfig::default_db_connections())]
        db_connections: u32,
        /// Serve Prometheus metrics at `GET /metrics` on this address (keep it private:
        /// it names every operation's traffic). Off unless given.
        #[arg(long)]
        metrics_bind: Option<SocketAddr>,
        /// Seconds an answer may wait on a client that reads none of it before the
        /// connection is ended (TCP_USER_TIMEOUT).
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
        send_timeout_secs: u64,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Seed the demo tenant, print its all-scope key, and exit.
    Demo,
    /// Manage tenants.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Manage API keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// SCIM 2.0 provisioning: the tenant's switch and its tokens.
    Scim {
        #[command(subcommand)]
        command: ScimCommand,
    },
    /// mobieusAI: a tenant's model provider, key, hooks, caps, and usage.
    Ai {
        #[command(subcommand)]
        command: AiCommand,
    },
    /// Secrets at rest: re-encrypt them with a new master key.
    Secrets {
        #[command(subcommand)]
        command: SecretsCommand,
    },
    /// Maintained list counts (`total_count`).
    Counts {
        #[command(subcommand)]
        command: CountsCommand,
    },
}

#[derive(Subcommand)]
enum SecretsCommand {
    /// Reseal every secret at rest (webhook signing secrets, provider keys,
    /// stored idempotent answers) with MOBIEUS_MASTER_KEY, opening them with
    /// it or a key in MOBIEUS_MASTER_KEY_PREVIOUS (comma-separated); values
    /// stored while no key was set are sealed. Safe while servers run, and to
    /// run again.
    RotateMasterKey,
}

#[derive(Subcommand)]
enum AiCommand {
    /// Show a tenant's AI settings (never the key).
    Show {
        #[arg(long)]
        tenant: String,
    },
    /// Store the tenant's provider key, encrypted with MOBIEUS_MASTER_KEY (`-` reads it from stdin).
    SetKey {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        key: String,
    },
    /// Forget the tenant's provider key.
    ClearKey {
        #[arg(long)]
        tenant: String,
    },
    /// Choose the provider: `anthropic` or `openai-compatible` (which needs --base-url).
    SetProvider {
        #[arg(long)]
        tenant: String,
        provider: String,
        #[arg(long)]
        base_url: Option<String>,
        #[arg(long)]
        model: Option<String>,
    },
    /// Turn hooks on: `all`, or names separated by commas (summary,sentiment,...).
    Enable {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        hooks: String,
    },
    /// Turn hooks off.
    Disable {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        hooks: String,
    },
    /// Cap the tokens of a calendar month (`none`: no cap) and the calls per minute.
    SetCap {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        monthly_tokens: Option<String>,
        #[arg(long)]
        per_minute: Option<i32>,
    },
    /// A month's usage per hook and outcome (this month by default).
    Usage {
        #[arg(long)]
        tenant: String,
        /// YYYY-MM
        #[arg(long)]
        month: Option<String>,
    },
}

#[derive(Subcommand)]
enum CountsCommand {
    /// Check every maintained count against the rows it counts (exits non-zero on any difference).
    Verify,
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a tenant (a community).
    Create {
        slug: String,
        #[arg(long, default_value = "pro")]
        plan: String,
        #[arg(long)]
        name: Option<String>,
    },
    /// Change a tenant's plan (starter, pro, creator_plus, sovereign).
    SetPlan { slug: String, plan: String },
    /// Replace the CORS allow-list (no origins = any origin).
    SetCors { slug: String, origins: Vec<String> },
    /// List every tenant.
    List,
}

#[derive(Subcommand)]
enum ScimCommand {
    /// Turn SCIM provisioning on for a tenant.
    Enable {
        #[arg(long)]
        tenant: String,
    },
    /// Turn it off (its tokens are refused with 403 until it is on again).
    Disable {
        #[arg(long)]
        tenant: String,
    },
    /// SCIM tokens (for identity providers; never API keys).
    Token {
        #[command(subcommand)]
        command: ScimTokenCommand,
    },
}

#[derive(Subcommand)]
enum ScimTokenCommand {
    /// Mint a token; its secret is printed once (`--json`: `id` and `secret`).
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, default_value_t = DEFAULT_LIMITS.per_minute)]
        per_minute: i32,
        #[arg(long, default_value_t = DEFAULT_LIMITS.per_hour)]
        per_hour: i32,
    },
    /// List a tenant's tokens (prefixes only, never secrets).
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Revoke a token (at once).
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Mint a key; its secret is printed once.
    Create {
        #[arg(long)]
        tenant: String,
        /// Comma-separated scopes, or `all`.
        #[arg(long)]
        scopes: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, default_value_t = 60)]
        per_minute: i32,
        #[arg(long, default_value_t = 1000)]
        per_hour: i32,
    },
    /// List a tenant's keys (prefixes only, never secrets).
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Revoke a key (effective within 5 s everywhere).
    Revoke { id: i64 },
    /// Mint a successor; the old key stays valid for the grace period.
    Rotate {
        id: i64,
        #[arg(long, default_value_t = 0)]
        grace_seconds: i64,
    },
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.init(),
    }
}

fn print(json: bool, value: &Value) {
    if json {
        println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
        return;
    }
    let rows: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for row in rows {
        if let Value::Object(map) = row {
            let line: Vec<String> = map
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| format!("{k}={}", v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
                .collect();
            println!("{}", line.join("  "));
        }
    }
}

fn announce_demo(seed: &mobieus_server::demo::DemoSeed, base: &str, json: bool) {
    if json {
        print(true, &serde_json::to_value(seed).unwrap_or_default());
        return;
    }
    println!("demo tenant: {} (id {}){}", seed.tenant, seed.tenant_id, if seed.seeded { ", seeded" } else { ", already seeded" });
    println!("API key (all scopes, shown once): {}", seed.key);
    println!("try: curl -s {base}/api/v1/events?limit=3 -H 'Authorization: Bearer {}'", seed.key);
}

async fn run(cli: Cli) -> Result<(), String> {
    let db_url = cli.database_url.clone();
    let connect = || async { Db::connect(&db_url, 4).await.map_err(|e| e.to_string()) };
    let out = |v: Result<Value, admin::AdminError>| -> Result<(), String> {
        let v = v.map_err(|e| e.to_string())?;
        print(cli.json, &v);
        Ok(())
    };
    match &cli.command {
        Command::Serve { bind, base_domain, allow_private_webhooks, demo, db_connections, metrics_bind, send_timeout_secs } => {
            let mut config = ServerConfig::new(cli.database_url.clone());
            config.bind = *bind;
            config.max_connections = (*db_connections).max(1);
            config.base_domain = base_domain.clone();
            config.allow_private_webhooks = *allow_private_webhooks;
            config.send_timeout = std::time::Duration::from_secs(*send_timeout_secs);
            config.ai = mobieus_server::ai::AiConfig::from_env()?;
            config.secrets = mobieus_server::secrets::Keyring::from_env()?;
            if config.secrets.current().is_none() {
                tracing::warn!("MOBIEUS_MASTER_KEY is not set: webhook signing secrets are stored unencrypted, and provider keys cannot be used");
            }
            let ctx = AppContext::new(config).await.map_err(|e| e.to_string())?;
            let seed = if *demo { Some(seed_demo(&ctx.db, &ctx.config.secrets).await.map_err(|e| e.to_string())?) } else { None };
            let metrics = match metrics_bind {
                Some(addr) => Some(mobieus_server::metrics::serve(*addr, ctx.db.clone())?),
                None => None,
            };
            let server = mobieus_server::serve(ctx)?;
            let base = format!("http://{}", server.local_addr());
            if let Some(m) = &metrics {
                println!("metrics on {}/metrics", mobieus_server::metrics::base_url(m));
            }
            tracing::info!(address = %server.local_addr(), "serving");
            println!("mobieusCore API on {base}  (docs: {base}/api/docs)");
            if let Some(seed) = seed {
                announce_demo(&seed, &base, cli.json);
            }
            shutdown_signal().await;
            tracing::info!("shutting down: finishing in-flight requests");
            mobieus_server::shutdown(server).await?;
            if let Some(m) = metrics {
                m.close().await?;
            }
            Ok(())
        }
        Command::Migrate => {
            let db = connect().await?;
            println!("migrations applied ({})", db.backend());
            Ok(())
        }
        Command::Demo => {
            let db = connect().await?;
            let seed = seed_demo(&db, &mobieus_server::secrets::Keyring::from_env()?).await.map_err(|e| e.to_string())?;
            announce_demo(&seed, "http://127.0.0.1:8080", cli.json);
            Ok(())
        }
        Command::Tenant { command } => {
            let db = connect().await?;
            match command {
                TenantCommand::Create { slug, plan, name } => out(admin::tenant_create_cmd(&db, slug, plan, name.as_deref()).await),
                TenantCommand::SetPlan { slug, plan } => out(admin::tenant_set_plan_cmd(&db, slug, plan).await),
                TenantCommand::SetCors { slug, origins } => out(admin::tenant_set_cors_cmd(&db, slug, origins.clone()).await),
                TenantCommand::List => out(admin::tenant_list_cmd(&db).await),
            }
        }
        Command::Ai { command } => {
            use mobieus_server::admin::ai;
            let db = connect().await?;
            match command {
                AiCommand::Show { tenant } => out(ai::ai_show_cmd(&db, tenant).await),
                AiCommand::SetKey { tenant, key } => {
                    let secrets = mobieus_server::secrets::Keyring::from_env()?;
                    let key = if key == "-" {
                        let mut k = String::new();
                        std::io::Read::read_to_string(&mut std::io::stdin(), &mut k).map_err(|e| e.to_string())?;
                        k
                    } else {
                        key.clone()
                    };
                    out(ai::ai_set_key_cmd(&db, tenant, &key, &secrets).await)
                }
                AiCommand::ClearKey { tenant } => out(ai::ai_clear_key_cmd(&db, tenant).await),
                AiCommand::SetProvider { tenant, provider, base_url, model } => {
                    out(ai::ai_set_provider_cmd(&db, tenant, provider, base_url.as_deref(), model.as_deref()).await)
                }
                AiCommand::Enable { tenant, hooks } => out(ai::ai_hooks_cmd(&db, tenant, hooks, true).await),
                AiCommand::Disable { tenant, hooks } => out(ai::ai_hooks_cmd(&db, tenant, hooks, false).await),
                AiCommand::SetCap { tenant, monthly_tokens, per_minute } => out(ai::ai_set_cap_cmd(&db, tenant, monthly_tokens.as_deref(), *per_minute).await),
                AiCommand::Usage { tenant, month } => out(ai::ai_usage_cmd(&db, tenant, month.as_deref()).await),
            }
        }
        Command::Counts { command: CountsCommand::Verify } => {
            let db = connect().await?;
            out(admin::counts_verify_cmd(&db).await)
        }
        Command::Secrets { command: SecretsCommand::RotateMasterKey } => {
            let secrets = mobieus_server::secrets::Keyring::from_env()?;
            let db = connect().await?;
            out(admin::secrets::rotate_master_key_cmd(&db, &secrets).await)
        }
        Command::Scim { command } => {
            let db = connect().await?;
            match command {
                ScimCommand::Enable { tenant } => out(admin::scim_set_cmd(&db, tenant, true).await),
                ScimCommand::Disable { tenant } => out(admin::scim_set_cmd(&db, tenant, false).await),
                ScimCommand::Token { command: ScimTokenCommand::Create { tenant, name, per_minute, per_hour } } => out(
                    admin::scim_token_create_cmd(&db, tenant, name.as_deref(), Limits { per_minute: *per_minute, per_hour: *per_hour }).await,
                ),
                ScimCommand::Token { command: ScimTokenCommand::List { tenant } } => out(admin::scim_token_list_cmd(&db, tenant).await),
                ScimCommand::Token { command: ScimTokenCommand::Revoke { id } } => out(admin::scim_token_revoke_cmd(&db, *id).await),
            }
        }
        Command::Key { command } => {
            let db = connect().await?;
            match command {
                KeyCommand::Create { tenant, scopes, name, per_minute, per_hour } => out(
                    admin::key_create_cmd(
                        &db,
                        KeyCreate { tenant, scopes, name: name.as_deref(), per_minute: *per_minute, per_hour: *per_hour },
                    )
                    .await,
                ),
                KeyCommand::List { tenant } => out(admin::key_list_cmd(&db, tenant).await),
                KeyCommand::Revoke { id } => out(admin::key_revoke_cmd(&db, *id).await),
                KeyCommand::Rotate { id, grace_seconds } => out(admin::key_rotate_cmd(&db, *id, *grace_seconds).await),
            }
        }
    }
}

/// SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
