//! Ctrl-C in the shell. 4.3.0's shell ends (printing an empty line, exit 0)
//! when Ctrl-C arrives while a command runs; only `tail -f`, `maintail -f`
//! and `fg` catch it and return to the prompt. In the shell, SIGINT raises
//! `SHELL_CTRL_C`; XML-RPC reads watch it, and the shell leaves when it is
//! raised after a command. Outside the shell SIGINT keeps its default action.

use std::sync::atomic::{AtomicBool, Ordering};

/// Raised by SIGINT while the shell runs.
pub static SHELL_CTRL_C: AtomicBool = AtomicBool::new(false);

/// Makes SIGINT raise `SHELL_CTRL_C` from now on (the shell's lifetime).
pub fn watch_in_shell() {
    // SAFETY: the action only stores to an atomic, which is async-signal-safe.
    let _ = unsafe {
        signal_hook::low_level::register(signal_hook::consts::SIGINT, || SHELL_CTRL_C.store(true, Ordering::SeqCst))
    };
}

/// True once if Ctrl-C was pressed since the last call.
pub fn take() -> bool {
    SHELL_CTRL_C.swap(false, Ordering::SeqCst)
}

/// Forgets a Ctrl-C that a command handled itself (a stream it ended).
pub fn handled() {
    SHELL_CTRL_C.store(false, Ordering::SeqCst);
}
