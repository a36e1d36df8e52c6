//! The `mobieus` CLI: every documented operation as a command (from the
//! generated table, `table`), plus `api` (any request), `login`,
//! `webhooks listen`, `tail`, `verify-webhook` and `completions`. The
//! conventions are written once here: connection and profile, `--output`,
//! `--all` and `--max-items`, Idempotency-Keys, retries, and errors as
//! `code: message (request_id)` with an exit code per class.

pub mod config;
pub mod http;
pub mod listen;
pub mod output;
pub mod table;

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Command};
use futures::StreamExt;
use mobieus_api::cli::CliCommand;
use serde_json::{Map, Value};

use http::{failure, Answer, Connection, Failure, Request};
use output::Format;

const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080";

/// The exit codes, by class (also in `--help`).
const EXIT_CODES: &str = "Exit codes: 0 ok, 1 other failure, 2 usage, 3 authentication or permission (401/403), 4 not found (404), 5 invalid request (400/409/412/413/422), 6 rate limited (429), 7 server or connection failure.";

fn global(id: &'static str) -> Arg {
    Arg::new(id).long(id).global(true)
}

pub fn app() -> Command {
    let mut groups = table::groups();
    if let Some(w) = groups.iter_mut().find(|g| g.get_name() == "webhooks") {
        *w = w.clone().subcommand(
            Command::new("listen")
                .about("Receive deliveries locally: verify each (Standard Webhooks), print it, optionally forward it")
                .arg(Arg::new("secret").long("secret").required(true).action(ArgAction::Append).help("whsec_… (twice during a rotation)"))
                .arg(Arg::new("port").long("port").value_parser(clap::value_parser!(u16)).default_value("8787"))
                .arg(Arg::new("forward-to").long("forward-to").value_name("URL").help("POST verified deliveries there, headers unchanged"))
                .arg(Arg::new("count").long("count").value_parser(clap::value_parser!(usize)).help("Stop after this many requests"))
                .after_help("Example:\n  mobieus webhooks listen --secret whsec_... --port 8787 --forward-to http://127.0.0.1:3000/hooks"),
        );
    }
    Command::new("mobieus")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Command-line client for the mobieusCore API: every operation of openapi.yaml, grouped by tag")
        .after_help(format!("Connection: --base-url / MOBIEUS_BASE_URL and --key / MOBIEUS_API_KEY, else the profile (`mobieus login`).\n{EXIT_CODES}"))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(global("base-url").env("MOBIEUS_BASE_URL").help("The API's base URL"))
        .arg(global("key").env("MOBIEUS_API_KEY").hide_env_values(true).help("The API key (mc_live_…)"))
        .arg(global("profile").env("MOBIEUS_PROFILE").default_value("default").help("The profile in ~/.config/mobieus/config.toml"))
        .arg(global("output").short('o').value_parser(clap::value_parser!(Format)).default_value("json").help("json, ndjson, table or yaml"))
        .arg(global("all").action(ArgAction::SetTrue).help("Follow cursors to the end of a list"))
        .arg(global("max-items").value_parser(clap::value_parser!(usize)).help("With --all: stop after this many items"))
        .arg(global("idempotency-key").help("For writes (one is generated when absent, so a retry never applies twice)"))
        .arg(global("json").value_name("JSON").help("The request body (JSON); flags for its fields override it"))
        .arg(global("json-file").value_name("FILE").help("The request body from a file (`-`: standard input)"))
        .arg(global("body-file").value_name("FILE").help("A raw request body (uploads) from a file (`-`: standard input)"))
        .arg(global("out-file").value_name("FILE").help("Write a non-JSON answer (a file, YAML, HTML) here"))
        .arg(global("no-retry").action(ArgAction::SetTrue).help("Never retry"))
        .subcommands(groups)
        .subcommand(
            Command::new("api")
                .about("Any request, authenticated; the answer pretty-printed")
                .arg(Arg::new("method").required(true).help("GET, POST, PUT, PATCH, DELETE, …"))
                .arg(Arg::new("path").required(true).help("/api/v1/…"))
                .arg(Arg::new("data").long("data").short('d').value_name("JSON").help("The body"))
                .arg(Arg::new("query").long("query").short('q').value_name("K=V").action(ArgAction::Append).help("A query parameter (repeat it)"))
                .after_help("Example:\n  mobieus api GET /api/v1/users --query limit=2\n  mobieus api POST /api/v1/helpdesk/tags --data '{\"slug\":\"vip\",\"name\":\"VIP\"}'"),
        )
        .subcommand(
            Command::new("login")
                .about("Save the base URL and key (checked against the API) in the profile file")
                .after_help("Example:\n  echo mc_live_... | mobieus login --base-url https://acme.mobieus.example --key -"),
        )
        .subcommand(
            Command::new("tail")
                .about("Follow events as they are written (Server-Sent Events), one JSON line each, resuming after drops")
                .arg(Arg::new("type").long("type").help("Only events of this type"))
                .arg(Arg::new("after").long("after").value_parser(clap::value_parser!(i64)).help("Start after this event id (default: from now on)"))
                .arg(Arg::new("count").long("count").value_parser(clap::value_parser!(usize)).help("Stop after this many events"))
                .after_help("Example:\n  mobieus tail --type helpdesk.ticket.created"),
        )
        .subcommand(
            Command::new("verify-webhook")
                .about("Verify one webhook delivery (its body on standard input)")
                .arg(Arg::new("secret").long("secret").required(true))
                .arg(Arg::new("id").long("id").required(true))
                .arg(Arg::new("timestamp").long("timestamp").required(true))
                .arg(Arg::new("signature").long("signature").required(true))
                .after_help("Example:\n  echo -n \"$BODY\" | mobieus verify-webhook --secret whsec_... --id msg_... --timestamp 1700000000 --signature 'v1,...'"),
        )
        .subcommand(
            Command::new("completions")
                .about("Print shell completions")
                .arg(Arg::new("shell").required(true).value_parser(clap::value_parser!(clap_complete::Shell)))
                .after_help("Example:\n  mobieus completions bash > /etc/bash_completion.d/mobieus"),
        )
}

/// What every command reads of the global flags.
struct Globals {
    output: Format,
    all: bool,
    max_items: Option<usize>,
    idempotency_key: Option<String>,
}

fn connection(m: &ArgMatches) -> Result<Connection, Failure> {
    let profile_name = m.get_one::<String>("profile").map(String::as_str).unwrap_or("default");
    let profile = config::load(profile_name).map_err(Failure::Usage)?;
    let base = m.get_one::<String>("base-url").cloned().or(profile.base_url).unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let key = m.get_one::<String>("key").cloned().or(profile.key);
    Connection::new(&base, key, !m.get_flag("no-retry"))
}

fn read_input(path: &str) -> Result<Vec<u8>, Failure> {
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).map_err(|e| Failure::Usage(format!("standard input: {e}")))?;
        Ok(buf)
    } else {
        std::fs::read(path).map_err(|e| Failure::Usage(format!("{path}: {e}")))
    }
}

/// A path segment, percent-encoded.
fn segment(v: &str) -> String {
    v.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

fn scalar(kind: &str, text: &str, name: &str) -> Result<Value, Failure> {
    let bad = |what: &str| Failure::Usage(format!("--{} wants {what}, not `{text}`", table::flag(name)));
    Ok(match kind.trim_start_matches("list:") {
        "integer" => Value::from(text.parse::<i64>().map_err(|_| bad("an integer"))?),
        "number" => serde_json::Number::from_f64(text.parse::<f64>().map_err(|_| bad("a number"))?).map(Value::Number).ok_or_else(|| bad("a finite number"))?,
        "boolean" => Value::Bool(text.parse::<bool>().map_err(|_| bad("true or false"))?),
        "json" => serde_json::from_str(text).map_err(|e| bad(&format!("JSON ({e})")))?,
        _ => Value::String(text.to_owned()),
    })
}

/// The request a generated command makes.
fn build(c: &CliCommand, m: &ArgMatches, g: &Globals) -> Result<Request, Failure> {
    let mut path = c.path.to_owned();
    let (mut query, mut headers) = (Vec::new(), Vec::new());
    for p in c.params {
        let Some(values) = m.try_get_raw(&format!("p:{}", p.name)).ok().flatten() else { continue };
        let values: Vec<String> = values.map(|v| v.to_string_lossy().into_owned()).collect();
        match p.location {
            "path" => path = path.replace(&format!("{{{}}}", p.name), &segment(&values[0])),
            "query" => query.extend(values.into_iter().map(|v| (p.name.to_owned(), v))),
            _ => headers.extend(values.into_iter().map(|v| (p.name.to_owned(), v))),
        }
    }
    let mut body = None;
    match c.body_media {
        Some("json") => {
            let mut object = match (m.get_one::<String>("json"), m.get_one::<String>("json-file")) {
                (Some(_), Some(_)) => return Err(Failure::Usage("give --json or --json-file, not both".into())),
                (Some(text), None) => parse_object(text.as_bytes())?,
                (None, Some(file)) => parse_object(&read_input(file)?)?,
                (None, None) => Map::new(),
            };
            for f in c.fields {
                let Some(values) = m.try_get_raw(&format!("f:{}", f.name)).ok().flatten() else { continue };
                let values: Vec<String> = values.map(|v| v.to_string_lossy().into_owned()).collect();
                let v = if f.kind.starts_with("list:") {
                    Value::Array(values.iter().map(|t| scalar(f.kind, t, f.name)).collect::<Result<_, _>>()?)
                } else {
                    scalar(f.kind, &values[0], f.name)?
                };
                object.insert(f.name.to_owned(), v);
            }
            let missing: Vec<String> = c.fields.iter().filter(|f| f.required && !object.contains_key(f.name)).map(|f| format!("--{}", table::flag(f.name))).collect();
            if !missing.is_empty() {
                return Err(Failure::Usage(format!("missing {} (or give them in --json)", missing.join(", "))));
            }
            if c.body_required || !object.is_empty() {
                body = Some((serde_json::to_vec(&Value::Object(object)).unwrap_or_default(), "application/json".to_owned()));
            }
        }
        Some(media) => match m.get_one::<String>("body-file") {
            Some(file) => body = Some((read_input(file)?, media.to_owned())),
            None if c.body_required => return Err(Failure::Usage(format!("this operation takes a {media} body: give --body-file FILE (or - for standard input)"))),
            None => {}
        },
        None => {}
    }
    let method: reqwest::Method = c.method.parse().map_err(|_| Failure::Usage(format!("bad method {}", c.method)))?;
    let mut retryable = matches!(c.method, "GET" | "HEAD" | "PUT" | "DELETE");
    if c.idempotency {
        headers.push(("Idempotency-Key".to_owned(), g.idempotency_key.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string())));
        retryable = true;
    }
    Ok(Request { method, path, query, headers, body, retryable })
}

fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, Failure> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Failure::Usage("the JSON body must be an object".into())),
        Err(e) => Err(Failure::Usage(format!("the JSON body does not parse: {e}"))),
    }
}

fn print_value(format: Format, value: &Value, columns: &[&str]) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    output::emit(&mut out, format, value, columns).map_err(|e| Failure::Usage(format!("standard output: {e}")))
}

/// Prints a successful answer (JSON as the format says, bytes as they are).
fn print_answer(a: &Answer, c: Option<&CliCommand>, g: &Globals, out_file: Option<&String>) -> Result<(), Failure> {
    let json_answer = c.is_none_or(|c| c.json_answer);
    match (json_answer, a.json()) {
        (true, Some(body)) => {
            if let (Some(next), true) = (body["next_cursor"].as_str(), body["has_more"] == true)
                && std::io::stderr().is_terminal()
            {
                eprintln!("more: --cursor {next} (or --all)");
            }
            print_value(g.output, &output::result(body), c.map(|c| c.columns).unwrap_or_default())
        }
        _ => match out_file {
            Some(f) => std::fs::write(f, &a.bytes).map_err(|e| Failure::Usage(format!("{f}: {e}"))),
            None => std::io::stdout().write_all(&a.bytes).map_err(|e| Failure::Usage(format!("standard output: {e}"))),
        },
    }
}

/// `--all`: every page, printed as it comes for ndjson, at the end otherwise.
async fn follow(conn: &Connection, c: &CliCommand, mut r: Request, g: &Globals) -> Result<(), Failure> {
    let progress = std::io::stderr().is_terminal();
    let max = g.max_items.unwrap_or(usize::MAX);
    let mut items: Vec<Value> = Vec::new();
    let mut count = 0;
    loop {
        let a = conn.send(&r).await?;
        if !(200..300).contains(&a.status) {
            return Err(failure(&a));
        }
        let body = a.json().ok_or_else(|| Failure::Transport("the answer is not JSON".into()))?;
        let page: Vec<Value> = body["data"].as_array().cloned().unwrap_or_default();
        for item in page {
            if count == max {
                break;
            }
            count += 1;
            if g.output == Format::Ndjson {
                print_value(Format::Ndjson, &item, &[])?;
            } else {
                items.push(item);
            }
        }
        if progress {
            eprint!("\r{count} items");
        }
        match body["next_cursor"].as_str() {
            Some(next) if count < max && body["has_more"] != false => {
                r.query.retain(|(k, _)| k != "cursor");
                r.query.push(("cursor".to_owned(), next.to_owned()));
            }
            _ => break,
        }
    }
    if progress {
        eprintln!();
    }
    if g.output != Format::Ndjson {
        print_value(g.output, &Value::Array(items), c.columns)?;
    }
    Ok(())
}

async fn api(conn: &Connection, m: &ArgMatches, g: &Globals) -> Result<(), Failure> {
    let method_text = m.get_one::<String>("method").map(|s| s.to_uppercase()).unwrap_or_default();
    let method: reqwest::Method = method_text.parse().map_err(|_| Failure::Usage(format!("`{method_text}` is no HTTP method")))?;
    let path = m.get_one::<String>("path").cloned().unwrap_or_default();
    if !path.starts_with('/') {
        return Err(Failure::Usage("the path starts with / (e.g. /api/v1/users)".into()));
    }
    let mut query = Vec::new();
    for q in m.get_many::<String>("query").into_iter().flatten() {
        let (k, v) = q.split_once('=').ok_or_else(|| Failure::Usage(format!("--query {q}: write it as key=value")))?;
        query.push((k.to_owned(), v.to_owned()));
    }
    let mut headers = Vec::new();
    let write = !matches!(method_text.as_str(), "GET" | "HEAD" | "OPTIONS");
    if method_text == "POST" {
        headers.push(("Idempotency-Key".to_owned(), g.idempotency_key.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string())));
    }
    let body = match m.get_one::<String>("data") {
        Some(d) => {
            serde_json::from_str::<Value>(d).map_err(|e| Failure::Usage(format!("--data is not JSON: {e}")))?;
            Some((d.clone().into_bytes(), "application/json".to_owned()))
        }
        None if write => Some((b"{}".to_vec(), "application/json".to_owned())),
        None => None,
    };
    let retryable = !write || method_text == "POST" || method_text == "PUT" || method_text == "DELETE";
    let a = conn.send(&Request { method, path, query, headers, body, retryable }).await?;
    if !(200..300).contains(&a.status) {
        return Err(failure(&a));
    }
    match a.json() {
        Some(v) => print_value(g.output, &v, &[]),
        None => std::io::stdout().write_all(&a.bytes).map_err(|e| Failure::Usage(e.to_string())),
    }
}

async fn login(m: &ArgMatches) -> Result<(), Failure> {
    let profile_name = m.get_one::<String>("profile").cloned().unwrap_or_else(|| "default".into());
    let base = m.get_one::<String>("base-url").cloned().unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let key = match m.get_one::<String>("key").map(String::as_str) {
        Some("-") | None => {
            if std::io::stdin().is_terminal() {
                eprint!("API key: ");
            }
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map_err(|e| Failure::Usage(e.to_string()))?;
            line.trim().to_owned()
        }
        Some(k) => k.to_owned(),
    };
    if key.is_empty() {
        return Err(Failure::Usage("no key given".into()));
    }
    // a key without the scope still proves itself (403); a wrong one is 401
    let conn = Connection::new(&base, Some(key.clone()), true)?;
    let probe = Request { method: reqwest::Method::GET, path: "/api/v1/events".into(), query: vec![("limit".into(), "1".into())], headers: vec![], body: None, retryable: true };
    let a = conn.send(&probe).await?;
    if a.status == 401 {
        return Err(failure(&a));
    }
    let path = config::save(&profile_name, config::Profile { base_url: Some(base.clone()), key: Some(key) }).map_err(Failure::Usage)?;
    eprintln!("saved profile `{profile_name}` for {base} in {}", path.display());
    Ok(())
}

async fn tail(conn_base: &str, key: Option<String>, m: &ArgMatches) -> Result<(), Failure> {
    let key = key.ok_or_else(|| Failure::Usage("give --key, set MOBIEUS_API_KEY, or run `mobieus login`".into()))?;
    let sdk = mobieus_client::Mobieus::new(conn_base, &key).map_err(Failure::Usage)?;
    let options = mobieus_client::StreamOptions { last_event_id: m.get_one::<i64>("after").copied(), event_type: m.get_one::<String>("type").cloned(), max_reconnects: None };
    let events = sdk.events_stream(options).take(m.get_one::<usize>("count").copied().unwrap_or(usize::MAX));
    let mut events = std::pin::pin!(events);
    while let Some(e) = events.next().await {
        match e {
            Ok(e) => println!("{}", serde_json::to_string(&e).unwrap_or_default()),
            Err(mobieus_client::ApiError::ErrorResponse(r)) => {
                return Err(Failure::Api { status: r.status().as_u16(), code: r.error.code.clone(), message: r.error.message.clone(), request_id: r.request_id.clone() });
            }
            Err(e) => return Err(Failure::Transport(e.to_string())),
        }
    }
    Ok(())
}

fn verify(m: &ArgMatches) -> Result<(), Failure> {
    let get = |k: &str| m.get_one::<String>(k).cloned().unwrap_or_default();
    let mut body = Vec::new();
    std::io::stdin().read_to_end(&mut body).map_err(|e| Failure::Usage(e.to_string()))?;
    let now = chrono::Utc::now().timestamp();
    mobieus_client::webhook::verify_webhook(&get("secret"), &get("id"), &get("timestamp"), &get("signature"), &body, now, mobieus_client::webhook::DEFAULT_TOLERANCE_SECONDS)
        .map_err(|e| Failure::Api { status: 401, code: "not_verified".into(), message: e.to_string(), request_id: String::new() })?;
    println!("verified");
    Ok(())
}

/// The innermost matches: global flags are there wherever they were written.
fn leaf(m: &ArgMatches) -> &ArgMatches {
    match m.subcommand() {
        Some((_, sub)) => leaf(sub),
        None => m,
    }
}

async fn run(top: ArgMatches) -> Result<(), Failure> {
    let m = leaf(&top).clone();
    let g = Globals {
        output: m.get_one::<Format>("output").copied().unwrap_or(Format::Json),
        all: m.get_flag("all"),
        max_items: m.get_one::<usize>("max-items").copied(),
        idempotency_key: m.get_one::<String>("idempotency-key").cloned(),
    };
    let (group, sub) = top.subcommand().ok_or_else(|| Failure::Usage("name a command (mobieus --help)".into()))?;
    match group {
        "completions" => {
            let shell = *sub.get_one::<clap_complete::Shell>("shell").ok_or_else(|| Failure::Usage("name a shell".into()))?;
            clap_complete::generate(shell, &mut app(), "mobieus", &mut std::io::stdout());
            return Ok(());
        }
        "verify-webhook" => return verify(sub),
        "login" => return login(&m).await,
        _ => {}
    }
    let conn = connection(&m)?;
    match group {
        "api" => return api(&conn, sub, &g).await,
        "tail" => return tail(&conn.base, conn.key.clone(), sub).await,
        _ => {}
    }
    let (name, args) = sub.subcommand().ok_or_else(|| Failure::Usage(format!("name a command of {group} (mobieus {group} --help)")))?;
    if group == "webhooks" && name == "listen" {
        let secrets: Vec<String> = args.get_many::<String>("secret").into_iter().flatten().cloned().collect();
        let port = args.get_one::<u16>("port").copied().unwrap_or(8787);
        let l = listen::Listen { secrets, bind: ([127, 0, 0, 1], port).into(), forward_to: args.get_one::<String>("forward-to").cloned(), count: args.get_one::<usize>("count").copied() };
        return listen::run(l).await.map_err(Failure::Transport);
    }
    let c = table::find(group, name).ok_or_else(|| Failure::Usage(format!("no command {group} {name}")))?;
    if conn.key.is_none() && !c.path.starts_with("/api/openapi") && !c.path.starts_with("/api/docs") {
        return Err(Failure::Usage("give --key, set MOBIEUS_API_KEY, or run `mobieus login`".into()));
    }
    let request = build(c, args, &g)?;
    if g.all && c.list {
        return follow(&conn, c, request, &g).await;
    }
    let a = conn.send(&request).await?;
    if !(200..300).contains(&a.status) {
        return Err(failure(&a));
    }
    print_answer(&a, Some(c), &g, m.get_one::<String>("out-file"))
}

pub fn main() -> ExitCode {
    let matches = app().get_matches();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}
