//! A log file that rotates at `maxbytes` into `.1 .. .N` backups, or a
//! special file (/dev/stdout, /dev/fd/N, a pipe, a tty) that is only ever
//! appended to: never seeked, truncated or rotated.
//!
//! Rotation follows supervisord 4.3.0: after a write leaves the file at or
//! past `maxbytes`, `.N-1 → .N … .1 → .2`, the live file → `.1`, and a new
//! empty live file is opened. With `backups = 0` the live file is simply
//! emptied at that point. `maxbytes = 0` never rotates. The size is tracked
//! from our own writes (one fstat at open), so a write costs one write(2).
//!
//! `splice_from` moves bytes from a pipe straight into the file (no copy
//! through userspace) with the same rotation rule; each splice stops at the
//! rotation point, so the file rotates exactly when it reaches `maxbytes`.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One child channel's (or the main log's) output file.
#[derive(Debug)]
pub struct RotatingFile {
    /// Shared with the process that owns the channel (one copy per path).
    pub path: Arc<Path>,
    file: File,
    /// Bytes in the live file (regular files only).
    size: u64,
    maxbytes: u64,
    backups: u32,
    /// Not a regular file: append only, never rotate or truncate.
    special: bool,
    /// Held around every write: the same lock for every RotatingFile of
    /// this process that has the same file open (two channels logging to
    /// one path), because a splice writes at an offset it looked up first
    /// and must not race an append from the other one. An index into
    /// INODE_LOCKS (one byte: with 2000 log files the shared, locked copy
    /// of this struct then takes an 80-byte heap block, not 96).
    inode_lock: u8,
    /// O_APPEND is switched off while splicing (splice refuses append-mode
    /// files) and back on before the next write(2).
    append_off: bool,
}

impl RotatingFile {
    /// Opens for append, creating the file. `maxbytes == 0` never rotates.
    pub fn open(path: &Path, maxbytes: u64, backups: u32) -> io::Result<RotatingFile> {
        Self::open_shared(Arc::from(path), maxbytes, backups)
    }

    /// `open` keeping the caller's copy of the path instead of making one.
    pub fn open_shared(path: Arc<Path>, maxbytes: u64, backups: u32) -> io::Result<RotatingFile> {
        let (file, special) = open_target(&path)?;
        let (size, inode_lock) = describe(&file, special)?;
        Ok(RotatingFile {
            path,
            file,
            size,
            maxbytes,
            backups,
            special,
            inode_lock,
            append_off: false,
        })
    }

    /// Held around every write and splice (see `inode_lock`).
    fn write_lock(&self) -> std::sync::MutexGuard<'static, ()> {
        INODE_LOCKS[usize::from(self.inode_lock)].lock().unwrap_or_else(|p| p.into_inner())
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
        let result = {
            let _same_file = self.write_lock();
            if self.append_off {
                set_append(&self.file, true);
                self.append_off = false;
            }
            self.file.write_all(data)
        };
        // Count what reached the file even when a later part failed.
        self.size += data.len() as u64;
        result?;
        if self.maxbytes > 0 && self.size >= self.maxbytes {
            self.rotate()?;
        }
        Ok(())
    }

    /// How many of `max` bytes the next `splice_from` may move: never past
    /// the rotation point. Unsupported for special files.
    pub fn splice_len(&self, max: usize) -> io::Result<usize> {
        if self.special {
            return Err(io::ErrorKind::Unsupported.into());
        }
        let room = self.maxbytes.saturating_sub(self.size);
        // A file opened already past maxbytes rotates after this write, as
        // write_all would do.
        Ok(if room == 0 { max } else { max.min(usize::try_from(room).unwrap_or(max)) })
    }

    /// Moves up to `max` bytes from the (non-blocking) pipe `pipe` into the
    /// file with splice(2), at the end of the file as an append would, then
    /// rotates like `write_all`. One call never crosses the rotation point.
    /// Ok(0) is end of file (no writer left and the pipe is empty);
    /// WouldBlock means the pipe is empty for now; Unsupported means this
    /// target cannot be spliced into (special file, or a filesystem without
    /// splice support): use read + `write_all` instead. Any other error
    /// (disk full) leaves the bytes in the pipe.
    pub fn splice_from(&mut self, pipe: RawFd, max: usize) -> io::Result<usize> {
        let len = self.splice_len(max)?;
        let fd = self.file.as_raw_fd();
        let moved = {
            let _same_file = self.write_lock();
            if !self.append_off {
                set_append(&self.file, false);
                self.append_off = true;
            }
            // Append by hand: write at the current end, wherever someone
            // else (copytruncate, the other channel) left it.
            // SAFETY: plain syscalls on fds that stay open for the call.
            let mut end = unsafe { libc::lseek(fd, 0, libc::SEEK_END) };
            if end < 0 {
                return Err(io::Error::last_os_error());
            }
            loop {
                let n = unsafe {
                    libc::splice(pipe, std::ptr::null_mut(), fd, &mut end, len, libc::SPLICE_F_NONBLOCK | libc::SPLICE_F_MOVE)
                };
                if n >= 0 {
                    break n as usize;
                }
                let err = io::Error::last_os_error();
                match err.raw_os_error() {
                    Some(libc::EINTR) => continue,
                    Some(libc::EINVAL) => return Err(io::Error::new(io::ErrorKind::Unsupported, err)),
                    _ => return Err(err),
                }
            }
        };
        self.size += moved as u64;
        if moved > 0 && self.maxbytes > 0 && self.size >= self.maxbytes {
            // The bytes are in the file either way; a failed rotation is
            // retried after the next write, as with write_all.
            let _ = self.rotate();
        }
        Ok(moved)
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
        self.append_off = false;
        if self.backups == 0 {
            let _same_file = self.write_lock();
            self.file.set_len(0)?;
        }
        (self.size, self.inode_lock) = describe(&self.file, false)?;
        Ok(())
    }

    /// Reopens the path (SIGUSR2, or after someone removed the file).
    pub fn reopen(&mut self) -> io::Result<()> {
        let (file, special) = open_target(&self.path)?;
        (self.size, self.inode_lock) = describe(&file, special)?;
        self.file = file;
        self.special = special;
        self.append_off = false;
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

/// The size of a freshly opened target and the write lock of its inode.
fn describe(file: &File, special: bool) -> io::Result<(u64, u8)> {
    if special {
        // Never spliced, seeked or locked: any lock will do.
        return Ok((0, 0));
    }
    let meta = file.metadata()?;
    Ok((meta.len(), inode_lock(meta.dev(), meta.ino())))
}

/// Write locks by inode hash. Files on one inode always get the same lock;
/// files on different inodes may share one, which only costs waiting (each
/// is held for one write or splice, and the daemon writes from one thread).
/// A lock and a table entry per open file were ~80 bytes per log file,
/// 160 KiB with 1000 processes.
static INODE_LOCKS: [Mutex<()>; 64] = [const { Mutex::new(()) }; 64];

/// The write lock (index) every RotatingFile on this inode shares.
fn inode_lock(dev: u64, ino: u64) -> u8 {
    let mixed = (ino ^ dev.rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (mixed >> 58) as u8
}

fn set_append(file: &File, on: bool) {
    crate::sys::set_fd_flag(file.as_raw_fd(), libc::O_APPEND, on);
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
    crate::sys::set_fd_flag(file.as_raw_fd(), libc::O_NONBLOCK, false);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_on_one_file_share_its_write_lock_after_rotation_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shared.log");
        let mut a = RotatingFile::open(&path, 10, 1).unwrap();
        let b = RotatingFile::open(&path, 10, 1).unwrap();
        assert_eq!(a.inode_lock, b.inode_lock);
        // a now writes a new file at the path; b still has the old one (.1).
        a.write_all(b"0123456789").unwrap();
        let c = RotatingFile::open(&path, 10, 1).unwrap();
        assert_eq!(a.inode_lock, c.inode_lock);
        let old = RotatingFile::open(&backup_name(&path, 1), 10, 1).unwrap();
        assert_eq!(b.inode_lock, old.inode_lock);
    }
}
