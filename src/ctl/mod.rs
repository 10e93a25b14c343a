//! The Rust supervisorctl: same commands, output and exit codes as 4.3.0's.
//!
//! - `options`: the command line and the `[supervisorctl]` section.
//! - `controller`: line parsing, error handling, exit codes, `upcheck`.
//! - `commands`: one method per command, grouped by subject.
//! - `format`, `pyfmt`: output layout and the Python behaviours it relies on.
//! - `server`, `http`: XML-RPC over HTTP (unix socket or TCP) and log streams.
//! - `console`: stdout/stderr/stdin, or buffers in tests.
//! - `shell`: the interactive prompt.

pub mod commands;
pub mod console;
pub mod controller;
pub mod format;
pub mod http;
pub mod interrupt;
pub mod options;
pub mod pyfmt;
pub mod server;
pub mod shell;

use console::StdConsole;
use controller::Controller;
use server::HttpServer;

/// Entry point of the `supervisorctl` binary; returns the exit code.
pub fn main() -> i32 {
    let argv: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let progname = argv.first().cloned().unwrap_or_else(|| "supervisorctl".to_string());
    let rest = argv.get(1..).unwrap_or(&[]);
    let inv = match options::parse(&progname, rest) {
        Ok(inv) => inv,
        Err(exit) => {
            print!("{}", exit.stdout);
            eprint!("{}", exit.stderr);
            return exit.code;
        }
    };
    let mut ctl = Controller::new(inv.settings, Box::new(StdConsole::new()), Box::new(|t| Box::new(HttpServer::new(t))));
    if !inv.args.is_empty() {
        ctl.onecmd(&inv.args.join(" "));
        return ctl.exit;
    }
    shell::run(ctl)
}
