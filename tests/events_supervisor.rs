//! The supervisor task with events wired in, driven through its mailbox
//! (no HTTP): a shell eventlistener records what it receives, and the stream
//! for a scripted sequence (start, output events, capture mode, crash and
//! autorestart, remote comm event, group add/remove, stop) must equal what
//! supervisord 4.3.0 sends for the same sequence (the list below is the one
//! python-harness/tests/test_events_stream.py checks against the real one).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rsupervisor::logs::mainlog::{Level, MainLog};
use rsupervisor::rpc::value::Value;
use rsupervisor::supervisor::{Control, Supervisor, SupervisorHandle};

/// A listener in plain sh: READY, read the header line, copy `len` bytes of
/// payload into the record file (header, newline, payload, a separator line),
/// answer OK. Payloads here are ASCII, so len in characters = bytes.
const LISTENER: &str = r#"#!/bin/sh
out="$1"
while :; do
  printf 'READY\n'
  IFS= read -r header || exit 0
  len=${header##*len:}
  printf '%s\n' "$header" >> "$out"
  head -c "$len" >> "$out"
  printf '\n=====\n' >> "$out"
  printf 'RESULT 2\nOK'
done
"#;

const TALKER: &str = r#"#!/bin/sh
while read cmd; do
  case "$cmd" in
    say) echo "hello from talker, a line long enough to pass tokens" ;;
    err) echo "an error line from talker, long enough as well" >&2 ;;
    cap) printf '<!--XSUPERVISOR:BEGIN-->captured data<!--XSUPERVISOR:END-->\n' ;;
    crash) exit 3 ;;
  esac
done
"#;

fn conf(dir: &Path, extra: bool) -> String {
    let d = dir.display();
    let mut c = format!(
        "[supervisord]\nlogfile={d}/main.log\nloglevel=debug\npidfile={d}/s.pid\nchildlogdir={d}\n\n\
[eventlistener:rec]\ncommand=/bin/sh {d}/listener.sh {d}/events.txt\n\
events=PROCESS_STATE,PROCESS_COMMUNICATION,PROCESS_LOG,REMOTE_COMMUNICATION,PROCESS_GROUP,SUPERVISOR_STATE_CHANGE\n\
buffer_size=100\n\n\
[program:talker]\ncommand=/bin/sh {d}/talker.sh\nautostart=false\nautorestart=unexpected\nstartsecs=0\nexitcodes=0\n\
stdout_events_enabled=true\nstderr_events_enabled=true\nstdout_capture_maxbytes=1000\n"
    );
    if extra {
        c.push_str("\n[program:extra]\ncommand=sleep 1000\nautostart=false\n");
    }
    c
}

/// (eventname, payload with pids masked), checking len and serials.
fn recorded(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(nl) = rest.find('\n') {
        let header = &rest[..nl];
        let after = &rest[nl + 1..];
        let Some(end) = after.find("\n=====\n") else { break };
        let payload = &after[..end];
        rest = &after[end + 7..];
        let fields: Vec<(&str, &str)> = header.split(' ').filter_map(|kv| kv.split_once(':')).collect();
        let get = |k: &str| fields.iter().find(|f| f.0 == k).map(|f| f.1.to_string()).unwrap_or_default();
        assert_eq!(get("len").parse::<usize>().unwrap(), payload.len(), "{header}");
        assert_eq!(get("serial"), out.len().to_string(), "{header}");
        assert_eq!(get("poolserial"), out.len().to_string(), "{header}");
        assert_eq!(get("server"), "supervisor");
        assert_eq!(get("ver"), "3.0");
        let mut masked = String::new();
        let mut words = payload.split("pid:");
        masked.push_str(words.next().unwrap_or(""));
        for w in words {
            let digits = w.chars().take_while(|c| c.is_ascii_digit()).count();
            masked.push_str("pid:<PID>");
            masked.push_str(&w[digits..]);
        }
        out.push((get("eventname"), masked));
    }
    out
}

async fn wait_for(path: &Path, what: &str, pred: impl Fn(&[(String, String)]) -> bool) -> Vec<(String, String)> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let evs = recorded(path);
        if pred(&evs) {
            return evs;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}; got {evs:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn count(evs: &[(String, String)], name: &str) -> usize {
    evs.iter().filter(|e| e.0 == name).count()
}

/// The supervisor reaps with waitpid(-1): two in one test process would
/// reap each other's children, so these tests run one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

async fn call(h: &SupervisorHandle, method: &str, params: Vec<Value>) -> Value {
    match h.call(method, params).await {
        Ok(v) => v,
        Err(f) => panic!("{method} failed: {f:?}"),
    }
}

fn expected() -> Vec<(String, String)> {
    let talker_log = "processname:talker groupname:talker pid:<PID> channel:";
    [
        ("PROCESS_GROUP_ADDED", "groupname:rec\n".to_string()),
        ("PROCESS_GROUP_ADDED", "groupname:talker\n".to_string()),
        ("SUPERVISOR_STATE_CHANGE_RUNNING", String::new()),
        ("PROCESS_STATE_STARTING", "processname:rec groupname:rec from_state:STOPPED tries:0".to_string()),
        ("PROCESS_STATE_RUNNING", "processname:rec groupname:rec from_state:STARTING pid:<PID>".to_string()),
        ("PROCESS_STATE_STARTING", "processname:talker groupname:talker from_state:STOPPED tries:0".to_string()),
        ("PROCESS_STATE_RUNNING", "processname:talker groupname:talker from_state:STARTING pid:<PID>".to_string()),
        ("PROCESS_LOG_STDOUT", format!("{talker_log}stdout\nhello from talker, a line long enough to pass tokens\n")),
        ("PROCESS_LOG_STDERR", format!("{talker_log}stderr\nan error line from talker, long enough as well\n")),
        ("PROCESS_LOG_STDOUT", format!("{talker_log}stdout\ncaptured data")),
        ("PROCESS_COMMUNICATION_STDOUT", "processname:talker groupname:talker pid:<PID>\ncaptured data".to_string()),
        ("PROCESS_LOG_STDOUT", format!("{talker_log}stdout\n\nhello from talker, a line long enough to pass tokens\n")),
        ("PROCESS_STATE_EXITED", "processname:talker groupname:talker from_state:RUNNING expected:0 pid:<PID>".to_string()),
        ("PROCESS_STATE_STARTING", "processname:talker groupname:talker from_state:EXITED tries:0".to_string()),
        ("PROCESS_STATE_RUNNING", "processname:talker groupname:talker from_state:STARTING pid:<PID>".to_string()),
        ("REMOTE_COMMUNICATION", "type:mytype\nmy data".to_string()),
        ("PROCESS_GROUP_ADDED", "groupname:extra\n".to_string()),
        ("PROCESS_GROUP_REMOVED", "groupname:extra\n".to_string()),
        ("PROCESS_STATE_STOPPING", "processname:talker groupname:talker from_state:RUNNING pid:<PID>".to_string()),
        ("PROCESS_STATE_STOPPED", "processname:talker groupname:talker from_state:STOPPING pid:<PID>".to_string()),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_stream_matches_4_3_0() {
    let _one = ONE_AT_A_TIME.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir: PathBuf = tmp.path().to_path_buf();
    std::fs::write(dir.join("listener.sh"), LISTENER).unwrap();
    std::fs::write(dir.join("talker.sh"), TALKER).unwrap();
    let conf_path = dir.join("s.conf");
    std::fs::write(&conf_path, conf(&dir, false)).unwrap();
    let config = rsupervisor::config::load::load(&conf_path).expect("config loads");
    let log = MainLog::open(Some(&dir.join("main.log")), 0, 0, Level::Debug, false).unwrap();
    let mut sup = Supervisor::new(config, Some(log));
    sup.add_initial_groups().unwrap();
    let (h, rx) = SupervisorHandle::channel();
    let (ctl_tx, ctl_rx) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        let mut ctl_rx = ctl_rx;
        sup.run(rx, &mut ctl_rx).await
    });
    let ev = dir.join("events.txt");

    wait_for(&ev, "listener RUNNING", |e| e.iter().any(|x| x.0 == "PROCESS_STATE_RUNNING")).await;
    call(&h, "supervisor.startProcess", vec![s("talker")]).await;
    wait_for(&ev, "talker RUNNING", |e| count(e, "PROCESS_STATE_RUNNING") == 2).await;
    let steps: [(&str, &str, usize); 5] = [
        ("say", "PROCESS_LOG_STDOUT", 1),
        ("err", "PROCESS_LOG_STDERR", 1),
        ("cap", "PROCESS_COMMUNICATION_STDOUT", 1),
        ("say", "PROCESS_LOG_STDOUT", 3),
        ("crash", "PROCESS_STATE_RUNNING", 3),
    ];
    for (cmd, name, n) in steps {
        call(&h, "supervisor.sendProcessStdin", vec![s("talker"), s(&format!("{cmd}\n"))]).await;
        wait_for(&ev, cmd, |e| count(e, name) >= n).await;
    }
    assert_eq!(call(&h, "supervisor.sendRemoteCommEvent", vec![s("mytype"), s("my data")]).await, Value::Bool(true));
    wait_for(&ev, "remote", |e| count(e, "REMOTE_COMMUNICATION") == 1).await;
    std::fs::write(&conf_path, conf(&dir, true)).unwrap();
    call(&h, "supervisor.reloadConfig", vec![]).await;
    call(&h, "supervisor.addProcessGroup", vec![s("extra")]).await;
    wait_for(&ev, "group added", |e| count(e, "PROCESS_GROUP_ADDED") == 3).await;
    call(&h, "supervisor.removeProcessGroup", vec![s("extra")]).await;
    wait_for(&ev, "group removed", |e| count(e, "PROCESS_GROUP_REMOVED") == 1).await;
    call(&h, "supervisor.stopProcess", vec![s("talker")]).await;
    let evs = wait_for(&ev, "stopped", |e| count(e, "PROCESS_STATE_STOPPED") == 1).await;
    assert_eq!(evs, expected());

    let main_log = std::fs::read_to_string(dir.join("main.log")).unwrap();
    assert!(main_log.contains("DEBG 'rec' stdout output:\nb'READY\\n'"), "{main_log}");
    assert!(main_log.contains("DEBG rec: ACKNOWLEDGED -> READY"));
    assert!(main_log.contains("DEBG event 0 sent to listener rec"));
    assert!(main_log.contains("DEBG 'talker' stdout emitted a comm event"));

    ctl_tx.send(Control::Signal(libc::SIGTERM)).unwrap();
    tokio::time::timeout(Duration::from_secs(20), task).await.expect("daemon stops").unwrap();
    // The listener is stopped last and still gets the stopping event.
    let evs = recorded(&ev);
    assert_eq!(evs.last().unwrap().0, "SUPERVISOR_STATE_CHANGE_STOPPING", "{evs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tick_5_reaches_a_subscribed_pool() {
    let _one = ONE_AT_A_TIME.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir: PathBuf = tmp.path().to_path_buf();
    std::fs::write(dir.join("listener.sh"), LISTENER).unwrap();
    let d = dir.display();
    let conf_path = dir.join("s.conf");
    std::fs::write(
        &conf_path,
        format!(
            "[supervisord]\nlogfile={d}/main.log\npidfile={d}/s.pid\nchildlogdir={d}\n\n\
[eventlistener:ticker]\ncommand=/bin/sh {d}/listener.sh {d}/events.txt\nevents=TICK_5\n"
        ),
    )
    .unwrap();
    let config = rsupervisor::config::load::load(&conf_path).expect("config loads");
    let mut sup = Supervisor::new(config, None);
    sup.add_initial_groups().unwrap();
    let (_h, rx) = SupervisorHandle::channel();
    let (ctl_tx, ctl_rx) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        let mut ctl_rx = ctl_rx;
        sup.run(rx, &mut ctl_rx).await
    });
    let text = {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let t = std::fs::read_to_string(dir.join("events.txt")).unwrap_or_default();
            if t.contains("=====") {
                break t;
            }
            assert!(Instant::now() < deadline, "no TICK_5 within 15s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let (header, rest) = text.split_once('\n').unwrap();
    assert!(header.starts_with("ver:3.0 server:supervisor serial:0 pool:ticker poolserial:0 eventname:TICK_5 len:15"), "{header}");
    let when: u64 = rest.strip_prefix("when:").unwrap()[..10].parse().unwrap();
    assert_eq!(when % 5, 0);
    ctl_tx.send(Control::Signal(libc::SIGTERM)).unwrap();
    tokio::time::timeout(Duration::from_secs(20), task).await.expect("daemon stops").unwrap();
}
