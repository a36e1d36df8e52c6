//! The generated commands (`mobieus_api::cli::COMMANDS`) as clap commands,
//! grouped by tag: path parameters are positional, query and header
//! parameters and a JSON body's top-level fields are flags. Every command's
//! help ends with an example built from the document.

use clap::{Arg, ArgAction, Command};
use mobieus_api::cli::{CliCommand, COMMANDS};

/// Flags every command has (see `main`); a body field of the same name is
/// reachable through `--json` only.
pub const RESERVED: &[&str] = &[
    "base-url", "key", "profile", "output", "all", "max-items", "idempotency-key", "json", "json-file", "body-file", "out-file", "help", "version", "no-retry",
];

pub fn flag(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 && !out.ends_with('-') {
            out.push('-');
        }
        out.push(if c == '_' || c == '.' { '-' } else { c.to_ascii_lowercase() });
    }
    out
}

fn value_arg(id: String, long: String, kind: &str, help: &str, values: &[&'static str], required: bool) -> Arg {
    let mut a = Arg::new(id).long(long).help(help.to_owned()).required(required);
    a = match kind {
        "boolean" => a.value_name("true|false").value_parser(["true", "false"]),
        "integer" => a.value_name("N").value_parser(clap::value_parser!(i64)),
        "number" => a.value_name("X").value_parser(clap::value_parser!(f64)),
        k if k.starts_with("list:") => a.value_name("A,B").action(ArgAction::Append).value_delimiter(','),
        "json" => a.value_name("JSON"),
        _ if !values.is_empty() => a.value_parser(values.to_vec()),
        _ => a.value_name("TEXT"),
    };
    a
}

/// `mobieus GROUP NAME` with its required arguments, as an example.
pub fn example(c: &CliCommand) -> String {
    let mut parts = vec!["mobieus".to_owned(), c.group.to_owned(), c.name.to_owned()];
    for p in c.params.iter().filter(|p| p.location == "path") {
        parts.push(if p.example.is_empty() { "1".to_owned() } else { p.example.to_owned() });
    }
    for p in c.params.iter().filter(|p| p.location != "path" && p.required) {
        parts.push(format!("--{} {}", flag(p.name), if p.example.is_empty() { format!("<{}>", p.name) } else { quote(p.example) }));
    }
    for f in c.fields.iter().filter(|f| f.required && !RESERVED.contains(&flag(f.name).as_str())) {
        let v = match f.kind {
            "integer" => "1".to_owned(),
            "boolean" => "true".to_owned(),
            "list:integer" => "1,2".to_owned(),
            "list:string" => "a,b".to_owned(),
            "json" => "'{...}'".to_owned(),
            _ => f.values.first().map(|v| v.to_string()).unwrap_or_else(|| format!("<{}>", f.name)),
        };
        parts.push(format!("--{} {v}", flag(f.name)));
    }
    if c.body_media.is_some_and(|m| m != "json") {
        parts.push("--body-file FILE".to_owned());
    }
    if c.list {
        parts.push("--all".to_owned());
    }
    parts.join(" ")
}

fn quote(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:/@".contains(c)) { s.to_owned() } else { format!("'{s}'") }
}

/// One command's clap definition.
pub fn command(c: &'static CliCommand) -> Command {
    let mut cmd = Command::new(c.name).about(c.summary).after_help(format!("{} {}  ({})\n\nExample:\n  {}", c.method, c.path, c.operation_id, example(c)));
    let mut used: Vec<String> = RESERVED.iter().map(|s| s.to_string()).collect();
    for (i, p) in c.params.iter().filter(|p| p.location == "path").enumerate() {
        cmd = cmd.arg(Arg::new(format!("p:{}", p.name)).index(i + 1).required(true).value_name(p.name.to_uppercase()).help(p.help.to_owned()));
    }
    for p in c.params.iter().filter(|p| p.location != "path") {
        let long = flag(p.name);
        if used.contains(&long) {
            continue;
        }
        used.push(long.clone());
        cmd = cmd.arg(value_arg(format!("p:{}", p.name), long, p.kind, p.help, p.values, p.required));
    }
    for f in c.fields {
        let long = flag(f.name);
        if used.contains(&long) {
            continue;
        }
        used.push(long.clone());
        // required fields may also come from --json, so clap does not insist
        cmd = cmd.arg(value_arg(format!("f:{}", f.name), long, f.kind, f.help, f.values, false));
    }
    cmd
}

/// Every group, with its commands.
pub fn groups() -> Vec<Command> {
    let mut groups: Vec<(&'static str, &'static str, Vec<&'static CliCommand>)> = Vec::new();
    for c in COMMANDS {
        match groups.iter_mut().find(|g| g.0 == c.group) {
            Some(g) => g.2.push(c),
            None => groups.push((c.group, c.group_about, vec![c])),
        }
    }
    groups
        .into_iter()
        .map(|(name, about, cmds)| Command::new(name).about(about).subcommand_required(true).arg_required_else_help(true).subcommands(cmds.into_iter().map(command)))
        .collect()
}

pub fn find(group: &str, name: &str) -> Option<&'static CliCommand> {
    COMMANDS.iter().find(|c| c.group == group && c.name == name)
}
