//! A log file that rotates at `maxbytes` into `.1 .. .N` backups, or a
//! special file (/dev/stdout, /dev/fd/N, a pipe, a tty) that is only ever
//! appended to: never seeked, truncated or rotated.

use std::io;
use std::path::{Path, PathBuf};

/// One child channel's (or the main log's) output file.
#[derive(Debug)]
pub struct RotatingFile {
    pub path: PathBuf,
    // fields chosen by the logs helper
}

impl RotatingFile {
    /// Opens for append, creating the file. `maxbytes == 0` never rotates.
    pub fn open(_path: &Path, _maxbytes: u64, _backups: u32) -> io::Result<RotatingFile> {
        todo!("logs helper")
    }

    /// Appends all of `data`, rotating first whenever the file would pass
    /// maxbytes (supervisord rotates after the write that reaches it; match it).
    pub fn write_all(&mut self, _data: &[u8]) -> io::Result<()> {
        todo!("logs helper")
    }

    /// Reopens the path (SIGUSR2, or after someone removed the file).
    pub fn reopen(&mut self) -> io::Result<()> {
        todo!("logs helper")
    }

    /// clearProcessLogs / clearLog: empty the file and remove its backups.
    pub fn clear(&mut self) -> io::Result<()> {
        todo!("logs helper")
    }
}
