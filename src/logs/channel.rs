//! One child output channel's logging (stdout or stderr of a process), as
//! 4.3.0's dispatcher sets it up: optional ANSI stripping, then the
//! `*_logfile` (rotating, or a special file) and/or `*_syslog` lines
//! prefixed with the process name.

use std::io;
use std::path::Path;

use super::ansi::strip_ansi;
use super::rotating::RotatingFile;
use super::syslog;

/// Where one channel's output goes.
#[derive(Debug)]
pub struct ChannelLog {
    file: Option<RotatingFile>,
    /// `Some(process name)` when `*_syslog=true`.
    syslog_name: Option<String>,
    strip_ansi: bool,
}

impl ChannelLog {
    /// `logfile`: the resolved path (AUTO already turned into a file name),
    /// None for NONE. `maxbytes == 0` never rotates.
    pub fn open(
        logfile: Option<&Path>,
        maxbytes: u64,
        backups: u32,
        to_syslog: bool,
        process_name: &str,
        strip_ansi: bool,
    ) -> io::Result<ChannelLog> {
        let file = match logfile {
            Some(p) => Some(RotatingFile::open(p, maxbytes, backups)?),
            None => None,
        };
        Ok(ChannelLog { file, syslog_name: to_syslog.then(|| process_name.to_string()), strip_ansi })
    }

    /// Whether anything is logged at all (4.3.0 makes no logger otherwise).
    pub fn is_enabled(&self) -> bool {
        self.file.is_some() || self.syslog_name.is_some()
    }

    /// Logs one chunk as read from the child. Returns the bytes as logged
    /// (after ANSI stripping), for the main log's debug echo and events.
    pub fn write(&mut self, data: &[u8]) -> io::Result<Vec<u8>> {
        let data = if self.strip_ansi { strip_ansi(data) } else { data.to_vec() };
        if data.is_empty() {
            return Ok(data);
        }
        if let Some(name) = &self.syslog_name {
            syslog::send_child_output(name, &data);
        }
        if let Some(f) = &mut self.file {
            f.write_all(&data)?;
        }
        Ok(data)
    }

    /// The log file path, for readProcess*Log / tail.
    pub fn path(&self) -> Option<&Path> {
        self.file.as_ref().map(|f| &*f.path)
    }

    /// SIGUSR2 / reopen.
    pub fn reopen(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.reopen(),
            None => Ok(()),
        }
    }

    /// clearProcessLogs: remove the live file and start a new one.
    pub fn clear(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.clear(),
            None => Ok(()),
        }
    }
}
