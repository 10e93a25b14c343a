//! Signal names and numbers as supervisord prints and parses them
//! (`signame` for log lines, `signal_number` for signalProcess arguments).

/// The names 4.3.0 prints for each signal number on Linux.
const NAMES: &[(i32, &str)] = &[
    (1, "SIGHUP"),
    (2, "SIGINT"),
    (3, "SIGQUIT"),
    (4, "SIGILL"),
    (5, "SIGTRAP"),
    (6, "SIGABRT"),
    (7, "SIGBUS"),
    (8, "SIGFPE"),
    (9, "SIGKILL"),
    (10, "SIGUSR1"),
    (11, "SIGSEGV"),
    (12, "SIGUSR2"),
    (13, "SIGPIPE"),
    (14, "SIGALRM"),
    (15, "SIGTERM"),
    (16, "SIGSTKFLT"),
    (17, "SIGCHLD"),
    (18, "SIGCONT"),
    (19, "SIGSTOP"),
    (20, "SIGTSTP"),
    (21, "SIGTTIN"),
    (22, "SIGTTOU"),
    (23, "SIGURG"),
    (24, "SIGXCPU"),
    (25, "SIGXFSZ"),
    (26, "SIGVTALRM"),
    (27, "SIGPROF"),
    (28, "SIGWINCH"),
    (29, "SIGPOLL"),
    (30, "SIGPWR"),
    (31, "SIGSYS"),
    (34, "SIGRTMIN"),
    (64, "SIGRTMAX"),
];

/// Extra names Python's signal module accepts when parsing.
const ALIASES: &[(&str, i32)] = &[("SIGIOT", 6), ("SIGCLD", 17), ("SIGIO", 29)];

/// `SIGTERM`, or `signal 32` for numbers without a name.
pub fn signame(sig: i32) -> String {
    NAMES
        .iter()
        .find(|(n, _)| *n == sig)
        .map(|(_, s)| s.to_string())
        .unwrap_or_else(|| format!("signal {sig}"))
}

/// Parses `HUP`, `sighup`, `SIGHUP` or `1` as supervisord's signal_number
/// does. Numbers must be ones Python's signal module names (0..=31, 34, 64,
/// counting its SIG_DFL/SIG_IGN handler constants 0 and 1).
pub fn signal_number(value: &str) -> Option<i32> {
    if let Ok(n) = value.trim().parse::<i64>() {
        let n = i32::try_from(n).ok()?;
        let valid = n == 0 || NAMES.iter().any(|(num, _)| *num == n);
        return valid.then_some(n);
    }
    let mut name = value.trim().to_uppercase();
    if !name.starts_with("SIG") {
        name = format!("SIG{name}");
    }
    NAMES
        .iter()
        .find(|(_, s)| *s == name)
        .map(|(n, _)| *n)
        .or_else(|| ALIASES.iter().find(|(s, _)| *s == name).map(|(_, n)| *n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!(signame(15), "SIGTERM");
        assert_eq!(signame(32), "signal 32");
        assert_eq!(signal_number("hup"), Some(1));
        assert_eq!(signal_number("SIGKILL"), Some(9));
        assert_eq!(signal_number("9"), Some(9));
        assert_eq!(signal_number("CLD"), Some(17));
        assert_eq!(signal_number("NOPE"), None);
        assert_eq!(signal_number("99"), None);
    }
}
