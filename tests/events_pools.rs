//! Listener pools in the running supervisor task (driven through its
//! mailbox): a pool of 3 under a restart storm of 100 programs gets every
//! event exactly once while the supervisor keeps answering; a small buffer
//! drops and logs the overflow as 4.3.0 does; listeners that break the
//! protocol never hold up the others.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rsupervisor::logs::mainlog::{Level, MainLog};
use rsupervisor::rpc::value::Value;
use rsupervisor::supervisor::{Control, Supervisor, SupervisorHandle};

/// Records `<serial> <eventname>` per event into $1 (payloads skipped).
const LISTENER: &str = r#"#!/bin/sh
out="$1"
while :; do
  printf 'READY\n'
  IFS= read -r header || exit 0
  len=${header##*len:}
  head -c "$len" > /dev/null
  serial=${header#*serial:}; serial=${serial%% *}
  name=${header#*eventname:}; name=${name%% *}
  printf '%s %s\n' "$serial" "$name" >> "$out"
  printf 'RESULT 2\nOK'
done
"#;

/// Protocol breakers, by mode in $1.
const BAD: &str = r#"#!/bin/sh
case "$1" in
  partial) printf 'REA' ;;
  garbage) printf 'this is not the protocol\n' ;;
  huge) printf 'READY\n'; IFS= read -r header; printf 'RESULT 99999999999999\nOK, more...' ;;
  badlen) printf 'READY\n'; IFS= read -r header; printf 'RESULT two\n' ;;
  silent) ;;
esac
exec sleep 1000
"#;

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Running {
    dir: PathBuf,
    h: SupervisorHandle,
    ctl: tokio::sync::mpsc::UnboundedSender<Control>,
    task: tokio::task::JoinHandle<rsupervisor::supervisor::Outcome>,
    _tmp: tempfile::TempDir,
}

fn start(sections: &str) -> Running {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    std::fs::write(dir.join("listener.sh"), LISTENER).unwrap();
    std::fs::write(dir.join("bad.sh"), BAD).unwrap();
    let d = dir.display().to_string();
    let conf = format!(
        "[supervisord]\nlogfile={d}/main.log\nloglevel=debug\npidfile={d}/s.pid\nchildlogdir={d}\n\n{}",
        sections.replace("{tmp}", &d)
    );
    let path = dir.join("s.conf");
    std::fs::write(&path, conf).unwrap();
    let config = rsupervisor::config::load::load(&path).expect("config loads");
    let log = MainLog::open(Some(&dir.join("main.log")), 0, 0, Level::Debug, false).unwrap();
    let mut sup = Supervisor::new(config, Some(log));
    sup.add_initial_groups().unwrap();
    let (h, rx) = SupervisorHandle::channel();
    let (ctl, ctl_rx) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        let mut ctl_rx = ctl_rx;
        sup.run(rx, &mut ctl_rx).await
    });
    Running { dir, h, ctl, task, _tmp: tmp }
}

impl Running {
    async fn call(&self, method: &str, params: Vec<Value>) -> Value {
        match self.h.call(method, params).await {
            Ok(v) => v,
            Err(f) => panic!("{method} failed: {f:?}"),
        }
    }

    async fn all_running(&self, except: &[&str]) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let Value::Array(infos) = self.call("supervisor.getAllProcessInfo", vec![]).await else { panic!() };
            let ok = infos.iter().all(|i| {
                let Value::Struct(m) = i else { return false };
                let name = match m.iter().find(|(k, _)| k.as_str() == "name").map(|(_, v)| v) {
                    Some(Value::String(s)) => s.clone(),
                    _ => String::new(),
                };
                except.contains(&name.as_str())
                    || m.iter().any(|(k, v)| k.as_str() == "statename" && *v == Value::String("RUNNING".into()))
            });
            if ok {
                return;
            }
            assert!(Instant::now() < deadline, "processes did not all reach RUNNING");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn recorded(&self) -> Vec<(u64, String)> {
        let mut out = Vec::new();
        for i in 0..3 {
            let text = std::fs::read_to_string(self.dir.join(format!("ev_{i}.txt"))).unwrap_or_default();
            for line in text.lines() {
                let (s, n) = line.split_once(' ').unwrap();
                out.push((s.parse().unwrap(), n.to_string()));
            }
        }
        out
    }

    fn main_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("main.log")).unwrap_or_default()
    }

    async fn stop(self) {
        self.ctl.send(Control::Signal(libc::SIGTERM)).unwrap();
        tokio::time::timeout(Duration::from_secs(30), self.task).await.expect("daemon stops").unwrap();
    }
}

const N: u64 = 100;
/// 3 listeners x (STARTING, RUNNING) + N x (STARTING, RUNNING), then the
/// restart: N x (STOPPING, STOPPED, STARTING, RUNNING).
const TOTAL: u64 = 3 * 2 + N * 2 + N * 4;

fn storm_conf(buffer: usize) -> String {
    format!(
        "[eventlistener:rec]\ncommand=/bin/sh {{tmp}}/listener.sh {{tmp}}/ev_%(process_num)d.txt\n\
process_name=%(program_name)s_%(process_num)d\nnumprocs=3\nevents=PROCESS_STATE\nbuffer_size={buffer}\n\n\
[program:p]\ncommand=sleep 1000\nprocess_name=%(program_name)s_%(process_num)03d\nnumprocs={N}\nstartsecs=0\n"
    )
}

/// Restarts the N programs while timing getState; returns the slowest answer.
async fn storm(r: &Running) -> Duration {
    r.all_running(&[]).await;
    let h = r.h.clone();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done2 = done.clone();
    let probe = tokio::spawn(async move {
        let mut slowest = Duration::ZERO;
        while !done2.load(std::sync::atomic::Ordering::Relaxed) {
            let t0 = Instant::now();
            h.call("supervisor.getState", vec![]).await.expect("getState answers");
            slowest = slowest.max(t0.elapsed());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        slowest
    });
    r.call("supervisor.stopProcessGroup", vec![Value::String("p".into())]).await;
    r.call("supervisor.startProcessGroup", vec![Value::String("p".into())]).await;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    probe.await.unwrap()
}

async fn wait_until(what: &str, mut pred: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !pred() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_of_three_restart_storm_no_loss_no_duplicates() {
    let _one = ONE_AT_A_TIME.lock().await;
    let r = start(&storm_conf(2000));
    let slowest = storm(&r).await;
    wait_until("all events", || r.recorded().len() as u64 >= TOTAL).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let evs = r.recorded();
    let serials: Vec<u64> = {
        let mut v: Vec<u64> = evs.iter().map(|e| e.0).collect();
        v.sort();
        v
    };
    assert_eq!(serials, (0..TOTAL).collect::<Vec<_>>(), "every event exactly once");
    assert_eq!(evs.iter().filter(|e| e.1 == "PROCESS_STATE_STOPPED").count() as u64, N);
    for i in 0..3 {
        let f = std::fs::read_to_string(r.dir.join(format!("ev_{i}.txt"))).unwrap_or_default();
        assert!(!f.is_empty(), "listener rec_{i} took part");
    }
    assert!(slowest < Duration::from_secs(5), "getState took {slowest:?} during the storm");
    assert!(!r.main_log().contains("overflowed"));
    r.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_buffer_overflow_is_dropped_and_logged() {
    let _one = ONE_AT_A_TIME.lock().await;
    let r = start(&storm_conf(5));
    storm(&r).await;
    let dropped = |log: &str| -> BTreeSet<u64> {
        log.lines()
            .filter_map(|l| l.split_once(" ERRO pool rec event buffer overflowed, discarding event "))
            .map(|(_, n)| n.parse().unwrap())
            .collect()
    };
    wait_until("every event delivered or dropped", || {
        let got: BTreeSet<u64> = r.recorded().iter().map(|e| e.0).collect();
        got.union(&dropped(&r.main_log())).count() as u64 >= TOTAL
    })
    .await;
    let got: Vec<u64> = r.recorded().iter().map(|e| e.0).collect();
    let got_set: BTreeSet<u64> = got.iter().copied().collect();
    let lost = dropped(&r.main_log());
    assert!(!lost.is_empty(), "a 5-event buffer must overflow in the storm");
    assert_eq!(got.len(), got_set.len(), "no duplicates");
    assert!(got_set.is_disjoint(&lost), "a dropped event is never delivered");
    assert_eq!(got_set.union(&lost).copied().collect::<Vec<_>>(), (0..TOTAL).collect::<Vec<_>>());
    r.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_listeners_do_not_block_others() {
    let _one = ONE_AT_A_TIME.lock().await;
    let mut conf = String::new();
    for m in ["partial", "garbage", "huge", "badlen", "silent"] {
        conf.push_str(&format!(
            "[eventlistener:{m}]\ncommand=/bin/sh {{tmp}}/bad.sh {m}\nevents=PROCESS_STATE,REMOTE_COMMUNICATION\n\n"
        ));
    }
    conf.push_str(
        "[eventlistener:good]\ncommand=/bin/sh {tmp}/listener.sh {tmp}/ev_0.txt\nevents=REMOTE_COMMUNICATION\nbuffer_size=100\n\n\
[program:p]\ncommand=sleep 1000\nstartsecs=0\nautostart=false\n",
    );
    let r = start(&conf);
    r.all_running(&["p"]).await;
    for i in 0..20 {
        let v = r.call("supervisor.sendRemoteCommEvent", vec![Value::String("t".into()), Value::String(format!("m{i}"))]).await;
        assert_eq!(v, Value::Bool(true));
        r.call("supervisor.startProcess", vec![Value::String("p".into())]).await;
        r.call("supervisor.stopProcess", vec![Value::String("p".into())]).await;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while r.recorded().len() < 20 {
        if Instant::now() > deadline {
            let log = r.main_log();
            let tail: Vec<&str> = log.lines().rev().take(60).collect();
            panic!("timed out: good got {:?}\n{}", r.recorded(), tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let evs = r.recorded();
    assert!(evs.iter().all(|e| e.1 == "REMOTE_COMMUNICATION"), "only its own subscription: {evs:?}");
    let t0 = Instant::now();
    r.call("supervisor.getState", vec![]).await;
    assert!(t0.elapsed() < Duration::from_secs(1));
    let log = r.main_log();
    for line in [
        "WARN garbage: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol",
        "DEBG garbage: ACKNOWLEDGED -> UNKNOWN",
        "WARN badlen: bad result line: 'RESULT two'",
        "DEBG badlen: BUSY -> UNKNOWN",
        "DEBG huge: ACKNOWLEDGED -> READY",
        "ERRO pool silent event buffer overflowed, discarding event ",
    ] {
        assert!(log.contains(line), "missing {line:?}");
    }
    assert!(!log.contains("partial: ACKNOWLEDGED ->"));
    assert!(!log.contains("huge: BUSY ->"));
    r.stop().await;
}
