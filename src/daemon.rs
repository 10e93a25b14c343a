//! supervisord's entry point: command line, config loading, daemonizing,
//! and wiring the supervisor task to the HTTP servers and signals.

/// Entry point of the `supervisord` binary; returns the exit code.
pub fn main() -> i32 {
    let argv: Vec<String> = std::env::args().collect();
    match crate::config::cli::daemon_front(&argv) {
        Err(code) => code,
        Ok(_config) => {
            eprintln!("supervisord: not implemented yet");
            2
        }
    }
}
