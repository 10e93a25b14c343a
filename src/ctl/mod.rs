//! The Rust supervisorctl: same commands, output and exit codes as 4.3.0's.

/// Entry point of the `supervisorctl` binary; returns the exit code.
pub fn main() -> i32 {
    eprintln!("supervisorctl: not implemented yet");
    2
}
