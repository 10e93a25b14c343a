//! What runs in the new child before exec, and how the child is made.
//!
//! The child is created with `clone(CLONE_VM | CLONE_VFORK)` (as glibc's
//! posix_spawn does): it borrows the parent's memory on its own stack while
//! the spawning thread waits for its exec, so the cost does not grow with
//! the daemon's size as fork's page-table copy does. Plain fork is the
//! fallback when clone is refused. Either way the child code only reads data
//! prepared before, makes plain system calls (no allocation, no locks, no
//! glibc wrappers that touch other threads), and runs with all signals
//! blocked until it has reset every handler to the default.

use std::ffi::CString;
use std::os::fd::RawFd;

use super::errno::errno_name;

/// Everything the child needs, prepared by the parent before fork.
pub struct ChildPlan {
    pub filename: CString,
    /// argv[0] as written, for `couldn't exec <argv0>: ...`.
    pub argv0: Vec<u8>,
    pub argv_ptrs: Vec<*const libc::c_char>,
    pub envp_ptrs: Vec<*const libc::c_char>,
    /// Sources for fds 0, 1, 2 (all >= 3, so dup2 never clobbers a source).
    pub stdin_src: RawFd,
    pub stdout_src: RawFd,
    pub stderr_src: RawFd,
    /// fd 0 is an fcgi listening socket: make it blocking for the child.
    pub stdin_is_socket: bool,
    pub user: UserPlan,
    pub directory: Option<(CString, Vec<u8>)>,
    pub umask: Option<libc::mode_t>,
    /// Highest fd to close when close_range is unavailable.
    pub max_fd: libc::c_int,
}

/// The user switch decided before fork (name lookups are not fork-safe).
pub enum UserPlan {
    Keep,
    /// setgroups, setgid, setuid; `uid_text` is what messages call the user.
    Switch { uid: libc::uid_t, gid: libc::gid_t, groups: Vec<libc::gid_t>, uid_text: Vec<u8> },
    /// Known to fail (`Can't drop privilege as nonroot user`): the child
    /// reports it and exits 127, as supervisord's child does.
    Fail { uid_text: Vec<u8>, reason: Vec<u8> },
}

/// A message assembled on the stack and written with one write(2).
struct StackMsg {
    buf: [u8; 1024],
    len: usize,
}

impl StackMsg {
    fn new() -> StackMsg {
        StackMsg { buf: [0; 1024], len: 0 }
    }
    fn push(&mut self, bytes: &[u8]) -> &mut StackMsg {
        for &b in bytes {
            if self.len == self.buf.len() {
                self.flush();
            }
            self.buf[self.len] = b;
            self.len += 1;
        }
        self
    }
    fn push_errno(&mut self, errno: i32) -> &mut StackMsg {
        match errno_name(errno) {
            Some(name) => self.push(name.as_bytes()),
            None => {
                let mut digits = [0u8; 12];
                let mut n = errno.unsigned_abs();
                let mut i = digits.len();
                loop {
                    i -= 1;
                    digits[i] = b'0' + (n % 10) as u8;
                    n /= 10;
                    if n == 0 {
                        break;
                    }
                }
                if errno < 0 {
                    i -= 1;
                    digits[i] = b'-';
                }
                self.push(&digits[i..])
            }
        }
    }
    fn flush(&mut self) {
        let mut off = 0;
        while off < self.len {
            let n = unsafe { libc::write(2, self.buf[off..].as_ptr().cast(), self.len - off) };
            if n <= 0 {
                if n < 0 && last_errno() == libc::EINTR {
                    continue;
                }
                break;
            }
            off += n as usize;
        }
        self.len = 0;
    }
}

fn last_errno() -> i32 {
    unsafe { *libc::__errno_location() }
}

/// Starts the child running `plan`; returns its pid, or the errno of the
/// failed clone/fork.
pub fn launch(plan: &ChildPlan, allow_vfork: bool) -> Result<libc::pid_t, i32> {
    unsafe {
        // Block every signal so no daemon handler runs in the child (it would
        // run on the parent's memory). The child unblocks after resetting.
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        let result = if allow_vfork { clone_vfork(plan) } else { Err(libc::ENOSYS) };
        let result = match result {
            Ok(pid) => Ok(pid),
            Err(_) => {
                let pid = libc::fork();
                if pid == 0 {
                    run_child(plan)
                }
                if pid < 0 {
                    Err(last_errno())
                } else {
                    Ok(pid)
                }
            }
        };
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        result
    }
}

/// The child's own stack for the shared-memory clone, with a guard page.
struct ChildStack {
    base: *mut libc::c_void,
    len: usize,
}

impl ChildStack {
    const SIZE: usize = 256 * 1024;

    fn new() -> Option<ChildStack> {
        let page = 4096;
        let len = Self::SIZE + page;
        // SAFETY: anonymous private mapping; checked for failure.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return None;
        }
        // The lowest page catches an overflow instead of letting it run
        // into other memory.
        unsafe { libc::mprotect(base, page, libc::PROT_NONE) };
        Some(ChildStack { base, len })
    }

    fn top(&self) -> *mut libc::c_void {
        // Stacks grow down; keep 16-byte alignment.
        (((self.base as usize) + self.len) & !15) as *mut libc::c_void
    }
}

impl Drop for ChildStack {
    fn drop(&mut self) {
        unsafe { libc::munmap(self.base, self.len) };
    }
}

extern "C" fn clone_entry(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `arg` is the &ChildPlan passed by clone_vfork, alive until the
    // child has exec'd or exited (CLONE_VFORK keeps the parent waiting).
    unsafe { run_child(&*(arg as *const ChildPlan)) }
}

unsafe fn clone_vfork(plan: &ChildPlan) -> Result<libc::pid_t, i32> {
    let Some(stack) = ChildStack::new() else { return Err(libc::ENOMEM) };
    let pid = libc::clone(
        clone_entry,
        stack.top(),
        libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
        plan as *const ChildPlan as *mut libc::c_void,
    );
    // With CLONE_VFORK the child no longer uses the stack once clone returns.
    drop(stack);
    if pid < 0 {
        Err(last_errno())
    } else {
        Ok(pid)
    }
}

/// Runs in the child; never returns.
///
/// # Safety
/// Must only be called in a freshly forked child, with `plan` prepared by
/// the parent before the fork.
pub unsafe fn run_child(plan: &ChildPlan) -> ! {
    reset_signals();

    // Own process group, so signals aimed at the daemon's group (Ctrl-C in
    // nodaemon mode) do not reach children.
    libc::setpgid(0, 0);

    libc::dup2(plan.stdin_src, 0);
    libc::dup2(plan.stdout_src, 1);
    libc::dup2(plan.stderr_src, 2);
    if plan.stdin_is_socket {
        let flags = libc::fcntl(0, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(0, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    close_from_3(plan.max_fd);

    let mut msg = StackMsg::new();
    match &plan.user {
        UserPlan::Keep => {}
        UserPlan::Fail { uid_text, reason } => {
            msg.push(b"supervisor: couldn't setuid to ")
                .push(uid_text)
                .push(b": ")
                .push(reason)
                .push(b"\n")
                .flush();
            not_spawned(&mut msg);
        }
        UserPlan::Switch { uid, gid, groups, uid_text } => {
            let failure: Option<(&[u8], i32)> =
                // Raw system calls: glibc's wrappers would try to change the
                // ids of every thread of the (shared-memory) parent.
                if libc::syscall(libc::SYS_setgroups, groups.len(), groups.as_ptr()) != 0 {
                    Some((b"Could not set groups of effective user", 0))
                } else if libc::syscall(libc::SYS_setgid, *gid) != 0 {
                    Some((b"Could not set group id of effective user", 0))
                } else if libc::syscall(libc::SYS_setuid, *uid) != 0 {
                    Some((b"", last_errno()))
                } else {
                    None
                };
            if let Some((text, errno)) = failure {
                msg.push(b"supervisor: couldn't setuid to ").push(uid_text).push(b": ");
                if errno != 0 {
                    msg.push_errno(errno);
                } else {
                    msg.push(text);
                }
                msg.push(b"\n").flush();
                not_spawned(&mut msg);
            }
        }
    }

    if let Some((dir, shown)) = &plan.directory {
        if libc::chdir(dir.as_ptr()) != 0 {
            let errno = last_errno();
            msg.push(b"supervisor: couldn't chdir to ")
                .push(shown)
                .push(b": ")
                .push_errno(errno)
                .push(b"\n")
                .flush();
            not_spawned(&mut msg);
        }
    }

    if let Some(mask) = plan.umask {
        libc::umask(mask);
    }
    libc::execve(plan.filename.as_ptr(), plan.argv_ptrs.as_ptr(), plan.envp_ptrs.as_ptr());
    let errno = last_errno();
    msg.push(b"supervisor: couldn't exec ")
        .push(&plan.argv0)
        .push(b": ")
        .push_errno(errno)
        .push(b"\n")
        .flush();
    not_spawned(&mut msg)
}

unsafe fn not_spawned(msg: &mut StackMsg) -> ! {
    msg.push(b"supervisor: child process was not spawned\n").flush();
    libc::_exit(127)
}

/// Gives the child default signal handling and an empty signal mask: the
/// daemon's handlers and blocked signals are its own business, and the
/// runtime's ignored SIGPIPE must not leak into programs (`yes | head`).
unsafe fn reset_signals() {
    let mut dfl: libc::sigaction = std::mem::zeroed();
    dfl.sa_sigaction = libc::SIG_DFL;
    libc::sigemptyset(&mut dfl.sa_mask);
    for sig in 1..=libc::SIGRTMAX() {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(sig, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction != libc::SIG_DFL
        {
            libc::sigaction(sig, &dfl, std::ptr::null_mut());
        }
    }
    let mut empty: libc::sigset_t = std::mem::zeroed();
    libc::sigemptyset(&mut empty);
    libc::pthread_sigmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
}

/// Closes every fd from 3 up, so the child gets only 0, 1 and 2.
unsafe fn close_from_3(max_fd: libc::c_int) {
    if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) == 0 {
        return;
    }
    for fd in 3..max_fd {
        libc::close(fd);
    }
}
