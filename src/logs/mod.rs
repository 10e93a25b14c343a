//! Logs: capturing child output into rotating files, the main log with
//! supervisord's format, and reading logs back (readLog/tail rules).

pub mod mainlog;
pub mod read;
pub mod rotating;
pub mod ansi;
pub mod childlog;
pub mod syslog;
