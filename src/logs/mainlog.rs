//! The main log (`[supervisord] logfile=`): supervisord's line format
//! `YYYY-MM-DD HH:MM:SS,mmm LEVEL message`, its levels, and echo to stdout
//! in nodaemon mode.
//!
//! As in 4.3.0: every line that passes the level threshold goes to the file
//! (rotating like child logs) and, in nodaemon mode without `silent`, the
//! same line to stdout. `logfile=syslog` sends each line of a message, in
//! that same format, to syslog at LOG_INFO instead of a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::rotating::RotatingFile;
use super::syslog;

/// supervisord's log levels, most severe first (numeric values as 4.3.0's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Blather = 3,
    Trace = 5,
    Debug = 10,
    Info = 20,
    Warn = 30,
    Error = 40,
    Critical = 50,
}

impl Level {
    /// Parses a `loglevel=` value (already validated by config): critical,
    /// error, warn, info, debug, trace, blather, any case.
    pub fn from_name(name: &str) -> Option<Level> {
        Some(match name.to_ascii_lowercase().as_str() {
            "critical" => Level::Critical,
            "error" => Level::Error,
            "warn" => Level::Warn,
            "info" => Level::Info,
            "debug" => Level::Debug,
            "trace" => Level::Trace,
            "blather" => Level::Blather,
            _ => return None,
        })
    }
    /// The name written in log lines: CRIT, ERRO, WARN, INFO, DEBG, TRAC, BLAT.
    pub fn tag(self) -> &'static str {
        match self {
            Level::Critical => "CRIT",
            Level::Error => "ERRO",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DEBG",
            Level::Trace => "TRAC",
            Level::Blather => "BLAT",
        }
    }
}

/// Where the main log's lines go besides stdout.
#[derive(Debug)]
enum Target {
    None,
    File(RotatingFile),
    Syslog,
}

/// The daemon's main log.
#[derive(Debug)]
pub struct MainLog {
    target: Target,
    level: Level,
    echo_stdout: bool,
}

/// One formatted line: `2024-01-02 03:04:05,678 INFO message\n`, local time,
/// milliseconds truncated as 4.3.0 does.
pub fn format_line(now: chrono::DateTime<chrono::Local>, level: Level, msg: &str) -> String {
    let millis = now.timestamp_subsec_millis().min(999);
    format!("{},{:03} {} {}\n", now.format("%Y-%m-%d %H:%M:%S"), millis, level.tag(), msg)
}

impl MainLog {
    /// `path` None: no file (logfile=NONE / syslog handled separately).
    /// A path of exactly `syslog` means syslog, as in 4.3.0.
    /// `echo_stdout`: also write each line to stdout (nodaemon and not silent).
    pub fn open(
        path: Option<&std::path::Path>,
        maxbytes: u64,
        backups: u32,
        level: Level,
        echo_stdout: bool,
    ) -> std::io::Result<MainLog> {
        let target = match path {
            None => Target::None,
            Some(p) if p == Path::new("syslog") => Target::Syslog,
            Some(p) => Target::File(RotatingFile::open(p, maxbytes, backups)?),
        };
        Ok(MainLog { target, level, echo_stdout })
    }

    /// Logs one message if `level` passes the threshold.
    pub fn log(&mut self, level: Level, msg: &str) {
        if !self.enabled(level) {
            return;
        }
        let line = format_line(chrono::Local::now(), level, msg);
        if self.echo_stdout {
            let mut out = std::io::stdout().lock();
            // A closed stdout (EPIPE) must not stop the daemon.
            let _ = out.write_all(line.as_bytes()).and_then(|_| out.flush());
        }
        match &mut self.target {
            Target::None => {}
            Target::File(f) => {
                if let Err(e) = f.write_all(line.as_bytes()) {
                    // Nowhere better to say it: stderr, once per failure.
                    eprintln!("supervisord: cannot write to main log {}: {e}", f.path.display());
                }
            }
            Target::Syslog => {
                // 4.3.0 formats every line of the message separately.
                let now = chrono::Local::now();
                for part in msg.trim_end_matches('\n').split('\n') {
                    syslog::send(&format_line(now, level, part));
                }
            }
        }
    }

    pub fn enabled(&self, level: Level) -> bool {
        level >= self.level
    }

    /// The threshold in force.
    pub fn level(&self) -> Level {
        self.level
    }

    pub fn reopen(&mut self) {
        if let Target::File(f) = &mut self.target {
            if let Err(e) = f.reopen() {
                eprintln!("supervisord: cannot reopen main log {}: {e}", f.path.display());
            }
        }
    }

    /// The file path (for readLog and /mainlogtail), if logging to a file.
    pub fn path(&self) -> Option<&std::path::Path> {
        match &self.target {
            Target::File(f) => Some(&f.path),
            _ => None,
        }
    }

    /// clearLog: removes the file and starts a new one. NotFound when there
    /// is no log file (the caller answers NO_FILE).
    pub fn clear(&mut self) -> std::io::Result<()> {
        match &mut self.target {
            Target::File(f) => {
                if !f.path.exists() {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        format!("{} does not exist", f.path.display()),
                    ));
                }
                f.clear()
            }
            _ => Err(std::io::Error::new(std::io::ErrorKind::NotFound, "no main log file")),
        }
    }

    /// Where the file is, owned (for handing to other tasks).
    pub fn path_buf(&self) -> Option<PathBuf> {
        self.path().map(Path::to_path_buf)
    }
}
