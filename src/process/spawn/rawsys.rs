//! System calls made directly with the CPU's syscall instruction, for the
//! code that runs in a new child before exec.
//!
//! That child may share the daemon's memory while the daemon keeps running
//! (see `child.rs`), and it also shares the spawning thread's thread-local
//! storage: glibc's wrappers write `errno` there and some touch the thread's
//! cancellation state, which would race with the daemon thread using the
//! same slots at the same moment. These functions touch no memory but their
//! arguments: they return the kernel's result, `-errno` on failure.
//!
//! On architectures without an implementation here, `AVAILABLE` is false
//! and the functions go through libc (the child is then only ever started
//! while the parent waits, where the errno write is harmless).

#[cfg(target_arch = "x86_64")]
mod arch {
    pub const AVAILABLE: bool = true;

    /// # Safety
    /// A raw system call: the caller guarantees the arguments are valid for `nr`.
    #[inline(always)]
    pub unsafe fn syscall6(nr: libc::c_long, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize, a6: usize) -> isize {
        let ret: isize;
        core::arch::asm!(
            "syscall",
            inlateout("rax") nr as isize => ret,
            in("rdi") a1,
            in("rsi") a2,
            in("rdx") a3,
            in("r10") a4,
            in("r8") a5,
            in("r9") a6,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
        ret
    }
}

#[cfg(target_arch = "aarch64")]
mod arch {
    pub const AVAILABLE: bool = true;

    /// # Safety
    /// A raw system call: the caller guarantees the arguments are valid for `nr`.
    #[inline(always)]
    pub unsafe fn syscall6(nr: libc::c_long, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize, a6: usize) -> isize {
        let ret: isize;
        core::arch::asm!(
            "svc 0",
            in("x8") nr as usize,
            inlateout("x0") a1 => ret,
            in("x1") a2,
            in("x2") a3,
            in("x3") a4,
            in("x4") a5,
            in("x5") a6,
            options(nostack),
        );
        ret
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
mod arch {
    pub const AVAILABLE: bool = false;

    /// # Safety
    /// A system call through libc: the caller guarantees the arguments are
    /// valid for `nr`. Writes errno (see the module comment).
    pub unsafe fn syscall6(nr: libc::c_long, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize, a6: usize) -> isize {
        let r = libc::syscall(nr, a1, a2, a3, a4, a5, a6);
        if r < 0 {
            -(*libc::__errno_location() as isize)
        } else {
            r as isize
        }
    }
}

/// Whether these calls really bypass libc on this architecture.
pub const AVAILABLE: bool = arch::AVAILABLE;

/// # Safety
/// A raw system call: the caller guarantees the arguments are valid for `nr`.
#[inline(always)]
pub unsafe fn syscall(nr: libc::c_long, args: &[usize]) -> isize {
    let a = |i: usize| args.get(i).copied().unwrap_or(0);
    arch::syscall6(nr, a(0), a(1), a(2), a(3), a(4), a(5))
}

/// The kernel's own `struct sigaction` as rt_sigaction(2) takes it on
/// x86_64 and aarch64 (handler, flags, restorer, 64-bit mask).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct KernelSigaction {
    pub handler: usize,
    pub flags: libc::c_ulong,
    pub restorer: usize,
    pub mask: u64,
}

/// Size of the kernel's signal set in bytes (64 signals).
pub const SIGSET_BYTES: usize = 8;
/// Highest signal number the kernel knows (its `_NSIG - 1`).
pub const MAX_SIGNAL: i32 = 64;
