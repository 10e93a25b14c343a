//! Sending lines to syslog as supervisord 4.3.0 does: libc syslog(3) at
//! LOG_INFO with the default facility (LOG_USER) and the program name as
//! ident, one call per line.

use std::ffi::CString;

/// Sends one message to syslog at LOG_INFO. Interior NUL bytes (which C
/// strings cannot carry) are dropped.
pub fn send(msg: &str) {
    let c = match CString::new(msg) {
        Ok(c) => c,
        Err(_) => match CString::new(msg.replace('\0', "")) {
            Ok(c) => c,
            Err(_) => return,
        },
    };
    // SAFETY: "%s" with one valid C string argument.
    unsafe { libc::syslog(libc::LOG_INFO, c"%s".as_ptr(), c.as_ptr()) };
}

/// The lines 4.3.0 sends for one chunk of child output on a channel with
/// `stdout_syslog`/`stderr_syslog`: the chunk (decoded as UTF-8, lossily
/// here) without trailing newlines, split at each newline, each line
/// prefixed with `<process name> `. Chunk boundaries are not line
/// boundaries, exactly as in 4.3.0.
pub fn child_lines(process_name: &str, chunk: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(chunk);
    text.trim_end_matches('\n')
        .split('\n')
        .map(|line| format!("{process_name} {line}"))
        .collect()
}

/// Sends one chunk of child output to syslog (see `child_lines`).
pub fn send_child_output(process_name: &str, chunk: &[u8]) {
    if chunk.is_empty() {
        return;
    }
    for line in child_lines(process_name, chunk) {
        send(&line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_lines_like_4_3_0() {
        assert_eq!(child_lines("web", b"a\nb\n"), ["web a", "web b"]);
        assert_eq!(child_lines("web", b"a\n\nb"), ["web a", "web ", "web b"]);
        assert_eq!(child_lines("web", b"\n\n"), ["web "]);
        assert_eq!(child_lines("web", b"x\xffy"), ["web x\u{fffd}y"]);
    }
}
