//! The main log: 4.3.0's line format and level tags, the threshold,
//! rotation, clear, and the identical echo on stdout in nodaemon mode.

use std::path::Path;

use rsupervisor::logs::mainlog::{format_line, Level, MainLog};
use rsupervisor::logs::rotating::backup_name;

/// `YYYY-MM-DD HH:MM:SS,mmm TAG message`
fn assert_line_shape(line: &str, tag: &str, msg: &str) {
    let b = line.as_bytes();
    assert!(line.len() > 24, "{line:?}");
    for (i, c) in b[..23].iter().enumerate() {
        match i {
            4 | 7 => assert_eq!(*c, b'-', "{line:?}"),
            10 => assert_eq!(*c, b' ', "{line:?}"),
            13 | 16 => assert_eq!(*c, b':', "{line:?}"),
            19 => assert_eq!(*c, b',', "{line:?}"),
            _ => assert!(c.is_ascii_digit(), "{line:?}"),
        }
    }
    assert_eq!(&line[23..], format!(" {tag} {msg}"), "{line:?}");
}

#[test]
fn level_names_and_tags() {
    let all = [
        ("critical", Level::Critical, "CRIT"),
        ("error", Level::Error, "ERRO"),
        ("warn", Level::Warn, "WARN"),
        ("info", Level::Info, "INFO"),
        ("debug", Level::Debug, "DEBG"),
        ("trace", Level::Trace, "TRAC"),
        ("blather", Level::Blather, "BLAT"),
    ];
    for (name, level, tag) in all {
        assert_eq!(Level::from_name(name), Some(level));
        assert_eq!(Level::from_name(&name.to_uppercase()), Some(level));
        assert_eq!(level.tag(), tag);
    }
    assert_eq!(Level::from_name("warning"), None);
    assert!(Level::Critical > Level::Error && Level::Trace > Level::Blather);
}

#[test]
fn format_is_local_time_with_truncated_millis() {
    use chrono::TimeZone;
    let t = chrono::Local.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap()
        + chrono::Duration::microseconds(678_999);
    assert_eq!(format_line(t, Level::Info, "hello"), "2024-01-02 03:04:05,678 INFO hello\n");
    let t = chrono::Local.with_ymd_and_hms(2024, 12, 31, 23, 59, 59).unwrap()
        + chrono::Duration::microseconds(5_000);
    assert_eq!(format_line(t, Level::Blather, "x"), "2024-12-31 23:59:59,005 BLAT x\n");
}

#[test]
fn file_gets_lines_at_or_above_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("supervisord.log");
    let mut log = MainLog::open(Some(&path), 0, 0, Level::Info, false).unwrap();
    assert_eq!(log.path(), Some(path.as_path()));
    assert!(log.enabled(Level::Warn) && log.enabled(Level::Info) && !log.enabled(Level::Debug));
    log.log(Level::Debug, "hidden");
    log.log(Level::Info, "supervisord started with pid 1");
    log.log(Level::Critical, "two\nlines");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    assert_eq!(lines.len(), 3, "{text:?}");
    assert_line_shape(lines[0].trim_end_matches('\n'), "INFO", "supervisord started with pid 1");
    assert_line_shape(&format!("{}{}", lines[1], lines[2]).trim_end_matches('\n'), "CRIT", "two\nlines");
}

#[test]
fn rotates_and_clears() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.log");
    let mut log = MainLog::open(Some(&path), 200, 2, Level::Debug, false).unwrap();
    for i in 0..20 {
        log.log(Level::Info, &format!("message number {i}"));
    }
    assert!(backup_name(&path, 1).exists() && backup_name(&path, 2).exists());
    assert!(!backup_name(&path, 3).exists());
    let last = std::fs::read_to_string(&path).unwrap();
    assert!(last.is_empty() || last.ends_with("message number 19\n"), "{last:?}");
    log.clear().unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
    log.log(Level::Info, "reopening log file");
    assert!(std::fs::read_to_string(&path).unwrap().ends_with(" INFO reopening log file\n"));
    std::fs::remove_file(&path).unwrap();
    assert_eq!(log.clear().unwrap_err().kind(), std::io::ErrorKind::NotFound);
    log.reopen();
    log.log(Level::Info, "after reopen");
    assert!(std::fs::read_to_string(&path).unwrap().ends_with(" INFO after reopen\n"));
}

#[test]
fn no_file_and_syslog_have_no_path() {
    let mut none = MainLog::open(None, 0, 0, Level::Info, false).unwrap();
    none.log(Level::Info, "goes nowhere");
    assert_eq!(none.path(), None);
    assert!(none.clear().is_err());
    let sys = MainLog::open(Some(Path::new("syslog")), 0, 0, Level::Info, false).unwrap();
    assert_eq!(sys.path(), None);
}

#[test]
fn nodaemon_echoes_the_same_lines_on_stdout() {
    if let Ok(path) = std::env::var("RSUP_MAINLOG_HELPER") {
        let mut log = MainLog::open(Some(Path::new(&path)), 0, 0, Level::Info, true).unwrap();
        log.log(Level::Info, "ZQ first");
        log.log(Level::Debug, "ZQ hidden");
        log.log(Level::Warn, "ZQ second");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.log");
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "nodaemon_echoes_the_same_lines_on_stdout", "--nocapture", "--test-threads=1"])
        .env("RSUP_MAINLOG_HELPER", &path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = std::fs::read_to_string(&path).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(file.lines().count(), 2, "{file}");
    // The harness's own "test ..." prefix may precede the first line.
    assert!(stdout.contains(&file), "stdout {stdout:?} lacks {file:?}");
    assert!(!stdout.contains("ZQ hidden"));
}
