//! RotatingFile::splice_from: bytes moved from a pipe into the log rotate
//! exactly at maxbytes, nothing is lost or reordered, a file already past
//! maxbytes rotates after the first splice, special files refuse (the
//! caller then reads and writes), splices and appends interleave in order,
//! a splice appends at the real end after an outside truncation, and two
//! RotatingFiles on one file (one splicing, one appending) lose nothing.

use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

use rsupervisor::logs::rotating::{backup_name, RotatingFile};

/// The byte at stream position `i` (position-dependent, so any loss,
/// duplication or reordering shows).
fn byte_at(i: u64) -> u8 {
    let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (x >> 56) as u8 ^ (i as u8)
}

fn stream(start: u64, len: usize) -> Vec<u8> {
    (0..len as u64).map(|k| byte_at(start + k)).collect()
}

fn read(p: &Path) -> Vec<u8> {
    let mut v = Vec::new();
    std::fs::File::open(p).unwrap().read_to_end(&mut v).unwrap();
    v
}

/// A pipe whose read end is non-blocking, as the reader tasks use it.
fn pipe() -> (OwnedFd, std::fs::File) {
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    unsafe {
        let fl = libc::fcntl(fds[0], libc::F_GETFL);
        libc::fcntl(fds[0], libc::F_SETFL, fl | libc::O_NONBLOCK);
        (OwnedFd::from_raw_fd(fds[0]), std::fs::File::from_raw_fd(fds[1]))
    }
}

fn wait_readable(fd: RawFd) {
    let mut pfd = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
    unsafe { libc::poll(&mut pfd, 1, 5000) };
}

/// Splices everything until the writer closes its end; returns the sizes
/// of the live file seen after every splice.
fn splice_all(log: &mut RotatingFile, fd: RawFd, max: usize) -> u64 {
    let mut total = 0u64;
    loop {
        match log.splice_from(fd, max) {
            Ok(0) => return total,
            Ok(n) => total += n as u64,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => wait_readable(fd),
            Err(e) => panic!("splice failed: {e}"),
        }
    }
}

/// Writes `total` bytes of the stream from `start` in varying chunk sizes.
fn feed(mut w: std::fs::File, start: u64, total: usize) -> std::thread::JoinHandle<()> {
    use std::io::Write;
    std::thread::spawn(move || {
        let data = stream(start, total);
        let mut off = 0usize;
        let mut step = 7u64;
        while off < total {
            step = step.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let n = (((step >> 33) as usize) % 150_000 + 1).min(total - off);
            w.write_all(&data[off..off + n]).unwrap();
            off += n;
        }
    })
}

#[test]
fn splice_rotates_exactly_at_maxbytes_and_keeps_every_byte() {
    const MAX: u64 = 1_000_003; // not a multiple of any page or chunk size
    const TOTAL: usize = 12_345_678;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.log");
    let mut log = RotatingFile::open(&path, MAX, 20).unwrap();
    let (rd, wr) = pipe();
    let writer = feed(wr, 0, TOTAL);
    let moved = splice_all(&mut log, rd.as_raw_fd(), 256 * 1024);
    writer.join().unwrap();
    assert_eq!(moved, TOTAL as u64);
    let backups = TOTAL as u64 / MAX;
    assert!(!backup_name(&path, backups as u32 + 1).exists());
    let mut all = Vec::new();
    for i in (1..=backups as u32).rev() {
        let part = read(&backup_name(&path, i));
        assert_eq!(part.len() as u64, MAX, "backup .{i} must end exactly at maxbytes");
        all.extend(part);
    }
    all.extend(read(&path));
    assert_eq!(log.size(), TOTAL as u64 % MAX);
    assert!(all == stream(0, TOTAL), "the logs are the exact stream");
}

#[test]
fn a_file_already_past_maxbytes_rotates_after_the_first_splice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.log");
    std::fs::write(&path, vec![b'o'; 5000]).unwrap();
    let mut log = RotatingFile::open(&path, 4000, 2).unwrap();
    let (rd, mut wr) = pipe();
    std::io::Write::write_all(&mut wr, b"new bytes").unwrap();
    drop(wr);
    assert_eq!(splice_all(&mut log, rd.as_raw_fd(), 65536), 9);
    let mut want = vec![b'o'; 5000];
    want.extend(b"new bytes");
    assert_eq!(read(&backup_name(&path, 1)), want);
    assert_eq!(read(&path), b"");
}

#[test]
fn special_files_refuse_splice() {
    let mut log = RotatingFile::open(Path::new("/dev/null"), 10, 1).unwrap();
    let (rd, mut wr) = pipe();
    std::io::Write::write_all(&mut wr, b"x").unwrap();
    let err = log.splice_from(rd.as_raw_fd(), 100).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
    // The byte is still in the pipe for the read path.
    let mut b = [0u8; 4];
    assert_eq!(unsafe { libc::read(rd.as_raw_fd(), b.as_mut_ptr().cast(), 4) }, 1);
}

#[test]
fn splices_and_appends_interleave_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mix.log");
    let mut log = RotatingFile::open(&path, 0, 0).unwrap();
    let (rd, mut wr) = pipe();
    log.write_all(b"one ").unwrap();
    std::io::Write::write_all(&mut wr, b"two ").unwrap();
    assert_eq!(log.splice_from(rd.as_raw_fd(), 100).unwrap(), 4);
    log.write_all(b"three ").unwrap();
    std::io::Write::write_all(&mut wr, b"four").unwrap();
    assert_eq!(log.splice_from(rd.as_raw_fd(), 100).unwrap(), 4);
    assert_eq!(log.splice_from(rd.as_raw_fd(), 100).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    assert_eq!(read(&path), b"one two three four");
    assert_eq!(log.size(), 18);
}

#[test]
fn a_splice_appends_at_the_end_after_an_outside_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trunc.log");
    let mut log = RotatingFile::open(&path, 0, 0).unwrap();
    let (rd, mut wr) = pipe();
    std::io::Write::write_all(&mut wr, &[b'a'; 1000]).unwrap();
    assert_eq!(log.splice_from(rd.as_raw_fd(), 4096).unwrap(), 1000);
    // logrotate's copytruncate.
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(0).unwrap();
    std::io::Write::write_all(&mut wr, b"after").unwrap();
    assert_eq!(log.splice_from(rd.as_raw_fd(), 4096).unwrap(), 5);
    assert_eq!(read(&path), b"after", "no hole where the old bytes were");
}

#[test]
fn two_logs_on_one_file_splicing_and_appending_lose_nothing() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    const SPLICED: usize = 16 * 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.log");
    let mut spliced = RotatingFile::open(&path, 0, 0).unwrap();
    let mut appended = RotatingFile::open(&path, 0, 0).unwrap();
    let (rd, mut wr) = pipe();
    let feeder = std::thread::spawn(move || {
        let block = [b'S'; 4096];
        for _ in 0..SPLICED / 4096 {
            std::io::Write::write_all(&mut wr, &block).unwrap();
        }
    });
    // Appends run for as long as the splices do, so the two really race.
    let done = Arc::new(AtomicBool::new(false));
    let appender = {
        let done = done.clone();
        std::thread::spawn(move || {
            let block = [b'A'; 4096];
            let mut blocks = 0usize;
            while !done.load(Ordering::Relaxed) {
                appended.write_all(&block).unwrap();
                blocks += 1;
            }
            blocks * 4096
        })
    };
    assert_eq!(splice_all(&mut spliced, rd.as_raw_fd(), 4096), SPLICED as u64);
    done.store(true, Ordering::Relaxed);
    feeder.join().unwrap();
    let appended_bytes = appender.join().unwrap();
    let all = read(&path);
    assert_eq!(all.len(), SPLICED + appended_bytes, "no write landed on top of another");
    assert_eq!(all.iter().filter(|&&b| b == b'S').count(), SPLICED);
    // Each append is one write(2): runs of appended bytes are whole blocks.
    for run in all.split(|&b| b == b'S').filter(|c| !c.is_empty()) {
        assert_eq!(run.len() % 4096, 0, "an append was cut by a splice");
    }
}
