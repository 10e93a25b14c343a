//! What runs in the new child before exec, and how the child is made.
//!
//! # How the child is made
//!
//! Normally with `clone(CLONE_VM | CLONE_CHILD_CLEARTID)`: the child runs on
//! the daemon's memory, on a stack of its own from a small pool, and the
//! daemon does NOT wait for its exec (as it would with CLONE_VFORK, which
//! glibc's posix_spawn uses): the next spawn overlaps with this child's
//! exec. Nothing is copied (unlike fork's page tables, which grow with the
//! daemon), so the cost does not depend on the daemon's size.
//!
//! Sharing memory with a parent that keeps running is only safe under these
//! rules, which this file keeps:
//!
//! 1. Everything the child reads (the `ChildPlan`: paths, argv, envp and
//!    their pointer arrays, the group list) is owned by an in-flight slot
//!    that nobody modifies or frees until the child is done with it.
//! 2. The child writes nothing shared: only its own stack. In particular
//!    it never calls into libc (glibc's wrappers write `errno` in the
//!    thread-local storage it shares with the spawning thread, and touch
//!    that thread's cancellation state; malloc takes locks other daemon
//!    threads may hold). Every system call is a raw instruction
//!    (`rawsys`), messages are built in a stack buffer.
//! 3. "Done with it" is known exactly: with CLONE_CHILD_CLEARTID the kernel
//!    zeroes the slot's `busy` word when the child releases the shared
//!    memory, which happens in execve at the point of no return (after
//!    the kernel copied filename, argv and envp; if exec then fails the
//!    child is killed, never returning to this memory) or when the child
//!    exits. That is the same moment CLONE_VFORK would wake the parent.
//!    Slots are recycled only after that word reads 0 (acquire).
//! 4. No signal handler of the daemon may run in the child: the spawning
//!    thread blocks every signal (raw rt_sigprocmask, so glibc's internal
//!    ones too) across the clone; the child inherits that mask, puts every
//!    handled signal back to SIG_DFL (its handler table is its own copy:
//!    no CLONE_SIGHAND) and only then unblocks. rseq is not inherited with
//!    CLONE_VM, and a new task has no robust-futex list, so the kernel
//!    itself writes nothing into the daemon's memory on the child's behalf
//!    except the `busy` word.
//! 5. File descriptors. A child with its own full copy of the daemon's fd
//!    table (5 fds per process: 5000 with 1000 programs) pays for copying
//!    and then closing all of them, and the clone itself copies the table
//!    in the parent: about 0.2 ms of CPU per spawn at 1000 programs. So
//!    the overlapped child shares the table (CLONE_FILES) and its first act
//!    is `close_range(limit, ~0, CLOSE_RANGE_UNSHARE)`: a private table
//!    holding only the fds below `limit` (`unshare(CLONE_FILES)`, a full
//!    copy, on kernels without that flag). Its pipe ends are not in that
//!    low range, so they travel separately: each slot owns a datagram
//!    socketpair made once while the daemon had few fds open (so the
//!    child's end is below `limit`); before the clone the parent sends the
//!    three pipe ends over it (SCM_RIGHTS) and after the clone closes its
//!    own copies at once, exactly as without CLONE_FILES. The child, on its
//!    private table, receives them. Until then it touches no fd, and what
//!    the daemon opens or closes meanwhile does not matter to it: below
//!    `limit` it is copied and then closed by the child's close_range(3,
//!    ~0), above it is never copied. A slot's socket is drained before its
//!    next use (a child killed before receiving leaves its message there).
//!    When sockets are not available the overlapped child gets a full copy
//!    of the table at clone (no CLONE_FILES) instead.
//! 6. A child that never releases its slot (stopped by SIGSTOP before exec,
//!    or dumping core) only keeps that slot: the parent never waits for a
//!    particular child. When every slot is in flight the parent falls back
//!    to `CLONE_VM | CLONE_VFORK` (waiting for that one child's exec) on a
//!    fresh stack, so a burst is throttled to the children's pace.
//!
//! Setting `RSUP_SPAWN_FORK=1` uses plain fork instead (a safety valve);
//! `RSUP_SPAWN_VFORK=1` always waits for the exec as before. Fork is also
//! the fallback when clone is refused. The child code is the same in all
//! three cases.

use std::ffi::CString;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use super::errno::errno_name;
use super::rawsys;

/// Everything the child needs, prepared by the parent before the clone.
/// It owns the strings its pointer arrays point into, so it can be kept
/// alive as one piece while a child reads it.
pub struct ChildPlan {
    pub filename: CString,
    /// argv[0] as written, for `couldn't exec <argv0>: ...`.
    pub argv0: Vec<u8>,
    /// The strings behind `argv_ptrs` and `envp_ptrs` (moving a CString
    /// does not move its bytes, so the pointers stay valid). Never read:
    /// they are here to own those bytes for as long as the plan lives.
    #[allow(dead_code)]
    argv: Vec<CString>,
    #[allow(dead_code)]
    envp: Vec<CString>,
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
    /// Set: the child starts on the parent's fd table and must first
    /// unshare it, then receive its three source fds on this socket.
    fd_passing: Option<FdPassing>,
}

impl ChildPlan {
    /// A plan for `filename` with `argv` and `envp`; the fd sources and the
    /// rest are filled in by the caller.
    pub fn new(filename: CString, argv: Vec<CString>, envp: Vec<CString>) -> ChildPlan {
        let nul_ended = |v: &[CString]| {
            v.iter().map(|s| s.as_ptr()).chain(std::iter::once(std::ptr::null())).collect::<Vec<_>>()
        };
        ChildPlan {
            filename,
            argv0: argv.first().map(|a| a.as_bytes().to_vec()).unwrap_or_default(),
            argv_ptrs: nul_ended(&argv),
            envp_ptrs: nul_ended(&envp),
            argv,
            envp,
            stdin_src: -1,
            stdout_src: -1,
            stderr_src: -1,
            stdin_is_socket: false,
            user: UserPlan::Keep,
            directory: None,
            umask: None,
            fd_passing: None,
        }
    }
}

// SAFETY: the raw pointers point into the plan's own CStrings, which move
// with it; nothing else refers to them.
unsafe impl Send for ChildPlan {}

/// How the overlapped child gets its pipe ends (see the module comment).
#[derive(Clone, Copy)]
struct FdPassing {
    /// Keep only the fds below this when unsharing the table.
    below: u32,
    /// The slot's socket end to receive the three fds on (below `below`).
    socket: RawFd,
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

/// How children are started (see the module comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaunchMode {
    /// Shared memory, the parent goes on at once (pool slot), else `Vfork`.
    Overlapped,
    /// Shared memory, the parent waits for the child's exec or exit.
    Vfork,
    /// Plain fork.
    Fork,
}

/// Starts the child running `plan`; returns its pid, or the errno of the
/// failed clone/fork. The plan stays alive as long as the child may read it.
pub fn launch(plan: ChildPlan, mode: LaunchMode) -> Result<libc::pid_t, i32> {
    let mut plan = Box::new(plan);
    let _blocked = BlockAllSignals::new();
    if mode == LaunchMode::Overlapped && rawsys::AVAILABLE {
        match launch_overlapped(plan) {
            Ok(pid) => return Ok(pid),
            // No free slot (or no stack): the plan comes back untouched.
            Err(back) => plan = back,
        }
    }
    if mode != LaunchMode::Fork {
        if let Ok(pid) = launch_vfork(&plan) {
            return Ok(pid);
        }
    }
    // SAFETY: fork in a multithreaded process; the child only runs
    // `run_child`, which makes raw system calls and nothing else.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        unsafe { run_child(&plan) }
    }
    if pid < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EAGAIN))
    } else {
        Ok(pid)
    }
}

/// Blocks every signal in this thread (glibc's internal ones too, hence the
/// raw call) until dropped, so no daemon handler can run in a child that
/// shares our memory before it has reset its handlers.
struct BlockAllSignals {
    old: u64,
}

impl BlockAllSignals {
    fn new() -> BlockAllSignals {
        let all: u64 = !0;
        let mut old: u64 = 0;
        // SAFETY: rt_sigprocmask with valid 8-byte sets.
        unsafe {
            rawsys::syscall(
                libc::SYS_rt_sigprocmask,
                &[libc::SIG_SETMASK as usize, &all as *const u64 as usize, &mut old as *mut u64 as usize, rawsys::SIGSET_BYTES],
            );
        }
        BlockAllSignals { old }
    }
}

impl Drop for BlockAllSignals {
    fn drop(&mut self) {
        // SAFETY: restores the mask saved in `new`.
        unsafe {
            rawsys::syscall(
                libc::SYS_rt_sigprocmask,
                &[libc::SIG_SETMASK as usize, &self.old as *const u64 as usize, 0, rawsys::SIGSET_BYTES],
            );
        }
    }
}

/// A child's own stack: an anonymous mapping with a guard page at the bottom.
struct ChildStack {
    base: *mut libc::c_void,
    len: usize,
}

// SAFETY: a private mapping owned by this value alone.
unsafe impl Send for ChildStack {}

impl ChildStack {
    /// Plenty for `run_child` (a 1 KiB message buffer and a few frames).
    const SIZE: usize = 64 * 1024;

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

/// One stack and the plan of the child that may be using both.
struct Slot {
    /// None while idle beyond KEEP_FREE (unmapped to keep the RSS small).
    stack: Option<ChildStack>,
    /// Non-zero while a child may use this slot; the kernel zeroes it
    /// (CLONE_CHILD_CLEARTID) when the child has exec'd or exited. Boxed so
    /// its address never changes.
    busy: Box<AtomicU32>,
    /// The in-flight child's plan, freed once `busy` reads 0.
    plan: Option<Box<ChildPlan>>,
}

impl Slot {
    fn in_flight(&self) -> bool {
        self.plan.is_some() && self.busy.load(Ordering::Acquire) != 0
    }
}

/// At most this many children between clone and exec at once; past that
/// the parent waits (vfork) for each child.
const MAX_SLOTS: usize = 8;
/// Free slots kept mapped for the next burst; the rest are unmapped.
const KEEP_FREE: usize = 8;
/// How many slots get an fd-passing socketpair (two fds each): enough for
/// the children in flight during a burst on a small machine.
const SOCKET_SLOTS: usize = 8;

/// The slots, and the socketpairs that go with the first SOCKET_SLOTS.
struct Pool {
    slots: Vec<Slot>,
    /// (parent end, child end) for slot i, i < sockets.len().
    sockets: Vec<(RawFd, RawFd)>,
    /// One above the highest child end (0: no sockets).
    limit: u32,
    sockets_tried: bool,
}

static POOL: Mutex<Pool> = Mutex::new(Pool { slots: Vec::new(), sockets: Vec::new(), limit: 0, sockets_tried: false });

impl Pool {
    /// Makes the socketpairs, once (the first spawn comes early, when the
    /// daemon has only a handful of fds open, so the child ends get low
    /// numbers). On any failure there are none and children get full
    /// fd-table copies.
    fn make_sockets(&mut self) {
        if self.sockets_tried {
            return;
        }
        self.sockets_tried = true;
        let mut made = Vec::with_capacity(SOCKET_SLOTS);
        for _ in 0..SOCKET_SLOTS {
            let mut pair = [0 as libc::c_int; 2];
            // SAFETY: socketpair with a valid 2-int array.
            let rc = unsafe {
                libc::socketpair(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0, pair.as_mut_ptr())
            };
            if rc != 0 {
                for (a, b) in made {
                    unsafe {
                        libc::close(a);
                        libc::close(b);
                    }
                }
                return;
            }
            made.push((pair[0], pair[1]));
        }
        self.limit = made.iter().map(|&(_, child)| child as u32 + 1).max().unwrap_or(0);
        self.sockets = made;
    }

    /// Frees the plans of children that are done, and unmaps the stacks
    /// of idle slots beyond KEEP_FREE.
    fn reclaim(&mut self) {
        let mut kept = 0;
        for slot in &mut self.slots {
            if slot.plan.is_some() && !slot.in_flight() {
                slot.plan = None;
            }
            if slot.plan.is_none() && slot.stack.is_some() {
                kept += 1;
                if kept > KEEP_FREE {
                    slot.stack = None;
                }
            }
        }
    }

    /// Reclaims, then returns a free slot index (making a new slot if
    /// allowed; the low indices own the sockets, so they come first), or
    /// None when all are in flight.
    fn take_slot(&mut self) -> Option<usize> {
        self.make_sockets();
        self.reclaim();
        let idle = |s: &Slot| s.plan.is_none();
        let i = match self.slots.iter().position(|s| idle(s) && s.stack.is_some()) {
            Some(i) => i,
            None => match self.slots.iter().position(idle) {
                Some(i) => i,
                None if self.slots.len() < MAX_SLOTS => {
                    self.slots.push(Slot { stack: None, busy: Box::new(AtomicU32::new(0)), plan: None });
                    self.slots.len() - 1
                }
                None => return None,
            },
        };
        if self.slots[i].stack.is_none() {
            self.slots[i].stack = Some(ChildStack::new()?);
        }
        Some(i)
    }
}

/// Frees the memory prepared for children that have exec'd or exited.
pub fn reclaim() {
    if let Ok(mut pool) = POOL.lock() {
        pool.reclaim();
    }
}

/// Number of children that may still be reading their plan (for tests).
pub fn in_flight() -> usize {
    POOL.lock().map(|p| p.slots.iter().filter(|s| s.in_flight()).count()).unwrap_or(0)
}

extern "C" fn clone_entry(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `arg` is the boxed ChildPlan held by the slot (or by the
    // waiting parent) until this child has exec'd or exited.
    unsafe { run_child(&*(arg as *const ChildPlan)) }
}

/// Room for one SCM_RIGHTS message of three fds.
#[repr(C, align(8))]
struct CmsgBuf([u8; 64]);

/// Sends the three fds as one datagram (SCM_RIGHTS) without blocking.
fn send_fds(socket: RawFd, fds: [RawFd; 3]) -> bool {
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec { iov_base: byte.as_mut_ptr().cast(), iov_len: 1 };
    let mut buf = CmsgBuf([0; 64]);
    // SAFETY: msghdr/cmsghdr built in local buffers sized with CMSG_SPACE.
    unsafe {
        let data_len = std::mem::size_of::<[RawFd; 3]>() as u32;
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = buf.0.as_mut_ptr().cast();
        msg.msg_controllen = libc::CMSG_SPACE(data_len) as _;
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        if cmsg.is_null() {
            return false;
        }
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(data_len) as _;
        std::ptr::copy_nonoverlapping(fds.as_ptr(), libc::CMSG_DATA(cmsg) as *mut RawFd, 3);
        libc::sendmsg(socket, &msg, libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL) == 1
    }
}

/// Empties a slot's socket of messages nobody received (their child was
/// killed first), closing the fds they carried.
fn drain_socket(socket: RawFd) {
    loop {
        let mut byte = [0u8; 1];
        let mut iov = libc::iovec { iov_base: byte.as_mut_ptr().cast(), iov_len: 1 };
        let mut buf = CmsgBuf([0; 64]);
        // SAFETY: recvmsg into local buffers; received fds are closed.
        unsafe {
            let mut msg: libc::msghdr = std::mem::zeroed();
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            msg.msg_control = buf.0.as_mut_ptr().cast();
            msg.msg_controllen = buf.0.len() as _;
            if libc::recvmsg(socket, &mut msg, libc::MSG_DONTWAIT | libc::MSG_CMSG_CLOEXEC) < 0 {
                return;
            }
            let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
            while !cmsg.is_null() {
                if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                    let n = ((*cmsg).cmsg_len as usize - libc::CMSG_LEN(0) as usize) / std::mem::size_of::<RawFd>();
                    let data = libc::CMSG_DATA(cmsg) as *const RawFd;
                    for k in 0..n {
                        libc::close(*data.add(k));
                    }
                }
                cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
            }
        }
    }
}

/// The overlapped clone. Gives the plan back when no slot is free or the
/// clone failed (then no child exists).
fn launch_overlapped(mut plan: Box<ChildPlan>) -> Result<libc::pid_t, Box<ChildPlan>> {
    let Ok(mut pool) = POOL.lock() else { return Err(plan) };
    let Some(i) = pool.take_slot() else { return Err(plan) };
    let limit = pool.limit;
    let socket = pool.sockets.get(i).copied();
    let mut flags = libc::CLONE_VM | libc::CLONE_CHILD_CLEARTID | libc::SIGCHLD;
    plan.fd_passing = None;
    if let Some((parent_end, child_end)) = socket {
        drain_socket(child_end);
        if send_fds(parent_end, [plan.stdin_src, plan.stdout_src, plan.stderr_src]) {
            plan.fd_passing = Some(FdPassing { below: limit, socket: child_end });
            flags |= libc::CLONE_FILES;
        }
    }
    let slot = &mut pool.slots[i];
    let plan_ptr = &*plan as *const ChildPlan as *mut libc::c_void;
    slot.busy.store(1, Ordering::Release);
    slot.plan = Some(plan);
    // SAFETY: see the module comment. The slot (stack, plan, socket, busy
    // word) is not reused or freed until the kernel has zeroed `busy`.
    let pid = unsafe {
        libc::clone(
            clone_entry,
            slot.stack.as_ref().map_or(std::ptr::null_mut(), ChildStack::top),
            flags,
            plan_ptr,
            std::ptr::null_mut::<libc::pid_t>(),
            std::ptr::null_mut::<libc::c_void>(),
            slot.busy.as_ptr(),
        )
    };
    if pid < 0 {
        slot.busy.store(0, Ordering::Relaxed);
        let mut plan = slot.plan.take().expect("plan stored just above");
        if let Some(passing) = plan.fd_passing.take() {
            drain_socket(passing.socket);
        }
        return Err(plan);
    }
    Ok(pid)
}

/// The waiting clone: the parent sleeps until the child has exec'd or exited.
fn launch_vfork(plan: &ChildPlan) -> Result<libc::pid_t, i32> {
    let Some(stack) = ChildStack::new() else { return Err(libc::ENOMEM) };
    // SAFETY: with CLONE_VFORK this thread is suspended until the child is
    // done with the shared memory, so `plan` and `stack` outlive its use.
    let pid = unsafe {
        libc::clone(
            clone_entry,
            stack.top(),
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            plan as *const ChildPlan as *mut libc::c_void,
        )
    };
    let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EAGAIN);
    drop(stack);
    if pid < 0 {
        Err(errno)
    } else {
        Ok(pid)
    }
}

/// A raw system call for the child; returns the result or `-errno`.
#[inline(always)]
unsafe fn sys(nr: libc::c_long, args: &[usize]) -> isize {
    rawsys::syscall(nr, args)
}

/// A message assembled on the stack and written with one write(2) to fd 2.
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
            if self.len >= self.buf.len() {
                self.flush();
            }
            if let Some(slot) = self.buf.get_mut(self.len) {
                *slot = b;
                self.len += 1;
            }
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
            let rest = &self.buf[off..self.len];
            let n = unsafe { sys(libc::SYS_write, &[2, rest.as_ptr() as usize, rest.len()]) };
            if n == -(libc::EINTR as isize) {
                continue;
            }
            if n <= 0 {
                break;
            }
            off += n as usize;
        }
        self.len = 0;
    }
}

/// The errno of a raw call's result (0 when it succeeded).
fn errno_of(result: isize) -> i32 {
    if result < 0 {
        (-result) as i32
    } else {
        0
    }
}

/// Runs in the child; never returns.
///
/// # Safety
/// Must only be called in a freshly cloned or forked child, with `plan`
/// prepared by the parent before and kept alive until exec or exit.
pub unsafe fn run_child(plan: &ChildPlan) -> ! {
    // The fds 0, 1, 2 come from here.
    let mut sources = [plan.stdin_src, plan.stdout_src, plan.stderr_src];
    if let Some(passing) = plan.fd_passing {
        // Still on the daemon's fd table: take a private one holding only
        // the low fds (the slot's socket among them) before touching any fd.
        let r = sys(
            libc::SYS_close_range,
            &[passing.below as usize, u32::MAX as usize, libc::CLOSE_RANGE_UNSHARE as usize],
        );
        if r != 0 && sys(libc::SYS_unshare, &[libc::CLONE_FILES as usize]) != 0 {
            // No table of our own: fd 2 is still the daemon's, so leave
            // without a word (the exit status shows in the log).
            exit_now();
        }
        match receive_fds(passing.socket) {
            Some(fds) => sources = fds,
            None => exit_now(),
        }
    }
    reset_signals();

    // Own process group, so signals aimed at the daemon's group (Ctrl-C in
    // nodaemon mode) do not reach children.
    sys(libc::SYS_setpgid, &[0, 0]);

    // dup3 (aarch64 has no dup2); sources are >= 3, never equal to 0-2.
    sys(libc::SYS_dup3, &[sources[0] as usize, 0, 0]);
    sys(libc::SYS_dup3, &[sources[1] as usize, 1, 0]);
    sys(libc::SYS_dup3, &[sources[2] as usize, 2, 0]);
    if plan.stdin_is_socket {
        let flags = sys(libc::SYS_fcntl, &[0, libc::F_GETFL as usize]);
        if flags >= 0 {
            sys(libc::SYS_fcntl, &[0, libc::F_SETFL as usize, (flags as usize) & !(libc::O_NONBLOCK as usize)]);
        }
    }
    close_from_3();

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
            // Raw system calls also mean only this process changes ids
            // (glibc's wrappers would try to change every thread of the
            // shared-memory parent).
            let failure: Option<(&[u8], i32)> =
                if sys(libc::SYS_setgroups, &[groups.len(), groups.as_ptr() as usize]) != 0 {
                    Some((b"Could not set groups of effective user", 0))
                } else if sys(libc::SYS_setgid, &[*gid as usize]) != 0 {
                    Some((b"Could not set group id of effective user", 0))
                } else {
                    let r = sys(libc::SYS_setuid, &[*uid as usize]);
                    if r != 0 {
                        Some((b"", errno_of(r)))
                    } else {
                        None
                    }
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
        let r = sys(libc::SYS_chdir, &[dir.as_ptr() as usize]);
        if r != 0 {
            msg.push(b"supervisor: couldn't chdir to ")
                .push(shown)
                .push(b": ")
                .push_errno(errno_of(r))
                .push(b"\n")
                .flush();
            not_spawned(&mut msg);
        }
    }

    if let Some(mask) = plan.umask {
        sys(libc::SYS_umask, &[mask as usize]);
    }
    let r = sys(
        libc::SYS_execve,
        &[plan.filename.as_ptr() as usize, plan.argv_ptrs.as_ptr() as usize, plan.envp_ptrs.as_ptr() as usize],
    );
    msg.push(b"supervisor: couldn't exec ")
        .push(&plan.argv0)
        .push(b": ")
        .push_errno(errno_of(r))
        .push(b"\n")
        .flush();
    not_spawned(&mut msg)
}

/// Leaves at once with status 127.
unsafe fn exit_now() -> ! {
    loop {
        sys(libc::SYS_exit_group, &[127]);
    }
}

/// In the child, on its private fd table: receives the three source fds
/// the parent sent to this slot's socket, each moved to 3 or above so the
/// dup3 onto 0-2 cannot clobber another source. Raw calls only.
unsafe fn receive_fds(socket: RawFd) -> Option<[RawFd; 3]> {
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec { iov_base: byte.as_mut_ptr().cast(), iov_len: 1 };
    let mut buf = CmsgBuf([0; 64]);
    let mut msg: libc::msghdr = std::mem::zeroed();
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = buf.0.as_mut_ptr().cast();
    msg.msg_controllen = buf.0.len() as _;
    let r = loop {
        let r = sys(libc::SYS_recvmsg, &[socket as usize, &mut msg as *mut _ as usize, libc::MSG_CMSG_CLOEXEC as usize]);
        if r != -(libc::EINTR as isize) {
            break r;
        }
    };
    if r < 0 {
        return None;
    }
    let cmsg = libc::CMSG_FIRSTHDR(&msg);
    if cmsg.is_null()
        || (*cmsg).cmsg_level != libc::SOL_SOCKET
        || (*cmsg).cmsg_type != libc::SCM_RIGHTS
        || ((*cmsg).cmsg_len as usize) < libc::CMSG_LEN(12) as usize
    {
        return None;
    }
    let data = libc::CMSG_DATA(cmsg) as *const RawFd;
    let mut fds = [*data, *data.add(1), *data.add(2)];
    for fd in &mut fds {
        if *fd < 3 {
            let moved = sys(libc::SYS_fcntl, &[*fd as usize, libc::F_DUPFD_CLOEXEC as usize, 3]);
            if moved < 0 {
                return None;
            }
            *fd = moved as RawFd;
        }
    }
    Some(fds)
}

unsafe fn not_spawned(msg: &mut StackMsg) -> ! {
    msg.push(b"supervisor: child process was not spawned\n").flush();
    exit_now()
}

/// Gives the child default signal handling and an empty signal mask: the
/// daemon's handlers and blocked signals are its own business, and the
/// runtime's ignored SIGPIPE must not leak into programs (`yes | head`).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
unsafe fn reset_signals() {
    let dfl = rawsys::KernelSigaction { handler: 0, flags: 0, restorer: 0, mask: 0 };
    for sig in 1..=rawsys::MAX_SIGNAL {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        let mut old = rawsys::KernelSigaction { handler: 0, flags: 0, restorer: 0, mask: 0 };
        let r = sys(
            libc::SYS_rt_sigaction,
            &[sig as usize, 0, &mut old as *mut _ as usize, rawsys::SIGSET_BYTES],
        );
        if r == 0 && old.handler != libc::SIG_DFL {
            sys(libc::SYS_rt_sigaction, &[sig as usize, &dfl as *const _ as usize, 0, rawsys::SIGSET_BYTES]);
        }
    }
    let empty: u64 = 0;
    sys(libc::SYS_rt_sigprocmask, &[libc::SIG_SETMASK as usize, &empty as *const u64 as usize, 0, rawsys::SIGSET_BYTES]);
}

/// Elsewhere the child only ever runs while the parent waits, so libc's
/// wrappers (and their errno writes) are acceptable.
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
unsafe fn reset_signals() {
    let mut dfl: libc::sigaction = std::mem::zeroed();
    dfl.sa_sigaction = libc::SIG_DFL;
    libc::sigemptyset(&mut dfl.sa_mask);
    for sig in 1..=libc::SIGRTMAX() {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(sig, std::ptr::null(), &mut old) == 0 && old.sa_sigaction != libc::SIG_DFL {
            libc::sigaction(sig, &dfl, std::ptr::null_mut());
        }
    }
    let mut empty: libc::sigset_t = std::mem::zeroed();
    libc::sigemptyset(&mut empty);
    libc::pthread_sigmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
}

/// Closes every fd from 3 up, so the child gets only 0, 1 and 2.
unsafe fn close_from_3() {
    if sys(libc::SYS_close_range, &[3, u32::MAX as usize, 0]) == 0 {
        return;
    }
    // Kernels before 5.9: one by one up to the fd limit.
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    let max = if sys(libc::SYS_prlimit64, &[0, libc::RLIMIT_NOFILE as usize, 0, &mut lim as *mut _ as usize]) == 0 {
        lim.rlim_cur.min(65536) as usize
    } else {
        1024
    };
    for fd in 3..max {
        sys(libc::SYS_close, &[fd]);
    }
}
