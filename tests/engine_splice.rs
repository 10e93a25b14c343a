//! Log-only channels through the supervisor at loglevel=info, where the
//! reader splices child output straight into the log file: backups end
//! exactly at maxbytes and hold the exact stream, everything written before
//! an exit is in the log when the exit is reported, and a copy switched on
//! mid-stream (a subscriber) or from the start (stdout_events_enabled)
//! still logs every byte exactly once, in order.

#[path = "engine_support.rs"]
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use rsupervisor::logs::mainlog::Level;
use rsupervisor::logs::rotating::backup_name;
use rsupervisor::supervisor::Notice;
use support::*;

/// Like support::start but at loglevel=info, so nobody wants a copy of
/// child output and the reader may splice.
fn start_info(body: &str) -> Running {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("writer.py"), WRITER).unwrap();
    std::fs::write(dir.path().join("step_writer.py"), STEP_WRITER).unwrap();
    start_at(dir, body, Level::Info)
}

/// The child: writes LINES numbered 16-byte lines in bursts of BURST
/// lines, sleeping PAUSE seconds between bursts.
const WRITER: &str = "import os, sys, time
n, burst, pause = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
for s in range(0, n, burst):
    os.write(1, b''.join(b'L%014d\\n' % i for i in range(s, min(n, s + burst))))
    time.sleep(pause)
";

/// The child for the switching test: writes LINES numbered lines in PARTS
/// equal parts; before part k (k >= 1) it waits for the file `go<k>` in its
/// working directory, so the test decides when each part is written.
const STEP_WRITER: &str = "import os, sys, time
n, parts = int(sys.argv[1]), int(sys.argv[2])
per = n // parts
for k in range(parts):
    if k:
        while not os.path.exists('go%d' % k):
            time.sleep(0.005)
    for s in range(k * per, (k + 1) * per, 1000):
        os.write(1, b''.join(b'L%014d\\n' % i for i in range(s, min((k + 1) * per, s + 1000))))
";

fn writer(lines: usize, burst: usize, pause: f64) -> String {
    format!("python3 {{dir}}/writer.py {lines} {burst} {pause}")
}

fn expected(lines: usize) -> Vec<u8> {
    (0..lines).flat_map(|i| format!("L{i:014}\n").into_bytes()).collect()
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_default()
}

/// Live log preceded by its backups, oldest first.
fn with_backups(p: &Path, backups: u32) -> Vec<u8> {
    let mut all = Vec::new();
    for i in (1..=backups).rev() {
        all.extend(read(&backup_name(p, i)));
    }
    all.extend(read(p));
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spliced_logs_rotate_exactly_at_maxbytes() {
    let _g = serial();
    const LINES: usize = 1_250_000; // 20 MB
    const MAX: usize = 1_000_003;
    let r = start_info(&format!(
        "[program:w]\ncommand={}\nstartsecs=0\nautorestart=false\nstdout_logfile={{dir}}/w.log\n\
         stdout_logfile_maxbytes={MAX}\nstdout_logfile_backups=30\n",
        writer(LINES, 4096, 0.0)
    ));
    r.wait_state("w", "EXITED", 60).await;
    let log = r.path("w.log");
    let total = LINES * 16;
    let backups = (total / MAX) as u32;
    for i in 1..=backups {
        assert_eq!(read(&backup_name(&log, i)).len(), MAX, "backup .{i} ends exactly at maxbytes");
    }
    assert!(!backup_name(&log, backups + 1).exists());
    assert!(with_backups(&log, backups) == expected(LINES), "the logs hold the exact stream");
    r.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spliced_output_is_all_logged_when_the_exit_is_reported() {
    let _g = serial();
    const LINES: usize = 700_000; // 11.2 MB
    let r = start_info(&format!(
        "[program:w]\ncommand={}\nstartsecs=0\nautorestart=false\nstdout_logfile={{dir}}/w.log\n\
         stdout_logfile_maxbytes=0\nstderr_logfile={{dir}}/w.err\n",
        writer(LINES, 65536, 0.0)
    ));
    r.wait_state("w", "EXITED", 60).await;
    // Read at once: EXITED is reported only after the pipe was drained.
    assert!(read(&r.path("w.log")) == expected(LINES), "every byte before the exit is in the log");
    r.shutdown().await;
}

/// Polls until the logs hold `len` bytes.
async fn wait_logged(log: &Path, backups: u32, len: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while with_backups(log, backups).len() < len {
        assert!(Instant::now() < deadline, "the log never reached {len} bytes");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_switched_on_mid_stream_logs_every_byte_once() {
    let _g = serial();
    const LINES: usize = 300_000; // 3 parts of 1.6 MB
    const PART: usize = LINES / 3 * 16;
    let r = start_info(
        "[program:w]\ncommand=python3 {dir}/step_writer.py 300000 3\ndirectory={dir}\nstartsecs=0\n\
         autorestart=false\nstdout_logfile={dir}/w.log\nstdout_logfile_maxbytes=1000000\n\
         stdout_logfile_backups=10\n",
    );
    let log = r.path("w.log");
    // Part 1 is spliced (nobody wants a copy).
    wait_logged(&log, 10, PART).await;
    // A subscriber (a web UI tail) switches the reader to copying: part 2
    // is logged and copied.
    let mut rx = r.handle.subscribe().await.expect("subscribe");
    std::fs::write(r.path("go1"), "").unwrap();
    let mut copied = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while copied.len() < PART {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Ok(Notice::ProcessOutput { name, text, .. })) if name == "w" => copied.extend(text.into_bytes()),
            Ok(Ok(_)) => {}
            other => panic!("copy of part 2 incomplete ({} bytes): {other:?}", copied.len()),
        }
    }
    wait_logged(&log, 10, 2 * PART).await;
    // Nobody listens any more: back to splicing for part 3.
    drop(rx);
    std::fs::write(r.path("go2"), "").unwrap();
    r.wait_state("w", "EXITED", 60).await;
    let want = expected(LINES);
    let all = with_backups(&log, 10);
    assert!(all == want, "log is the exact stream ({} of {} bytes)", all.len(), want.len());
    assert!(copied == want[PART..2 * PART], "the copy is exactly part 2");
    r.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_enabled_channels_log_every_byte() {
    let _g = serial();
    const LINES: usize = 300_000;
    let r = start_info(&format!(
        "[program:w]\ncommand={}\nstartsecs=0\nautorestart=false\nstdout_logfile={{dir}}/w.log\n\
         stdout_logfile_maxbytes=1000000\nstdout_logfile_backups=10\nstdout_events_enabled=true\n",
        writer(LINES, 8192, 0.0)
    ));
    r.wait_state("w", "EXITED", 60).await;
    assert!(with_backups(&r.path("w.log"), 10) == expected(LINES), "log is the exact stream");
    r.shutdown().await;
}
