//! fcgi-program groups: the daemon creates the socket once per group and
//! hands it to every process as fd 0; removing the group closes it.

#[path = "engine_support.rs"]
mod support;

use std::io::Read;
use std::time::{Duration, Instant};

use rsupervisor::rpc::value::Value;
use support::*;

/// A program that serves one line per connection on the listening fd 0.
const SERVER: &str = "python3 -c \"import socket,os; s=socket.socket(fileno=0); \
[(c.sendall(b'hi from '+str(os.getpid()).encode()+b'\\\\n'), c.close()) for c,_ in iter(s.accept, None)]\"";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn fetch_tcp(port: u16) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_socket_shared_by_the_group_and_closed_on_removal() {
    let _g = serial();
    let port = free_port();
    let r = start(&format!(
        "[fcgi-program:f]\nsocket=tcp://127.0.0.1:{port}\ncommand={SERVER}\nnumprocs=2\n\
         process_name=%(program_name)s_%(process_num)s\nstartsecs=0\n"
    ));
    r.wait_state("f:f_0", "RUNNING", 10).await;
    r.wait_state("f:f_1", "RUNNING", 10).await;
    let pids = [r.pid("f:f_0").await, r.pid("f:f_1").await];
    let deadline = Instant::now() + Duration::from_secs(10);
    let reply = loop {
        if let Some(s) = fetch_tcp(port) {
            break s;
        }
        assert!(Instant::now() < deadline, "no answer on the fcgi socket");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let pid: i32 = reply.trim().strip_prefix("hi from ").unwrap().parse().unwrap();
    assert!(pids.contains(&pid), "{reply} not from {pids:?}");
    // Both children hold the same socket as fd 0.
    let inode = |p: i32| std::fs::read_link(format!("/proc/{p}/fd/0")).unwrap();
    assert_eq!(inode(pids[0]), inode(pids[1]));
    assert!(inode(pids[0]).to_string_lossy().starts_with("socket:"));

    r.call("stopProcessGroup", vec![Value::str("f")]).await.unwrap();
    assert_eq!(r.call("removeProcessGroup", vec![Value::str("f")]).await, Ok(Value::Bool(true)));
    // The daemon closed its copy: nobody listens any more.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    r.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unix_socket_with_mode() {
    let _g = serial();
    let r = start(&format!(
        "[fcgi-program:u]\nsocket=unix://{{dir}}/fcgi.sock\nsocket_mode=0600\ncommand={SERVER}\nstartsecs=0\n"
    ));
    r.wait_state("u", "RUNNING", 10).await;
    let path = r.path("fcgi.sock");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    let deadline = Instant::now() + Duration::from_secs(10);
    let reply = loop {
        let got = std::os::unix::net::UnixStream::connect(&path).ok().and_then(|mut s| {
            s.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
            let mut out = String::new();
            s.read_to_string(&mut out).ok()?;
            Some(out)
        });
        if let Some(s) = got {
            break s;
        }
        assert!(Instant::now() < deadline, "no answer on the unix fcgi socket");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(reply, format!("hi from {}\n", r.pid("u").await));
    r.shutdown().await;
}
