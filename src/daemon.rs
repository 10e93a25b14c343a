//! supervisord's entry point: command line, config loading, daemonizing,
//! and wiring the supervisor task to the HTTP servers and signals.

/// Entry point of the `supervisord` binary; returns the exit code.
pub fn main() -> i32 {
    eprintln!("supervisord: not implemented yet");
    2
}
