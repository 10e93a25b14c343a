//! RotatingFile: rotation points and names as 4.3.0, no byte lost under a
//! fast writer, backups=0 and maxbytes=0, reopen/clear, and special files
//! that are only appended to.

use std::io::Read;
use std::path::Path;

use rsupervisor::logs::rotating::{backup_name, RotatingFile};

/// The byte written at stream position `i` (position-dependent, so any
/// loss, duplication or reordering shows).
fn byte_at(i: u64) -> u8 {
    let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (x >> 56) as u8 ^ (i as u8)
}

fn fill(buf: &mut Vec<u8>, start: u64, len: usize) {
    buf.clear();
    buf.extend((0..len as u64).map(|k| byte_at(start + k)));
}

fn len(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

#[test]
fn fast_writer_200mb_keeps_an_exact_suffix() {
    const MAX: u64 = 10 * 1024 * 1024;
    const TOTAL: u64 = 200 * 1024 * 1024;
    const CHUNK_MAX: usize = 131072; // supervisord reads up to 128 KiB at a time
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fast.log");
    let mut log = RotatingFile::open(&path, MAX, 3).unwrap();
    let mut written = 0u64;
    let mut buf = Vec::with_capacity(CHUNK_MAX);
    let mut step = 0u64;
    while written < TOTAL {
        // Chunk sizes vary (1 byte .. 128 KiB) so rotation points fall anywhere.
        step = step.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let n = (((step >> 33) as usize) % CHUNK_MAX + 1).min((TOTAL - written) as usize);
        fill(&mut buf, written, n);
        log.write_all(&buf).unwrap();
        written += n as u64;
        assert!(log.size() < MAX, "rotation must happen as soon as maxbytes is reached");
    }
    drop(log);
    // Exactly .1 .. .3 and the live file.
    assert!(backup_name(&path, 3).exists());
    assert!(!backup_name(&path, 4).exists());
    let mut files: Vec<_> = (1..=3).rev().map(|i| backup_name(&path, i)).collect();
    files.push(path.clone());
    let mut kept = 0u64;
    for f in &files[..3] {
        let l = len(f);
        // Each backup was rotated on the write that reached maxbytes.
        assert!(l >= MAX && l < MAX + CHUNK_MAX as u64, "{} is {l} bytes", f.display());
        kept += l;
    }
    kept += len(&path);
    let mut pos = TOTAL - kept;
    let mut data = Vec::new();
    for f in &files {
        data.clear();
        std::fs::File::open(f).unwrap().read_to_end(&mut data).unwrap();
        for (k, &b) in data.iter().enumerate() {
            if b != byte_at(pos + k as u64) {
                panic!("{}: byte {k} differs from stream position {}", f.display(), pos + k as u64);
            }
        }
        pos += data.len() as u64;
    }
    assert_eq!(pos, TOTAL);
}

#[test]
fn rotates_after_the_write_that_reaches_maxbytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.log");
    let mut log = RotatingFile::open(&path, 10, 2).unwrap();
    log.write_all(b"123456789").unwrap(); // 9 bytes: below
    assert!(!backup_name(&path, 1).exists());
    log.write_all(b"abcdef").unwrap(); // 15 bytes >= 10: rotate after writing
    assert_eq!(std::fs::read(backup_name(&path, 1)).unwrap(), b"123456789abcdef");
    assert_eq!(std::fs::read(&path).unwrap(), b"");
    log.write_all(b"0123456789").unwrap();
    log.write_all(b"X").unwrap();
    log.write_all(b"0123456789").unwrap();
    assert_eq!(std::fs::read(backup_name(&path, 2)).unwrap(), b"0123456789");
    assert_eq!(std::fs::read(backup_name(&path, 1)).unwrap(), b"X0123456789");
    assert!(!backup_name(&path, 3).exists());
}

#[test]
fn existing_content_counts_toward_maxbytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.log");
    std::fs::write(&path, b"12345678").unwrap();
    let mut log = RotatingFile::open(&path, 10, 1).unwrap();
    log.write_all(b"ab").unwrap();
    assert_eq!(std::fs::read(backup_name(&path, 1)).unwrap(), b"12345678ab");
}

#[test]
fn backups_zero_empties_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.log");
    let mut log = RotatingFile::open(&path, 10, 0).unwrap();
    log.write_all(b"0123456789AB").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"");
    assert!(!backup_name(&path, 1).exists());
    log.write_all(b"xyz").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"xyz");
}

#[test]
fn maxbytes_zero_never_rotates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.log");
    let mut log = RotatingFile::open(&path, 0, 5).unwrap();
    for _ in 0..100 {
        log.write_all(&[b'x'; 1000]).unwrap();
    }
    assert_eq!(len(&path), 100_000);
    assert!(!backup_name(&path, 1).exists());
}

#[test]
fn reopen_after_removal_and_clear() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.log");
    let mut log = RotatingFile::open(&path, 100, 2).unwrap();
    log.write_all(b"before").unwrap();
    std::fs::remove_file(&path).unwrap();
    log.reopen().unwrap();
    log.write_all(b"after").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"after");
    std::fs::write(backup_name(&path, 1), b"old").unwrap();
    log.clear().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"");
    assert_eq!(log.size(), 0);
    log.write_all(b"new").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"new");
    // As 4.3.0: clearing leaves the backups alone.
    assert_eq!(std::fs::read(backup_name(&path, 1)).unwrap(), b"old");
}

#[test]
fn rotation_survives_a_removed_live_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.log");
    let mut log = RotatingFile::open(&path, 10, 2).unwrap();
    log.write_all(b"12345").unwrap();
    std::fs::remove_file(&path).unwrap();
    log.write_all(b"67890").unwrap(); // rotation finds no live file: no error
    log.write_all(b"z").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"z");
}

#[test]
fn pipe_via_dev_fd_is_only_appended_to() {
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let (r, w) = (fds[0], fds[1]);
    let path = format!("/dev/fd/{w}");
    let mut log = RotatingFile::open(Path::new(&path), 5, 3).unwrap();
    assert!(log.is_special());
    let reader = std::thread::spawn(move || {
        let mut f = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(r) };
        let mut got = Vec::new();
        f.read_to_end(&mut got).unwrap();
        got
    });
    let mut expect = Vec::new();
    for i in 0..2000u32 {
        let line = format!("line {i}\n");
        log.write_all(line.as_bytes()).unwrap();
        expect.extend_from_slice(line.as_bytes());
    }
    log.reopen().unwrap();
    log.write_all(b"end\n").unwrap();
    expect.extend_from_slice(b"end\n");
    log.clear().unwrap();
    drop(log);
    unsafe { libc::close(w) };
    assert_eq!(reader.join().unwrap(), expect);
    assert!(!Path::new(&format!("{path}.1")).exists());
}

#[test]
fn fifo_is_only_appended_to() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    // Open the reader first (non-blocking) so the writer's open succeeds.
    let rfd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_NONBLOCK) };
    assert!(rfd >= 0);
    let mut log = RotatingFile::open(&fifo, 3, 2).unwrap();
    assert!(log.is_special());
    log.write_all(b"hello fifo").unwrap();
    let mut buf = [0u8; 64];
    let n = unsafe { libc::read(rfd, buf.as_mut_ptr().cast(), buf.len()) };
    assert_eq!(&buf[..n as usize], b"hello fifo");
    assert!(!backup_name(&fifo, 1).exists());
    unsafe { libc::close(rfd) };
    // Reader gone: writes are dropped, not errors.
    log.write_all(b"nobody listens").unwrap();
}

#[test]
fn dev_null_is_never_rotated() {
    let mut log = RotatingFile::open(Path::new("/dev/null"), 1, 3).unwrap();
    assert!(log.is_special());
    for _ in 0..10 {
        log.write_all(b"discard me").unwrap();
    }
    log.clear().unwrap();
    assert!(!Path::new("/dev/null.1").exists());
    assert!(Path::new("/dev/null").exists());
}

#[test]
fn dev_stdout_in_a_child_process() {
    // A child process whose stdout is a pipe: what `stdout_logfile=/dev/stdout`
    // sees in a container. Run this test binary's helper mode via the env.
    if std::env::var("RSUP_ROTATING_STDOUT_HELPER").is_ok() {
        let mut log = RotatingFile::open(Path::new("/dev/stdout"), 4, 2).unwrap();
        assert!(log.is_special());
        for i in 0..100 {
            log.write_all(format!("ZQ-line {i}\n").as_bytes()).unwrap();
        }
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args(["--exact", "dev_stdout_in_a_child_process", "--nocapture", "--test-threads=1"])
        .env("RSUP_ROTATING_STDOUT_HELPER", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    // The harness prints its own text on stdout too (the first line may
    // follow its "test ... " prefix), so look for each line's marker.
    for i in 0..100 {
        assert!(text.contains(&format!("ZQ-line {i}\n")), "line {i} missing: {text}");
    }
    assert_eq!(text.matches("ZQ-line ").count(), 100);
}

/// Logs under /dev/shm (a tmpfs) are ordinary files: created, rotated.
#[test]
fn dev_shm_files_are_regular_logs() {
    if !std::path::Path::new("/dev/shm").is_dir() {
        return;
    }
    let dir = tempfile::tempdir_in("/dev/shm").unwrap();
    let path = dir.path().join("x.log");
    let mut f = rsupervisor::logs::rotating::RotatingFile::open(&path, 10, 1).unwrap();
    assert!(!f.is_special());
    f.write_all(b"0123456789ab").unwrap();
    assert!(dir.path().join("x.log.1").exists(), "rotated like any file");
}
