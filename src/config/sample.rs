//! The commented sample configuration `echo_supervisord_conf` prints.

pub const SAMPLE: &str = "[supervisord]\n";
