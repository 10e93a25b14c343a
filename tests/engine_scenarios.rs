//! Real-world configs: the tutorial's `[program:node]` with a stand-in
//! server, a Laravel-style worker group killed with `kill -9` and coming
//! back, and 1000 processes reaching RUNNING while getState keeps answering.

#[path = "engine_support.rs"]
mod support;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use rsupervisor::rpc::value::Value;
use support::*;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn http_get(port: u16) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tutorial_node_program_serves_and_comes_back_after_kill_9() {
    let _g = serial();
    let port = free_port();
    let r = start(&format!(
        "[program:node]\ncommand=python3 -m http.server {port} --bind 127.0.0.1\ndirectory={{dir}}\nautostart=true\nautorestart=true\nstderr_logfile={{dir}}/node.err.log\nstdout_logfile={{dir}}/node.out.log\n"
    ));
    r.wait_state("node", "RUNNING", 10).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let body = loop {
        if let Some(b) = http_get(port) {
            break b;
        }
        assert!(Instant::now() < deadline, "server never answered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(body.starts_with("HTTP/1.0 200"), "{body}");
    let pid = r.pid("node").await;
    unsafe { libc::kill(pid, libc::SIGKILL) };
    r.wait_log("WARN exited: node (terminated by SIGKILL; not expected)", 5).await;
    r.wait_state("node", "RUNNING", 10).await;
    let new_pid = r.pid("node").await;
    assert_ne!(new_pid, pid);
    let deadline = Instant::now() + Duration::from_secs(10);
    while http_get(port).is_none() {
        assert!(Instant::now() < deadline, "server did not come back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The access log goes to stderr.
    let err = std::fs::read_to_string(r.path("node.err.log")).unwrap();
    assert!(err.contains("\"GET / HTTP/1.0\" 200"), "{err}");
    r.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn laravel_worker_group_survives_kill_9() {
    let _g = serial();
    let r = start(concat!(
        "[program:laravel-worker]\nprocess_name=%(program_name)s_%(process_num)02d\n",
        "command=sh -c 'while true; do sleep 1; done'\nautostart=true\nautorestart=true\n",
        "stopasgroup=true\nkillasgroup=true\nnumprocs=8\nredirect_stderr=true\n",
        "stdout_logfile={dir}/worker.log\nstopwaitsecs=3600\n",
    ));
    let names: Vec<String> = (0..8).map(|i| format!("laravel-worker:laravel-worker_{i:02}")).collect();
    for n in &names {
        r.wait_state(n, "RUNNING", 10).await;
    }
    let victim = &names[3];
    let pid = r.pid(victim).await;
    unsafe { libc::kill(pid, libc::SIGKILL) };
    r.wait_log("exited: laravel-worker_03 (terminated by SIGKILL; not expected)", 5).await;
    r.wait_state(victim, "RUNNING", 10).await;
    assert_ne!(r.pid(victim).await, pid);
    // `supervisorctl start laravel-worker:*` on a running group: nothing to do.
    let res = r.call("startProcessGroup", vec![Value::str("laravel-worker")]).await.unwrap();
    assert_eq!(res, Value::Array(vec![]));
    let res = r.call("stopProcess", vec![Value::str("laravel-worker:*")]).await.unwrap();
    let Value::Array(items) = res else { panic!() };
    assert_eq!(items.len(), 8);
    for n in &names {
        assert_eq!(r.state(n).await, "STOPPED");
    }
    r.shutdown().await;
}

fn raise_nofile() {
    let mut rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl);
        rl.rlim_cur = rl.rlim_max.min(65536);
        libc::setrlimit(libc::RLIMIT_NOFILE, &rl);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_processes_reach_running_while_get_state_answers() {
    let _g = serial();
    raise_nofile();
    let r = start(
        "[program:many]\ncommand=sleep 1000\nnumprocs=1000\nprocess_name=%(program_name)s_%(process_num)03d\nstartsecs=1\nstdout_logfile=NONE\nstderr_logfile=NONE\n",
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut worst = Duration::ZERO;
    loop {
        let t = Instant::now();
        let st = r.call("getState", vec![]).await.unwrap();
        worst = worst.max(t.elapsed());
        assert_eq!(field(&st, "statename").as_str(), Some("RUNNING"));
        let Value::Array(all) = r.call("getAllProcessInfo", vec![]).await.unwrap() else { panic!() };
        assert_eq!(all.len(), 1000);
        let running = all.iter().filter(|i| field(i, "statename").as_str() == Some("RUNNING")).count();
        if running == 1000 {
            break;
        }
        assert!(Instant::now() < deadline, "only {running} of 1000 RUNNING");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(worst < Duration::from_secs(2), "getState took {worst:?}");
    let log = r.shutdown().await;
    assert_eq!(log.matches("WARN stopped: many_").count(), 1000);
}
