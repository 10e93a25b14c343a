//! Prints a commented sample supervisord.conf.
fn main() {
    print!("{}", rsupervisor::config::SAMPLE_CONF);
}
