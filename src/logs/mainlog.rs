//! The main log (`[supervisord] logfile=`): supervisord's line format
//! `YYYY-MM-DD HH:MM:SS,mmm LEVEL message`, its levels, and echo to stdout
//! in nodaemon mode.

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
    /// Parses a `loglevel=` value (already validated by config).
    pub fn from_name(_name: &str) -> Option<Level> {
        todo!("logs helper")
    }
    /// The name written in log lines: CRIT, ERRO, WARN, INFO, DEBG, TRAC, BLAT.
    pub fn tag(self) -> &'static str {
        todo!("logs helper")
    }
}

/// The daemon's main log.
#[derive(Debug)]
pub struct MainLog {
    // fields chosen by the logs helper
}

impl MainLog {
    /// `path` None: no file (logfile=NONE / syslog handled separately).
    /// `echo_stdout`: also write each line to stdout (nodaemon and not silent).
    pub fn open(
        _path: Option<&std::path::Path>,
        _maxbytes: u64,
        _backups: u32,
        _level: Level,
        _echo_stdout: bool,
    ) -> std::io::Result<MainLog> {
        todo!("logs helper")
    }

    /// Logs one message if `level` passes the threshold.
    pub fn log(&mut self, _level: Level, _msg: &str) {
        todo!("logs helper")
    }

    pub fn enabled(&self, _level: Level) -> bool {
        todo!("logs helper")
    }

    pub fn reopen(&mut self) {
        todo!("logs helper")
    }

    /// The file path (for readLog and /mainlogtail), if logging to a file.
    pub fn path(&self) -> Option<&std::path::Path> {
        todo!("logs helper")
    }

    pub fn clear(&mut self) -> std::io::Result<()> {
        todo!("logs helper")
    }
}
