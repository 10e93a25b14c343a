//! The supervisor's view of the main log: level helpers over `MainLog`, so
//! state-machine code reads like 4.3.0's `logger.info(...)` calls.

use crate::logs::mainlog::{Level, MainLog};

/// The main log as the supervisor task uses it. `None` inside means no
/// main log at all (tests that only look at process behaviour).
#[derive(Debug)]
pub struct Logger {
    log: Option<MainLog>,
}

impl Logger {
    pub fn new(log: Option<MainLog>) -> Logger {
        Logger { log }
    }

    pub fn enabled(&self, level: Level) -> bool {
        self.log.as_ref().map(|l| l.enabled(level)).unwrap_or(false)
    }

    pub fn log(&mut self, level: Level, msg: &str) {
        if let Some(l) = self.log.as_mut() {
            l.log(level, msg);
        }
    }

    pub fn critical(&mut self, msg: &str) {
        self.log(Level::Critical, msg)
    }
    pub fn error(&mut self, msg: &str) {
        self.log(Level::Error, msg)
    }
    pub fn warn(&mut self, msg: &str) {
        self.log(Level::Warn, msg)
    }
    pub fn info(&mut self, msg: &str) {
        self.log(Level::Info, msg)
    }
    pub fn debug(&mut self, msg: &str) {
        self.log(Level::Debug, msg)
    }
    pub fn trace(&mut self, msg: &str) {
        self.log(Level::Trace, msg)
    }
    pub fn blather(&mut self, msg: &str) {
        self.log(Level::Blather, msg)
    }

    pub fn main_log(&mut self) -> Option<&mut MainLog> {
        self.log.as_mut()
    }

    pub fn path(&self) -> Option<std::path::PathBuf> {
        self.log.as_ref().and_then(|l| l.path().map(|p| p.to_path_buf()))
    }

    pub fn reopen(&mut self) {
        if let Some(l) = self.log.as_mut() {
            l.reopen();
        }
    }
}
