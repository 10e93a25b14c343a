//! An idle daemon sleeps: with many RUNNING children and an HTTP server, no
//! thread of it wakes up while nothing happens (no periodic polling).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_supervisord");

fn context_switches(pid: u32) -> u64 {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap().flatten() {
        let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
        for line in status.lines() {
            if line.starts_with("voluntary_ctxt_switches") || line.starts_with("nonvoluntary_ctxt_switches") {
                total += line.split_whitespace().nth(1).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
            }
        }
    }
    total
}

#[test]
fn idle_daemon_with_300_children_does_not_wake_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let conf = dir.path().join("s.conf");
    std::fs::write(
        &conf,
        format!(
            "[supervisord]\nlogfile={d}/main.log\npidfile={d}/sd.pid\nchildlogdir={d}\nminfds=4096\n\
             [unix_http_server]\nfile={d}/s.sock\n\
             [program:many]\ncommand=sleep 100000\nnumprocs=300\n\
             process_name=%(program_name)s_%(process_num)03d\nstartsecs=1\n"
        ),
    )
    .unwrap();
    let mut child = Command::new(BIN).args(["-n", "-c"]).arg(&conf).stdout(Stdio::null()).spawn().unwrap();
    let log = dir.path().join("main.log");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(&log).unwrap_or_default().matches("success: many_").count() < 300 {
        assert!(Instant::now() < deadline, "children did not all reach RUNNING");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    let before = context_switches(child.id());
    std::thread::sleep(Duration::from_secs(3));
    let after = context_switches(child.id());
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(after - before <= 2, "{} context switches in 3 idle seconds", after - before);
}
