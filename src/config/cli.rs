//! supervisord's command line (getopt-style, as 4.3.0 parses it) and the
//! config file search order. Command-line values override the file's.

use std::path::PathBuf;

use super::model::Config;

/// What `supervisord` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct DaemonArgs {
    /// -c / --configuration; None means search the default locations.
    pub configuration: Option<PathBuf>,
    /// Our addition: validate, print the resolved config as JSON, exit.
    pub check_config: bool,
    /// -h / --help was given.
    pub help: bool,
    /// -v / --version was given.
    pub version: bool,
    /// Every other option as (long name, value), applied over the file.
    pub overrides: Vec<(String, String)>,
}

/// How a command-line or config problem ends supervisord: the text to print
/// on stderr and the exit code (2 for usage and config errors, like 4.3.0).
#[derive(Debug, Clone)]
pub struct Exit {
    pub message: String,
    pub code: i32,
}

/// Parses supervisord's arguments (without argv[0]).
pub fn parse_daemon_args(_args: &[String]) -> Result<DaemonArgs, Exit> {
    todo!("config helper")
}

/// Finds and loads the config for these arguments, applying overrides.
/// Errors carry supervisord's exact message and exit code.
pub fn load_for_daemon(_args: &DaemonArgs, _argv0: &str) -> Result<Config, Exit> {
    todo!("config helper")
}

/// `supervisord --check-config`: prints the resolved config as JSON (or the
/// error) and returns the exit code (0 or 2).
pub fn run_check_config(_args: &DaemonArgs, _argv0: &str) -> i32 {
    todo!("config helper")
}
