//! The supervisord binary: foreground and daemon mode, pidfile, signals
//! (SIGTERM, SIGHUP restart, SIGUSR2 log reopen), stdout echo and startup
//! errors. Each test uses its own temp dir and kills only its own pids.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_supervisord");

fn write_conf(dir: &Path, extra: &str) -> std::path::PathBuf {
    let d = dir.display();
    let conf = dir.join("s.conf");
    std::fs::write(
        &conf,
        format!(
            "[supervisord]\nlogfile={d}/main.log\npidfile={d}/sd.pid\nchildlogdir={d}\n{extra}\n\
             [program:a]\ncommand=sleep 1000\nstartsecs=0\n"
        ),
    )
    .unwrap();
    conf
}

fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

fn alive(pid: i32) -> bool {
    if unsafe { libc::kill(pid, 0) } != 0 {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => !s.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'),
        Err(_) => false,
    }
}

fn spawned_pids(log: &str, name: &str) -> Vec<i32> {
    let prefix = format!("spawned: '{name}' with pid ");
    log.lines()
        .filter_map(|l| l.split_once(&prefix).and_then(|(_, p)| p.trim().parse().ok()))
        .collect()
}

#[test]
fn foreground_signals_restart_reopen_and_exit() {
    let dir = tempfile::tempdir().unwrap();
    let conf = write_conf(dir.path(), "");
    let log = dir.path().join("main.log");
    let pidfile = dir.path().join("sd.pid");
    let mut child = Command::new(BIN)
        .args(["-n", "-c"])
        .arg(&conf)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as i32;
    wait_for("program a spawned", 10, || read(&log).contains("success: a entered RUNNING"));
    assert_eq!(read(&pidfile), format!("{pid}\n"));
    assert!(read(&log).contains(&format!("INFO supervisord started with pid {pid}")));
    let first = spawned_pids(&read(&log), "a");

    unsafe { libc::kill(pid, libc::SIGHUP) };
    wait_for("restart", 10, || spawned_pids(&read(&log), "a").len() == 2);
    let text = read(&log);
    assert!(text.contains("WARN received SIGHUP indicating restart request"));
    assert!(text.contains("WARN stopped: a (terminated by SIGTERM)"));
    assert!(!alive(first[0]));
    assert_eq!(text.matches(&format!("supervisord started with pid {pid}")).count(), 2);

    std::fs::rename(&log, dir.path().join("main.log.old")).unwrap();
    unsafe { libc::kill(pid, libc::SIGUSR2) };
    wait_for("log reopened", 10, || log.exists());
    assert!(read(&dir.path().join("main.log.old")).contains("INFO received SIGUSR2 indicating log reopen request"));

    let second = spawned_pids(&read(&dir.path().join("main.log.old")), "a")[1];
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(!alive(second), "child survived shutdown");
    assert!(!pidfile.exists(), "pidfile left behind");
    assert!(read(&log).contains("WARN received SIGTERM indicating exit request"));
    // nodaemon echoes the main log to stdout.
    let mut out = String::new();
    use std::io::Read;
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(out.contains("supervisord started with pid"), "{out}");
    assert!(out.contains("received SIGTERM indicating exit request"), "{out}");
}

#[test]
fn silent_foreground_writes_nothing_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let conf = write_conf(dir.path(), "silent=true");
    let log = dir.path().join("main.log");
    let child = Command::new(BIN).args(["-n", "-c"]).arg(&conf).stdout(Stdio::piped()).spawn().unwrap();
    let pid = child.id() as i32;
    wait_for("started", 10, || read(&log).contains("success: a entered RUNNING"));
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
}

#[test]
fn daemon_mode_forks_writes_pidfile_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let conf = write_conf(dir.path(), &format!("directory={}", dir.path().display()));
    let log = dir.path().join("main.log");
    let pidfile = dir.path().join("sd.pid");
    let t0 = Instant::now();
    let status = Command::new(BIN).arg("-c").arg(&conf).status().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(t0.elapsed() < Duration::from_secs(10));
    wait_for("pidfile", 10, || read(&pidfile).ends_with('\n'));
    let pid: i32 = read(&pidfile).trim().parse().unwrap();
    assert!(alive(pid));
    wait_for("program a", 10, || read(&log).contains("success: a entered RUNNING"));
    let text = read(&log);
    assert!(text.contains("INFO daemonizing the supervisord process"), "{text}");
    assert!(text.contains(&format!("INFO set current directory: '{}'", dir.path().display())), "{text}");
    // A session leader, detached from our session.
    let sid = unsafe { libc::getsid(pid) };
    assert_eq!(sid, pid);
    let a = spawned_pids(&text, "a")[0];
    unsafe { libc::kill(pid, libc::SIGTERM) };
    wait_for("daemon exit", 10, || !alive(pid));
    assert!(!alive(a));
    assert!(!pidfile.exists());
}

#[test]
fn minfds_beyond_the_hard_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let conf = write_conf(dir.path(), "minfds=2000000000");
    let out = Command::new(BIN).args(["-n", "-c"]).arg(&conf).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(
            "Error: The minimum number of file descriptors required to run this process is 2000000000 as per the \"minfds\""
        ),
        "{err}"
    );
    assert!(err.contains("For help, use "), "{err}");
}
