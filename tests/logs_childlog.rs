//! Child log helpers: AUTO log names and startup cleanup, strip_ansi, and
//! the syslog line split, compared with 4.3.0's own code where possible.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use rsupervisor::logs::ansi::strip_ansi;
use rsupervisor::logs::childlog::{clear_auto_logs, create_auto_log, is_auto_log_name};

fn venv_python() -> Option<PathBuf> {
    let venv = std::env::var("RSUP_VENV").unwrap_or_else(|_| "/work/main/python-harness/.venv".into());
    let p = Path::new(&venv).join("bin/python");
    p.exists().then_some(p)
}

#[test]
fn auto_log_names_and_mode() {
    let dir = tempfile::tempdir().unwrap();
    let a = create_auto_log(dir.path(), "web", "supervisor", "stdout").unwrap();
    let b = create_auto_log(dir.path(), "web", "supervisor", "stdout").unwrap();
    assert_ne!(a, b);
    let name = a.file_name().unwrap().to_str().unwrap();
    let random = name.strip_prefix("web-stdout---supervisor-").unwrap().strip_suffix(".log").unwrap();
    assert_eq!(random.len(), 8);
    assert!(random.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_'));
    assert!(a.is_absolute());
    let meta = std::fs::metadata(&a).unwrap();
    assert_eq!((meta.len(), meta.permissions().mode() & 0o777), (0, 0o600));
    let e = create_auto_log(&dir.path().join("missing"), "web", "supervisor", "stderr").unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
}

#[test]
fn startup_cleanup_removes_only_our_auto_logs() {
    let dir = tempfile::tempdir().unwrap();
    let keep = ["app.log", "web-stdout---other-abc.log", "notes.txt", "x---supervisor-.log"];
    let remove = ["web-stdout---supervisor-abc12345.log", "web-stderr---supervisor-zz.log.2", "a---supervisor-b.log.10"];
    for n in keep.iter().chain(remove.iter()) {
        std::fs::write(dir.path().join(n), "x").unwrap();
    }
    assert!(clear_auto_logs(dir.path(), "supervisor").is_empty());
    for n in keep {
        assert!(dir.path().join(n).exists(), "{n} should stay");
    }
    for n in remove {
        assert!(!dir.path().join(n).exists(), "{n} should be gone");
    }
    assert_eq!(clear_auto_logs(&dir.path().join("missing"), "supervisor"), ["Could not clear childlog dir"]);
}

#[test]
fn cleanup_pattern_same_as_4_3_0() {
    let Some(python) = venv_python() else { return };
    let names = [
        "web-stdout---supervisor-abc12345.log",
        "web-stdout---supervisor-abc12345.log.1",
        "---supervisor-abc.log",
        "w---supervisor-.log",
        "w---supervisor-x.lo",
        "w---supervisor-x y.log",
        "w---supervisor-xy.log z",
        "w---supervisorx-y.log",
        "w---other-y.log",
        "w----supervisor-y.log",
        "w---supervisor---supervisor-.log",
        "é---supervisor-é.log",
        "web.log",
    ];
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg("import re,sys\nr=re.compile(r'.+?---%s-\\S+\\.log\\.{0,1}\\d{0,4}' % 'supervisor')\nfor n in sys.argv[1:]: print(bool(r.match(n)))")
        .args(names)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let want: Vec<bool> = text.lines().map(|l| l == "True").collect();
    assert_eq!(want.len(), names.len(), "{}", String::from_utf8_lossy(&out.stderr));
    for (n, w) in names.iter().zip(want) {
        assert_eq!(is_auto_log_name(n, "supervisor"), w, "{n}");
    }
}

#[test]
fn strip_ansi_same_as_4_3_0() {
    let cases: Vec<&[u8]> = vec![
        b"plain text\n",
        b"\x1b[1;31mbold red\x1b[0m normal\n",
        b"\x1b[2J\x1b[Hcleared",
        b"cut at the end \x1b[38;5;",
        b"esc alone \x1b x \x1b",
        b"[31m no esc",
        b"\x1b[\x1b[mdouble",
        b"a\x1b[?25lb\x1b[?25hc",
        b"\x1b[10;20fpos\x1b[sSave\x1b[uRestore\x1b[K",
        b"",
    ];
    for c in &cases {
        // Fixed expectations for a few; the rest only against Python below.
        let _ = strip_ansi(c);
    }
    assert_eq!(strip_ansi(b"\x1b[1;31mbold red\x1b[0m normal\n"), b"bold red normal\n");
    let Some(python) = venv_python() else { return };
    let hex: Vec<String> = cases.iter().map(|c| c.iter().map(|b| format!("{b:02x}")).collect()).collect();
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg("import sys\nfrom supervisor.dispatchers import stripEscapes\nfor h in sys.argv[1:]: print(stripEscapes(bytes.fromhex(h)).hex())")
        .args(&hex)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), cases.len(), "{}", String::from_utf8_lossy(&out.stderr));
    for (c, want) in cases.iter().zip(lines) {
        let got: String = strip_ansi(c).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(got, want, "input {:?}", String::from_utf8_lossy(c));
    }
}

#[test]
fn channel_log_strips_and_writes() {
    use rsupervisor::logs::channel::ChannelLog;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.log");
    let mut log = ChannelLog::open(Some(&path), 0, 0, false, "web", true).unwrap();
    assert!(log.is_enabled());
    assert_eq!(log.write(b"\x1b[32mok\x1b[0m\n").unwrap(), b"ok\n");
    assert_eq!(log.write(b"\x1b[0m").unwrap(), b"");
    assert_eq!(std::fs::read(&path).unwrap(), b"ok\n");
    assert_eq!(log.path(), Some(path.as_path()));
    log.clear().unwrap();
    log.write(b"again").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"again");
    let none = ChannelLog::open(None, 0, 0, false, "web", false).unwrap();
    assert!(!none.is_enabled());
}
