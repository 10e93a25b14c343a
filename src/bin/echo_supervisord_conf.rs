//! Prints a complete, commented sample supervisord.conf.
use std::io::Write;

fn main() {
    // A closed stdout (`| head`) ends the program quietly.
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(rsupervisor::config::SAMPLE_CONF.as_bytes()).and_then(|_| out.flush());
}
