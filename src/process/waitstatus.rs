//! Turning a waitpid status into supervisord's exit status and wording
//! (`exit status 3`, `terminated by SIGTERM (core dumped)`).

use super::signals::signame;

/// (exit status, message); the status is -1 when a signal ended the process.
pub fn decode_wait_status(status: i32) -> (i32, String) {
    if libc::WIFEXITED(status) {
        let es = libc::WEXITSTATUS(status);
        (es, format!("exit status {es}"))
    } else if libc::WIFSIGNALED(status) {
        let mut msg = format!("terminated by {}", signame(libc::WTERMSIG(status)));
        if libc::WCOREDUMP(status) {
            msg.push_str(" (core dumped)");
        }
        (-1, msg)
    } else {
        (-1, format!("unknown termination cause 0x{status:04x}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes() {
        assert_eq!(decode_wait_status(3 << 8), (3, "exit status 3".to_string()));
        assert_eq!(decode_wait_status(15), (-1, "terminated by SIGTERM".to_string()));
        assert_eq!(decode_wait_status(9 | 0x80), (-1, "terminated by SIGKILL (core dumped)".to_string()));
    }
}
