//! Shared helpers for the engine tests: write a config, run a supervisor
//! task in-process and talk to it through its handle. A supervisor reaps
//! with waitpid(-1), so tests in one binary take `serial()` to never run
//! two supervisors in the same process at once.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rsupervisor::config::Config;
use rsupervisor::logs::mainlog::{Level, MainLog};
use rsupervisor::rpc::value::{RpcResult, Value};
use rsupervisor::supervisor::{Control, Outcome, Supervisor, SupervisorHandle};
use tokio::sync::mpsc;

static SERIAL: Mutex<()> = Mutex::new(());

pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

pub struct Running {
    pub dir: tempfile::TempDir,
    pub handle: SupervisorHandle,
    pub control: mpsc::UnboundedSender<Control>,
    pub task: tokio::task::JoinHandle<Outcome>,
}

/// A config with a main log at debug level in a fresh temp dir; `body`
/// holds the program sections (`{dir}` is replaced by the temp dir).
pub fn write_config(dir: &Path, body: &str) -> Config {
    write_config_at(dir, body, "debug")
}

/// The same with the main log at `loglevel`.
pub fn write_config_at(dir: &Path, body: &str, loglevel: &str) -> Config {
    let text = format!(
        "[supervisord]\nlogfile={d}/main.log\npidfile={d}/sd.pid\nchildlogdir={d}\nloglevel={loglevel}\n\n{}",
        body.replace("{dir}", &dir.display().to_string()),
        d = dir.display()
    );
    let path = dir.join("supervisord.conf");
    std::fs::write(&path, text).unwrap();
    rsupervisor::config::load(&path).expect("test config loads")
}

pub fn start(body: &str) -> Running {
    start_at(tempfile::tempdir().unwrap(), body, Level::Debug)
}

/// Runs a supervisor for `body` in `dir` (which may already hold files the
/// programs use) with the main log at `level` (Debug or Info).
pub fn start_at(dir: tempfile::TempDir, body: &str, level: Level) -> Running {
    let name = match level {
        Level::Info => "info",
        _ => "debug",
    };
    let config = write_config_at(dir.path(), body, name);
    let log = MainLog::open(Some(&dir.path().join("main.log")), 0, 0, level, false).unwrap();
    let mut sup = Supervisor::new(config, Some(log));
    sup.add_initial_groups().unwrap();
    let (handle, requests) = SupervisorHandle::channel();
    let (control, mut control_rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move { sup.run(requests, &mut control_rx).await });
    Running { dir, handle, control, task }
}

impl Running {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub async fn call(&self, method: &str, params: Vec<Value>) -> RpcResult {
        self.handle.call(&format!("supervisor.{method}"), params).await
    }

    pub async fn info(&self, name: &str) -> Value {
        self.call("getProcessInfo", vec![Value::str(name)]).await.expect("getProcessInfo")
    }

    pub async fn state(&self, name: &str) -> String {
        field(&self.info(name).await, "statename").as_str().unwrap().to_string()
    }

    pub async fn pid(&self, name: &str) -> i32 {
        field(&self.info(name).await, "pid").as_int().unwrap() as i32
    }

    /// Polls until `name` is in `state` (panics after `secs`).
    pub async fn wait_state(&self, name: &str, state: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.state(name).await;
            if s == state {
                return;
            }
            assert!(Instant::now() < deadline, "{name} stayed {s}, wanted {state}\n{}", self.mainlog());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn mainlog(&self) -> String {
        std::fs::read_to_string(self.path("main.log")).unwrap_or_default()
    }

    /// Main log messages without the timestamp (`INFO spawned: ...`).
    pub fn mainlog_messages(&self) -> Vec<String> {
        self.mainlog()
            .lines()
            .filter(|l| l.len() > 24 && l.as_bytes()[4] == b'-')
            .map(|l| l[24..].to_string())
            .collect()
    }

    pub async fn wait_log(&self, needle: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !self.mainlog().contains(needle) {
            assert!(Instant::now() < deadline, "no {needle:?} in main log:\n{}", self.mainlog());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Shuts down through SIGTERM handling and waits for the task.
    pub async fn shutdown(self) -> String {
        self.control.send(Control::Signal(libc::SIGTERM)).unwrap();
        let outcome = tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("supervisor stops within 30s")
            .unwrap();
        assert_eq!(outcome, Outcome::Shutdown);
        std::fs::read_to_string(self.dir.path().join("main.log")).unwrap_or_default()
    }
}

pub fn field<'a>(v: &'a Value, key: &str) -> &'a Value {
    match v {
        Value::Struct(m) => m.get(key).unwrap_or_else(|| panic!("no key {key} in {v:?}")),
        _ => panic!("not a struct: {v:?}"),
    }
}

pub fn pid_alive(pid: i32) -> bool {
    // A zombie still answers kill(0); check /proc state too.
    if unsafe { libc::kill(pid, 0) } != 0 {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => !s.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'),
        Err(_) => false,
    }
}

/// The direct children of `pid` (from /proc).
pub fn children_of(pid: i32) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect()
}

