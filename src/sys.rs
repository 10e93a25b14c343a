//! Small wrappers over system calls that several modules share.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// A new pipe, (read end, write end), made with pipe2(2) and `flags`
/// (O_CLOEXEC, O_NONBLOCK).
pub fn pipe(flags: libc::c_int) -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: fds has room for the two descriptors pipe2 fills.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), flags) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 just returned these two fresh fds; we own them.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

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
