//! Reading supervisord.conf exactly as supervisor 4.3.0 reads it: the
//! ConfigParser dialect, `%(name)s` expansion, typed options and the errors
//! supervisord prints for bad input. The result is a `model::Config`.

pub mod cli;
pub mod datatypes;
pub mod ini;
pub mod load;
pub mod model;
pub mod pyfmt;
mod sample;

pub use load::{load, load_ctl, ConfigError};
pub use model::*;

/// The sample configuration `echo_supervisord_conf` prints.
pub const SAMPLE_CONF: &str = sample::SAMPLE;
