//! The process state machine end to end through the supervisor handle:
//! startsecs, BACKOFF→FATAL after startretries, autorestart=unexpected,
//! stopwaitsecs escalation to SIGKILL, stopasgroup, priority order.

#[path = "engine_support.rs"]
mod support;

use std::time::Duration;

use rsupervisor::rpc::value::{codes, Value};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backoff_to_fatal_after_startretries() {
    let _g = serial();
    let r = start(
        "[program:quick]\ncommand=sh -c 'echo hi; exit 3'\nstartsecs=1\nstartretries=2\nautorestart=true\n",
    );
    r.wait_state("quick", "FATAL", 15).await;
    let info = r.info("quick").await;
    assert_eq!(field(&info, "description").as_str(), Some("Exited too quickly (process log may have details)"));
    assert_eq!(field(&info, "state").as_int(), Some(200));
    let msgs = r.mainlog_messages();
    let spawned = msgs.iter().filter(|m| m.starts_with("INFO spawned: 'quick' with pid ")).count();
    assert_eq!(spawned, 3, "{msgs:#?}");
    let exited = msgs.iter().filter(|m| *m == "WARN exited: quick (exit status 3; not expected)").count();
    assert_eq!(exited, 3, "{msgs:#?}");
    assert!(msgs.contains(&"INFO gave up: quick entered FATAL state, too many start retries too quickly".to_string()));
    // Output reached the AUTO log.
    let log = field(&info, "stdout_logfile").as_str().unwrap().to_string();
    assert_eq!(std::fs::read_to_string(log).unwrap(), "hi\nhi\nhi\n");
    r.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_after_startsecs_and_autorestart_unexpected() {
    let _g = serial();
    let r = start(concat!(
        "[program:ok]\ncommand=sleep 1000\nstartsecs=1\n\n",
        "[program:expected]\ncommand=sh -c 'sleep 0.2; exit 2'\nstartsecs=0\nautorestart=unexpected\nexitcodes=0,2\n\n",
        "[program:unexpected]\ncommand=sh -c 'sleep 0.2; exit 3'\nstartsecs=0\nautorestart=unexpected\nexitcodes=0,2\n",
    ));
    r.wait_state("ok", "RUNNING", 5).await;
    r.wait_log("INFO success: ok entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)", 5).await;
    let d = field(&r.info("ok").await, "description").as_str().unwrap().to_string();
    assert!(d.starts_with("pid ") && d.contains(", uptime 0:00:0"), "{d}");

    r.wait_state("expected", "EXITED", 5).await;
    r.wait_log("INFO exited: expected (exit status 2; expected)", 5).await;
    // Unexpected exits restart: wait for a second spawn.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let n = r.mainlog_messages().iter().filter(|m| m.starts_with("INFO spawned: 'unexpected'")).count();
        if n >= 3 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{}", r.mainlog());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(r.mainlog().contains("WARN exited: unexpected (exit status 3; not expected)"));
    // The expected one stayed down.
    let n = r.mainlog_messages().iter().filter(|m| m.starts_with("INFO spawned: 'expected'")).count();
    assert_eq!(n, 1);
    let info = r.info("expected").await;
    assert_eq!(field(&info, "exitstatus").as_int(), Some(2));
    r.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_escalates_to_sigkill_after_stopwaitsecs() {
    let _g = serial();
    let r = start(
        "[program:ign]\ncommand=sh -c \"trap '' TERM; echo started; while true; do sleep 0.1; done\"\nstartsecs=0\nstopwaitsecs=1\n",
    );
    r.wait_state("ign", "RUNNING", 5).await;
    r.wait_log("started", 5).await;
    let pid = r.pid("ign").await;
    let t0 = std::time::Instant::now();
    let res = r.call("stopProcess", vec![Value::str("ign")]).await;
    assert_eq!(res, Ok(Value::Bool(true)));
    assert!(t0.elapsed() >= Duration::from_millis(900), "answered before the SIGKILL");
    assert_eq!(r.state("ign").await, "STOPPED");
    assert!(!pid_alive(pid));
    let msgs = r.mainlog_messages();
    let want = [
        format!("DEBG killing ign (pid {pid}) with signal SIGTERM"),
        "INFO waiting for ign to stop".to_string(),
        format!("WARN killing 'ign' ({pid}) with SIGKILL"),
        format!("DEBG killing ign (pid {pid}) with signal SIGKILL"),
        "WARN stopped: ign (terminated by SIGKILL)".to_string(),
    ];
    let mut at = 0;
    for m in &msgs {
        if at < want.len() && *m == want[at] {
            at += 1;
        }
    }
    assert_eq!(at, want.len(), "missing {:?} in order:\n{msgs:#?}", want.get(at));
    // Stopping it again: NOT_RUNNING.
    let err = r.call("stopProcess", vec![Value::str("ign")]).await.unwrap_err();
    assert_eq!((err.code, err.string.as_str()), (codes::NOT_RUNNING, "NOT_RUNNING: ign"));
    r.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopasgroup_leaves_no_orphans() {
    let _g = serial();
    let r = start(concat!(
        "[program:grp]\ncommand=sh -c 'sleep 1000 & sleep 1000 & wait'\nstartsecs=0\nstopasgroup=true\n\n",
        "[program:nogrp]\ncommand=sh -c 'sleep 1000 & sleep 1000 & wait'\nstartsecs=0\n",
    ));
    r.wait_state("grp", "RUNNING", 5).await;
    r.wait_state("nogrp", "RUNNING", 5).await;
    let mut kids = Vec::new();
    let mut plain_kids = Vec::new();
    for _ in 0..100 {
        kids = children_of(r.pid("grp").await);
        plain_kids = children_of(r.pid("nogrp").await);
        if kids.len() == 2 && plain_kids.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(kids.len(), 2);
    r.call("stopProcess", vec![Value::str("grp")]).await.unwrap();
    for k in &kids {
        for _ in 0..100 {
            if !pid_alive(*k) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!pid_alive(*k), "child {k} of a stopasgroup program survived");
    }
    assert!(r.mainlog().contains("with signal SIGTERM"));
    assert!(r.mainlog().contains("killing grp (pid"));
    // Without stopasgroup the shell's children outlive it (4.3.0 behaviour).
    r.call("stopProcess", vec![Value::str("nogrp")]).await.unwrap();
    for k in &plain_kids {
        assert!(pid_alive(*k), "without stopasgroup the children stay");
        unsafe { libc::kill(*k, libc::SIGKILL) };
    }
    r.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn priority_orders_start_and_stop() {
    let _g = serial();
    let r = start(concat!(
        "[program:c]\ncommand=sleep 1000\npriority=30\nstartsecs=0\n\n",
        "[program:a]\ncommand=sleep 1000\npriority=10\nstartsecs=0\n\n",
        "[program:b]\ncommand=sleep 1000\npriority=20\nstartsecs=0\n",
    ));
    for n in ["a", "b", "c"] {
        r.wait_state(n, "RUNNING", 5).await;
    }
    let log = r.shutdown().await;
    let order = |prefix: &str| -> Vec<String> {
        log.lines()
            .filter_map(|l| l.split_once(prefix).map(|(_, rest)| rest.chars().next().unwrap().to_string()))
            .collect()
    };
    assert_eq!(order("spawned: '"), ["a", "b", "c"]);
    assert_eq!(order("stopped: "), ["c", "b", "a"]);
    assert!(log.contains("WARN received SIGTERM indicating exit request"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killasgroup_sigkills_the_whole_group_after_stopwaitsecs() {
    let _g = serial();
    let r = start(
        "[program:kg]\ncommand=sh -c \"trap '' TERM; sleep 1000 & while true; do sleep 0.1; done\"\nstartsecs=0\nstopwaitsecs=1\nkillasgroup=true\n",
    );
    r.wait_state("kg", "RUNNING", 5).await;
    let pid = r.pid("kg").await;
    let mut sleeper = None;
    for _ in 0..100 {
        // The long sleep is the child whose cmdline says 1000.
        sleeper = children_of(pid).into_iter().find(|c| {
            std::fs::read_to_string(format!("/proc/{c}/cmdline")).map(|s| s.contains("1000")).unwrap_or(false)
        });
        if sleeper.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sleeper = sleeper.expect("background sleep started");
    r.call("stopProcess", vec![Value::str("kg")]).await.unwrap();
    let log = r.mainlog();
    assert!(log.contains(&format!("DEBG killing kg (pid {pid}) with signal SIGTERM")), "{log}");
    assert!(log.contains(&format!("DEBG killing kg (pid {pid}) process group with signal SIGKILL")), "{log}");
    for _ in 0..100 {
        if !pid_alive(sleeper) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!pid_alive(sleeper), "the group's other process survived SIGKILL");
    r.shutdown().await;
}
