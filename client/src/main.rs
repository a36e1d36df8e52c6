//! `mobieus`: the command-line client (see `cli`).

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
