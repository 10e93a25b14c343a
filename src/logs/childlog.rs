//! Child log files named `AUTO`: creating them with 4.3.0's names
//! (`<process>-<channel>---<identifier>-<8 random chars>.log` in
//! `childlogdir`, created empty with mode 0600 like Python's mkstemp), and
//! removing old ones at startup unless `nocleanup` is set.

use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rand::Rng;

/// The characters Python's tempfile draws random names from.
const NAME_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_";

/// How many names mkstemp tries before giving up (Python's TMP_MAX).
const MAX_TRIES: u32 = 10000;

/// Creates a new empty AUTO log file for `process_name`'s `channel`
/// ("stdout" or "stderr") in `dir` and returns its absolute path.
pub fn create_auto_log(dir: &Path, process_name: &str, identifier: &str, channel: &str) -> io::Result<PathBuf> {
    let dir = std::path::absolute(dir)?;
    let mut rng = rand::thread_rng();
    for _ in 0..MAX_TRIES {
        let random: String = (0..8).map(|_| NAME_CHARS[rng.gen_range(0..NAME_CHARS.len())] as char).collect();
        let path = dir.join(format!("{process_name}-{channel}---{identifier}-{random}.log"));
        match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path) {
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(io::ErrorKind::AlreadyExists, "No usable temporary file name found"))
}

/// Whether startup cleanup removes a file of this name: 4.3.0's
/// `re.match(r'.+?---<identifier>-\S+\.log\.{0,1}\d{0,4}', name)`, that is
/// some text, `---<identifier>-`, then at least one non-space character
/// before `.log` with no space in between (backups `.log.N` match too).
/// The identifier is taken literally.
pub fn is_auto_log_name(name: &str, identifier: &str) -> bool {
    let marker = format!("---{identifier}-");
    for (p, _) in name.char_indices() {
        if name[..p].contains('\n') {
            return false;
        }
        if p == 0 || !name[p..].starts_with(&marker) {
            continue;
        }
        let rest = &name[p + marker.len()..];
        let run = match rest.find(char::is_whitespace) {
            Some(end) => &rest[..end],
            None => rest,
        };
        let Some(first) = run.chars().next() else { continue };
        if run[first.len_utf8()..].contains(".log") {
            return true;
        }
    }
    false
}

/// Removes the AUTO logs of earlier runs from `dir` (supervisord does this
/// at startup unless `nocleanup`). Returns the warnings 4.3.0 would log:
/// `Could not clear childlog dir`, `Failed to clean up '<path>'`.
pub fn clear_auto_logs(dir: &Path, identifier: &str) -> Vec<String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(_) => return vec!["Could not clear childlog dir".to_string()],
    };
    let mut warnings = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_auto_log_name(name, identifier) {
            let path = dir.join(name);
            if std::fs::remove_file(&path).is_err() {
                warnings.push(format!(
                    "Failed to clean up {}",
                    crate::process::spawn::py_repr(&path.to_string_lossy())
                ));
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleanup_pattern() {
        let id = "supervisor";
        assert!(is_auto_log_name("web-stdout---supervisor-abc12345.log", id));
        assert!(is_auto_log_name("web-stderr---supervisor-abc12345.log.3", id));
        assert!(is_auto_log_name("x---supervisor-a.logfoo", id));
        assert!(!is_auto_log_name("---supervisor-abc.log", id));
        assert!(!is_auto_log_name("web-stdout---supervisor-.log", id));
        assert!(!is_auto_log_name("web-stdout---other-abc.log", id));
        assert!(!is_auto_log_name("web-stdout---supervisor-a b.log", id));
        assert!(is_auto_log_name("web-stdout---supervisor-a.log b", id));
        assert!(!is_auto_log_name("web.log", id));
        assert!(is_auto_log_name("-----supervisor-x.log", id));
        assert!(is_auto_log_name("a---supervisor----supervisor-.log", id));
    }
}
