//! `mobieus`: the command-line client. Lists follow cursors with `--all`
//! (one JSON object per line); writes retry safely under an Idempotency-Key.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use futures::{Stream, StreamExt};
use mobieus_client::{types, webhook, Error, Mobieus};
use serde::Serialize;

#[derive(Parser)]
#[command(name = "mobieus", version, about = "Command-line client for the mobieusCore API")]
struct Cli {
    #[arg(long, env = "MOBIEUS_BASE_URL", default_value = "http://127.0.0.1:8080", global = true)]
    base_url: String,
    /// The API key (mc_live_...).
    #[arg(long, env = "MOBIEUS_API_KEY", global = true, hide_env_values = true)]
    key: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Events, newest first.
    Events {
        #[command(subcommand)]
        command: ReadCommand,
        /// Only events of this type (list).
        #[arg(long = "type", global = true)]
        event_type: Option<String>,
    },
    /// Community members.
    Users {
        #[command(subcommand)]
        command: ReadCommand,
    },
    /// Posts.
    Posts {
        #[command(subcommand)]
        command: ReadCommand,
        /// Only posts by this user id (list).
        #[arg(long, global = true)]
        author: Option<i64>,
    },
    /// Helpdesk tags.
    Tags {
        #[command(subcommand)]
        command: TagCommand,
    },
    /// Follow events as they are written (Server-Sent Events), one JSON line
    /// each, reconnecting with Last-Event-ID; runs until interrupted.
    Tail {
        /// Only events of this type.
        #[arg(long = "type")]
        event_type: Option<String>,
        /// Start after this event id (default: events from now on).
        #[arg(long)]
        after: Option<i64>,
        /// Stop after this many events.
        #[arg(long)]
        count: Option<usize>,
    },
    /// Verify a webhook delivery (body on standard input).
    VerifyWebhook {
        #[arg(long)]
        secret: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        timestamp: String,
        #[arg(long)]
        signature: String,
    },
}

#[derive(Subcommand)]
enum ReadCommand {
    /// One page, or everything with --all.
    List {
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 25)]
        limit: u64,
        #[arg(long)]
        cursor: Option<String>,
    },
    Get { id: i64 },
}

#[derive(Subcommand)]
enum TagCommand {
    List,
    Get { id: i64 },
    Create {
        slug: String,
        name: String,
        #[arg(long)]
        color: Option<String>,
    },
    Update {
        id: i64,
        #[arg(long)]
        slug: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        color: Option<String>,
    },
    Delete { id: i64 },
}

fn print<T: Serialize>(value: &T) {
    println!("{}", serde_json::to_string(value).unwrap_or_default());
}

async fn drain<T: Serialize>(stream: impl Stream<Item = Result<T, Error>>) -> Result<(), String> {
    let mut stream = std::pin::pin!(stream);
    while let Some(item) = stream.next().await {
        print(&item.map_err(describe)?);
    }
    Ok(())
}

fn describe(e: Error) -> String {
    match e {
        mobieus_client::ApiError::ErrorResponse(r) => {
            format!("{} {}: {} ({})", r.status().as_u16(), r.error.code, r.error.message, r.request_id)
        }
        other => other.to_string(),
    }
}

fn limit(n: u64) -> Result<std::num::NonZeroU64, String> {
    std::num::NonZeroU64::new(n).ok_or_else(|| "--limit must be at least 1".into())
}

fn invalid<E: std::fmt::Display>(field: &'static str) -> impl Fn(E) -> String {
    move |e| format!("{field}: {e}")
}

async fn run(cli: Cli) -> Result<(), String> {
    if let Command::VerifyWebhook { secret, id, timestamp, signature } = &cli.command {
        let mut body = Vec::new();
        std::io::stdin().read_to_end(&mut body).map_err(|e| e.to_string())?;
        let now = chrono::Utc::now().timestamp();
        webhook::verify_webhook(secret, id, timestamp, signature, &body, now, webhook::DEFAULT_TOLERANCE_SECONDS)
            .map_err(|e| format!("not verified: {e}"))?;
        println!("verified");
        return Ok(());
    }
    let key = cli.key.as_deref().ok_or("give --key or set MOBIEUS_API_KEY")?;
    let sdk = Mobieus::new(&cli.base_url, key)?;
    let api = sdk.api();
    match cli.command {
        Command::Events { command, event_type } => match command {
            ReadCommand::List { all: true, .. } => drain(sdk.events_all(event_type)).await,
            ReadCommand::List { limit: n, cursor, .. } => {
                let mut req = api.list_events().limit(limit(n)?);
                if let Some(c) = cursor {
                    req = req.cursor(c);
                }
                if let Some(t) = event_type {
                    req = req.type_(t);
                }
                print(&req.send().await.map_err(describe)?.into_inner());
                Ok(())
            }
            ReadCommand::Get { id } => {
                print(&api.get_event().id(id).send().await.map_err(describe)?.into_inner());
                Ok(())
            }
        },
        Command::Tail { event_type, after, count } => {
            let options = mobieus_client::StreamOptions { last_event_id: after, event_type, max_reconnects: None };
            let events = sdk.events_stream(options).take(count.unwrap_or(usize::MAX));
            drain(events).await
        }
        Command::Users { command } => match command {
            ReadCommand::List { all: true, .. } => drain(sdk.users_all()).await,
            ReadCommand::List { limit: n, cursor, .. } => {
                let mut req = api.list_users().limit(limit(n)?);
                if let Some(c) = cursor {
                    req = req.cursor(c);
                }
                print(&req.send().await.map_err(describe)?.into_inner());
                Ok(())
            }
            ReadCommand::Get { id } => {
                print(&api.get_user().id(id).send().await.map_err(describe)?.into_inner());
                Ok(())
            }
        },
        Command::Posts { command, author } => match command {
            ReadCommand::List { all: true, .. } => drain(sdk.posts_all(author)).await,
            ReadCommand::List { limit: n, cursor, .. } => {
                let mut req = api.list_posts().limit(limit(n)?);
                if let Some(c) = cursor {
                    req = req.cursor(c);
                }
                if let Some(a) = author {
                    req = req.author(a);
                }
                print(&req.send().await.map_err(describe)?.into_inner());
                Ok(())
            }
            ReadCommand::Get { id } => {
                print(&api.get_post().id(id).send().await.map_err(describe)?.into_inner());
                Ok(())
            }
        },
        Command::Tags { command } => match command {
            TagCommand::List => drain(sdk.helpdesk_tags_all()).await,
            TagCommand::Get { id } => {
                print(&api.get_helpdesk_tag().id(id).send().await.map_err(describe)?.into_inner());
                Ok(())
            }
            TagCommand::Create { slug, name, color } => {
                let mut body = types::TagCreate::builder().slug(slug).name(name);
                if let Some(c) = color {
                    body = body.color(Some(c.try_into().map_err(invalid("color"))?));
                }
                let body: types::TagCreate = body.try_into().map_err(invalid("tag"))?;
                print(&sdk.create_helpdesk_tag(body).await.map_err(describe)?);
                Ok(())
            }
            TagCommand::Update { id, slug, name, color } => {
                let mut body = types::TagUpdate::builder();
                if let Some(s) = slug {
                    body = body.slug(Some(s.try_into().map_err(invalid("slug"))?));
                }
                if let Some(n) = name {
                    body = body.name(Some(n.try_into().map_err(invalid("name"))?));
                }
                if let Some(c) = color {
                    body = body.color(Some(c.try_into().map_err(invalid("color"))?));
                }
                print(&api.update_helpdesk_tag().id(id).body(body).send().await.map_err(describe)?.into_inner());
                Ok(())
            }
            TagCommand::Delete { id } => {
                print(&api.delete_helpdesk_tag().id(id).send().await.map_err(describe)?.into_inner());
                Ok(())
            }
        },
        Command::VerifyWebhook { .. } => Ok(()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
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
