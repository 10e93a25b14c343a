//! read_log / tail_log: 4.3.0's offset and length rules. Checked against
//! fixed expectations and, when the harness venv is present, against
//! 4.3.0's own readFile/tailFile run on the same file.

use std::path::{Path, PathBuf};

use rsupervisor::logs::read::{read_log, tail_log};
use rsupervisor::rpc::value::codes;

const CONTENT: &str = "0123456789abcdefghijklmnopqrstuvwxyz\nline two\n";

fn sample() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.log");
    std::fs::write(&path, CONTENT).unwrap();
    (dir, path)
}

/// Our result in the shape the Python check prints.
fn ours_read(path: &Path, offset: i64, length: i64) -> String {
    match read_log(path, offset, length) {
        Ok(s) => format!("ok:{s:?}"),
        Err(f) => format!("err:{}", f.string),
    }
}

fn ours_tail(path: &Path, offset: i64, length: i64) -> String {
    let (s, off, over) = tail_log(path, offset, length).unwrap();
    format!("ok:{s:?}:{off}:{over}")
}

const OFFSETS: &[i64] = &[0, 1, 5, 36, 45, 46, 47, 100, -1, -5, -46, -47, -1000];
const LENGTHS: &[i64] = &[0, 1, 5, 10, 46, 100, -1, -5];

#[test]
fn fixed_cases() {
    let (_d, p) = sample();
    assert_eq!(read_log(&p, 0, 10).unwrap(), "0123456789");
    assert_eq!(read_log(&p, 10, 0).unwrap(), &CONTENT[10..]);
    assert_eq!(read_log(&p, -9, 0).unwrap(), "line two\n");
    assert_eq!(read_log(&p, -1000, 0).unwrap(), CONTENT);
    assert_eq!(read_log(&p, 1000, 5).unwrap(), "");
    assert_eq!(read_log(&p, -5, 5).unwrap_err().string, "BAD_ARGUMENTS");
    assert_eq!(read_log(&p, 5, -5).unwrap_err().code, codes::BAD_ARGUMENTS);
    let missing = p.with_file_name("nope.log");
    let f = read_log(&missing, 0, 0).unwrap_err();
    assert_eq!((f.code, f.string), (codes::NO_FILE, format!("NO_FILE: {}", missing.display())));
    let f = read_log(p.parent().unwrap(), 0, 0).unwrap_err();
    assert_eq!((f.code, f.string.as_str()), (codes::FAILED, "FAILED"));

    let size = CONTENT.len() as i64;
    assert_eq!(tail_log(&p, 0, 10).unwrap(), (CONTENT[36..].to_string(), size, true));
    // Not "from 40": 4.3.0 returns the last `length` bytes (here all).
    assert_eq!(tail_log(&p, 40, 100).unwrap(), (CONTENT.to_string(), size, false));
    assert_eq!(tail_log(&p, 40, 3).unwrap(), (CONTENT[43..].to_string(), size, true));
    assert_eq!(tail_log(&p, size, 100).unwrap(), (String::new(), size, false));
    assert_eq!(tail_log(&missing, 7, 100).unwrap(), (String::new(), 0, false));
}

#[test]
fn undecodable_bytes_are_replaced_not_failed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bin.log");
    std::fs::write(&p, "héllo\u{1F600}".as_bytes()).unwrap();
    // Offset 2 cuts 'é' in half; 4.3.0 answered with an HTTP 500 here.
    assert_eq!(read_log(&p, 2, 0).unwrap(), "\u{FFFD}llo\u{1F600}");
    let (s, off, _) = tail_log(&p, 0, 2).unwrap();
    assert_eq!((s.as_str(), off), ("\u{FFFD}\u{FFFD}", 10));
}

#[test]
fn same_as_supervisor_4_3_0() {
    let venv = std::env::var("RSUP_VENV").unwrap_or_else(|_| "/work/main/python-harness/.venv".into());
    let python = Path::new(&venv).join("bin/python");
    if !python.exists() {
        eprintln!("skipping: no supervisor 4.3.0 venv at {venv}");
        return;
    }
    let (_d, p) = sample();
    let script = format!(
        r#"
import sys
from supervisor.options import readFile, tailFile
p = sys.argv[1]
offs = {OFFSETS:?}
lens = {LENGTHS:?}
for o in offs:
    for l in lens:
        try:
            r = "ok:" + repr(readFile(p, o, l).decode())
        except ValueError as e:
            r = "err:" + e.args[0]
        print("read", o, l, r)
        s, off, over = tailFile(p, o, l)
        print("tail", o, l, "ok:" + repr(s) + ":" + str(off) + ":" + str(over).lower())
"#
    );
    let out = std::process::Command::new(&python).arg("-c").arg(script).arg(&p).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut checked = 0;
    for line in text.lines() {
        let mut parts = line.splitn(4, ' ');
        let (kind, o, l, want) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
        let (o, l): (i64, i64) = (o.parse().unwrap(), l.parse().unwrap());
        // Python's repr uses single quotes; ours is Rust's Debug: compare
        // the decoded text by normalizing both to the same quoting.
        let got = if kind == "read" { ours_read(&p, o, l) } else { ours_tail(&p, o, l) };
        assert_eq!(normalize(&got), normalize(want), "{kind}({o}, {l})");
        checked += 1;
    }
    assert_eq!(checked, OFFSETS.len() * LENGTHS.len() * 2);
}

/// Python repr('a\n') is 'a\n' and Rust {:?} is "a\n"; the sample has no
/// quotes, so swapping the quote character makes them comparable.
fn normalize(s: &str) -> String {
    s.replace('\'', "\"")
}
