//! Reading supervisord.conf exactly as supervisor 4.3.0 reads it: the
//! ConfigParser dialect, `%(name)s` expansion, typed options and the errors
//! supervisord prints for bad input. The result is a `model::Config`.

pub mod cli;
pub mod load;
pub mod model;

pub use load::{load, load_ctl, ConfigError};
pub use model::*;

/// The sample configuration `echo_supervisord_conf` prints.
pub const SAMPLE_CONF: &str = "; rsupervisor sample configuration (to be completed)\n[supervisord]\n";
