//! A log file that rotates at `maxbytes` into `.1 .. .N` backups, or a
//! special file (/dev/stdout, /dev/fd/N, a pipe, a tty) that is only ever
//! appended to: never seeked, truncated or rotated.
//!
//! Rotation follows supervisord 4.3.0: after a write leaves the file at or
//! past `maxbytes`, `.N-1 → .N … .1 → .2`, the live file → `.1`, and a new
//! empty live file is opened. With `backups = 0` the live file is simply
//! emptied at that point. `maxbytes = 0` never rotates. The size is tracked
//! from our own writes (one fstat at open), so a write costs one write(2).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// One child channel's (or the main log's) output file.
#[derive(Debug)]
pub struct RotatingFile {
    pub path: PathBuf,
    file: File,
    /// Bytes in the live file (regular files only).
    size: u64,
    maxbytes: u64,
    backups: u32,
    /// Not a regular file: append only, never rotate or truncate.
    special: bool,
}

impl RotatingFile {
    /// Opens for append, creating the file. `maxbytes == 0` never rotates.
    pub fn open(path: &Path, maxbytes: u64, backups: u32) -> io::Result<RotatingFile> {
        let (file, special) = open_target(path)?;
        let size = if special { 0 } else { file.metadata()?.len() };
        Ok(RotatingFile { path: path.to_path_buf(), file, size, maxbytes, backups, special })
    }

    /// True for /dev/stdout, pipes, ttys and other non-regular targets.
    pub fn is_special(&self) -> bool {
        self.special
    }

    /// Bytes currently in the live file, as tracked (0 for special files).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends all of `data`, then rotates if the live file has reached
    /// `maxbytes` (supervisord rotates after the write that reaches it, so a
    /// file may pass maxbytes by up to one write).
    pub fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        if self.special {
            write_special(&self.file, data);
            return Ok(());
        }
        let result = self.file.write_all(data);
        // Count what reached the file even when a later part failed.
        self.size += data.len() as u64;
        result?;
        if self.maxbytes > 0 && self.size >= self.maxbytes {
            self.rotate()?;
        }
        Ok(())
    }

    /// Moves the backups up by one and starts a new empty live file.
    pub fn rotate(&mut self) -> io::Result<()> {
        if self.special {
            return Ok(());
        }
        if self.backups > 0 {
            for i in (1..self.backups).rev() {
                let src = backup_name(&self.path, i);
                if src.exists() {
                    remove_and_rename(&src, &backup_name(&self.path, i + 1))?;
                }
            }
            remove_and_rename(&self.path, &backup_name(&self.path, 1))?;
        }
        // With no backups this empties the file in place, as supervisord does.
        self.file = OpenOptions::new()
            .append(true)
            .create(true)
            .truncate(false)
            .custom_flags(libc::O_CLOEXEC)
            .open(&self.path)?;
        if self.backups == 0 {
            self.file.set_len(0)?;
        }
        self.size = self.file.metadata()?.len();
        Ok(())
    }

    /// Reopens the path (SIGUSR2, or after someone removed the file).
    pub fn reopen(&mut self) -> io::Result<()> {
        let (file, special) = open_target(&self.path)?;
        self.size = if special { 0 } else { file.metadata()?.len() };
        self.file = file;
        self.special = special;
        Ok(())
    }

    /// clearProcessLogs / clearLog as supervisord does them: the live file is
    /// removed and a new empty one opened (backups are left alone). Special
    /// files are left untouched (removing /dev/stdout would be a disaster).
    pub fn clear(&mut self) -> io::Result<()> {
        if self.special {
            return Ok(());
        }
        match std::fs::remove_file(&self.path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        self.reopen()
    }
}

/// `<path>.<n>`
pub fn backup_name(path: &Path, n: u32) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

/// Replaces `dst` by `src`; a vanished `src` or `dst` is not an error (a
/// cleanup script may have removed them).
fn remove_and_rename(src: &Path, dst: &Path) -> io::Result<()> {
    // rename(2) replaces dst atomically; no separate remove needed.
    match std::fs::rename(src, dst) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Opens `path` for appending; for a non-regular file (or a path naming
/// one of our fds that cannot be opened, such as a socket on stdout) it
/// returns the special flag and never truncates.
fn open_target(path: &Path) -> io::Result<(File, bool)> {
    // Anything else under /dev or /proc is a device or an fd alias even when it
    // resolves to a regular file (stdout redirected to a file): renaming
    // /dev/stdout at rotation must never happen.
    // /dev/shm is the exception: a tmpfs where logs are ordinary files.
    let dev_alias = path.starts_with("/dev") && !path.starts_with("/dev/shm");
    let special = dev_alias || path.starts_with("/proc") || match std::fs::metadata(path) {
        Ok(meta) => !meta.file_type().is_file(),
        Err(_) => false,
    };
    let mut opts = OpenOptions::new();
    opts.append(true).custom_flags(libc::O_CLOEXEC);
    if !special {
        opts.create(true).mode(0o666);
    } else {
        // A FIFO with no reader must not block the daemon at open.
        if std::fs::metadata(path).map(|m| m.file_type().is_fifo()).unwrap_or(false) {
            opts.custom_flags(libc::O_CLOEXEC | libc::O_NONBLOCK);
        }
    }
    match opts.open(path) {
        Ok(file) => {
            if special {
                clear_nonblocking(&file);
            }
            Ok((file, special))
        }
        Err(e) => match own_fd_named(path) {
            // /dev/stdout on a socket cannot be opened by path: write to our
            // own fd instead.
            Some(fd) => {
                let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
                if dup < 0 {
                    return Err(e);
                }
                // SAFETY: fcntl just created this fd and nothing else owns it.
                Ok((unsafe { File::from_raw_fd(dup) }, true))
            }
            None => Err(e),
        },
    }
}

/// The fd a path like /dev/stdout, /dev/stderr, /dev/fd/N or
/// /proc/self/fd/N refers to in this process.
fn own_fd_named(path: &Path) -> Option<i32> {
    let s = path.to_str()?;
    match s {
        "/dev/stdout" => Some(1),
        "/dev/stderr" => Some(2),
        _ => s
            .strip_prefix("/dev/fd/")
            .or_else(|| s.strip_prefix("/proc/self/fd/"))
            .and_then(|n| n.parse().ok()),
    }
}

fn clear_nonblocking(file: &File) {
    let fd = file.as_raw_fd();
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 && flags & libc::O_NONBLOCK != 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
}

/// Writes to a pipe/tty/device. Failures (a closed reader, a full disk on
/// a device) are dropped: a log target going away must not stop the daemon.
/// A descriptor someone else made non-blocking is waited on, not dropped.
fn write_special(file: &File, mut data: &[u8]) {
    let fd = file.as_raw_fd();
    while !data.is_empty() {
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if n > 0 {
            data = &data[n as usize..];
            continue;
        }
        let errno = io::Error::last_os_error().raw_os_error().unwrap_or(0);
        if n < 0 && errno == libc::EINTR {
            continue;
        }
        if n < 0 && errno == libc::EAGAIN {
            let mut pfd = libc::pollfd { fd, events: libc::POLLOUT, revents: 0 };
            unsafe { libc::poll(&mut pfd, 1, 1000) };
            if pfd.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
                return;
            }
            continue;
        }
        return;
    }
}
