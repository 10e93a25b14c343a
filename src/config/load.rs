//! Loading one config file (with its includes) into a `Config`.

use std::path::Path;

use super::model::{Config, CtlConfig};

/// A config error with supervisord's wording (see shared/spec/observed.md).
#[derive(Debug, Clone)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Reads and resolves a supervisord config file.
pub fn load(_path: &Path) -> Result<Config, ConfigError> {
    todo!("config helper")
}

/// Reads only what supervisorctl needs (the `[supervisorctl]` section, with
/// 4.3.0's defaults) from `path`, or from the default search locations.
pub fn load_ctl(_path: Option<&Path>) -> Result<CtlConfig, ConfigError> {
    todo!("config helper")
}
