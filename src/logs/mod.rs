//! Logs: capturing child output into rotating files, the main log with
//! supervisord's format, and reading logs back (readLog/tail rules).
//!
//! - `rotating`: the append/rotate file every log is written through.
//! - `channel`: one child channel's logging (file, syslog, strip_ansi).
//! - `childlog`: AUTO log file names and their cleanup at startup.
//! - `ansi`: strip_ansi as 4.3.0 does it.
//! - `syslog`: libc syslog in 4.3.0's line format.
//! - `mainlog`: the daemon's own log.
//! - `read`: readLog / tail offset rules.

pub mod ansi;
pub mod channel;
pub mod childlog;
pub mod mainlog;
pub mod read;
pub mod rotating;
pub mod syslog;
