//! Naming and cleaning up `AUTO` child logs the way 4.3.0 does:
//! `<name>-<channel>---<identifier>-<8 random chars>.log` in childlogdir,
//! created (empty) when the group is added, removed at the next start.

use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rand::Rng;

/// Creates a new, empty AUTO log file and returns its path.
pub fn create_auto_log(childlogdir: &Path, name: &str, identifier: &str, channel: &str) -> io::Result<PathBuf> {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_";
    let mut rng = rand::thread_rng();
    for _ in 0..100 {
        let suffix: String = (0..8).map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char).collect();
        let path = childlogdir.join(format!("{name}-{channel}---{identifier}-{suffix}.log"));
        match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path) {
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(io::ErrorKind::AlreadyExists, "no unique AUTO log name found"))
}

/// Whether `file_name` is an AUTO log (or backup) of this identifier, by
/// 4.3.0's pattern `.+?---<identifier>-\S+\.log\.{0,1}\d{0,4}`.
pub fn is_auto_log_name(file_name: &str, identifier: &str) -> bool {
    let marker = format!("---{identifier}-");
    let Some(pos) = file_name.find(&marker) else { return false };
    if pos == 0 {
        return false;
    }
    let rest = &file_name[pos + marker.len()..];
    // \S+\.log then an optional dot and up to 4 digits; re.match only
    // anchors the start, so anything may follow.
    match rest.find(".log") {
        Some(i) => i > 0 && !rest[..i].contains(char::is_whitespace),
        None => false,
    }
}

/// Removes old AUTO logs at startup (unless nocleanup). Returns the
/// warnings 4.3.0 would log.
pub fn clear_auto_child_logs(childlogdir: &Path, identifier: &str) -> Vec<String> {
    let mut warnings = Vec::new();
    let entries = match std::fs::read_dir(childlogdir) {
        Ok(e) => e,
        Err(_) => {
            warnings.push("Could not clear childlog dir".to_string());
            return warnings;
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_auto_log_name(&name, identifier) {
            let path = entry.path();
            if std::fs::remove_file(&path).is_err() {
                warnings.push(format!("Failed to clean up {}", crate::process::pyrepr::py_repr(&path.to_string_lossy())));
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_cleanup_pattern() {
        let dir = tempfile::tempdir().unwrap();
        let p = create_auto_log(dir.path(), "web", "supervisor", "stdout").unwrap();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("web-stdout---supervisor-"));
        assert!(is_auto_log_name(&name, "supervisor"));
        assert!(is_auto_log_name(&format!("{name}.3"), "supervisor"));
        assert!(!is_auto_log_name(&name, "other"));
        assert!(!is_auto_log_name("plain.log", "supervisor"));
        assert!(clear_auto_child_logs(dir.path(), "supervisor").is_empty());
        assert!(!p.exists());
    }
}
