//! Small wrappers over system calls that several modules share.

use std::os::fd::RawFd;

/// Turns one file status flag (`O_NONBLOCK`, `O_APPEND`) on or off on `fd`,
/// leaving the others as they are. Best effort: an fd that refuses keeps
/// its flags (the caller's next read or write reports any real problem).
pub fn set_fd_flag(fd: RawFd, flag: libc::c_int, on: bool) {
    // SAFETY: plain fcntl calls; an invalid fd only makes them fail.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 {
            return;
        }
        let wanted = if on { flags | flag } else { flags & !flag };
        if wanted != flags {
            libc::fcntl(fd, libc::F_SETFL, wanted);
        }
    }
}
