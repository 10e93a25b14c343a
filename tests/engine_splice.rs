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

use rsupervisor::logs::mainlog::{Level, MainLog};
use rsupervisor::logs::rotating::backup_name;
use rsupervisor::supervisor::{Notice, Supervisor, SupervisorHandle};
use support::*;
use tokio::sync::mpsc;

/// Like support::start but at loglevel=info, so nobody wants a copy of
/// child output and the reader may splice.
fn start_info(body: &str) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[supervisord]\nlogfile={d}/main.log\npidfile={d}/sd.pid\nchildlogdir={d}\nloglevel=info\n\n{}",
        body.replace("{dir}", &dir.path().display().to_string()),
        d = dir.path().display()
    );
    let path = dir.path().join("supervisord.conf");
    std::fs::write(&path, text).unwrap();
    std::fs::write(dir.path().join("writer.py"), WRITER).unwrap();
    let config = rsupervisor::config::load(&path).expect("test config loads");
    let log = MainLog::open(Some(&dir.path().join("main.log")), 0, 0, Level::Info, false).unwrap();
    let mut sup = Supervisor::new(config, Some(log));
    sup.add_initial_groups().unwrap();
    let (handle, requests) = SupervisorHandle::channel();
    let (control, mut control_rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move { sup.run(requests, &mut control_rx).await });
    Running { dir, handle, control, task }
}

/// The child: writes LINES numbered 16-byte lines in bursts of BURST
/// lines, sleeping PAUSE seconds between bursts.
const WRITER: &str = "import os, sys, time
n, burst, pause = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
for s in range(0, n, burst):
    os.write(1, b''.join(b'L%014d\\n' % i for i in range(s, min(n, s + burst))))
    time.sleep(pause)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_switched_on_mid_stream_logs_every_byte_once() {
    let _g = serial();
    const LINES: usize = 200_000; // 3.2 MB over ~1.5 s
    let r = start_info(&format!(
        "[program:w]\ncommand={}\nstartsecs=0\nautorestart=false\nstdout_logfile={{dir}}/w.log\n\
         stdout_logfile_maxbytes=1000000\nstdout_logfile_backups=10\n",
        writer(LINES, 2000, 0.015)
    ));
    let log = r.path("w.log");
    // Let the splice path run first, then subscribe (a web UI tail) so the
    // reader switches to copying, then drop the subscription so it goes
    // back to splicing.
    let deadline = Instant::now() + Duration::from_secs(20);
    while read(&log).len() < 300_000 {
        assert!(Instant::now() < deadline, "the child wrote nothing");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut rx = r.handle.subscribe().await.expect("subscribe");
    let mut copied = Vec::new();
    let until = Instant::now() + Duration::from_millis(400);
    while let Ok(Ok(notice)) = tokio::time::timeout_at(until.into(), rx.recv()).await {
        if let Notice::ProcessOutput { name, text, .. } = notice {
            if name == "w" {
                copied.extend(text.into_bytes());
            }
        }
    }
    drop(rx);
    r.wait_state("w", "EXITED", 60).await;
    let all = with_backups(&log, 10);
    let want = expected(LINES);
    assert!(all == want, "log is the exact stream ({} of {} bytes)", all.len(), want.len());
    assert!(!copied.is_empty(), "the subscriber got a copy");
    assert!(
        want.windows(copied.len()).any(|w| w == copied),
        "the copy is one contiguous piece of the stream"
    );
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
