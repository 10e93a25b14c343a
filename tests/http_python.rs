//! The stock Python clients against our HTTP servers (with a fake
//! supervisor task behind them): xmlrpc.client with supervisor's own
//! SupervisorTransport over the unix socket and TCP, and the stock
//! supervisorctl's `pid`, `tail -f` and `maintail -f`. Needs the harness
//! venv (RSUP_VENV); skipped when it is not set.

mod http_fake;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use http_fake::*;
use rsupervisor::http;
use tokio::io::AsyncReadExt;

fn venv() -> Option<PathBuf> {
    match std::env::var_os("RSUP_VENV") {
        Some(v) => Some(PathBuf::from(v)),
        None => {
            eprintln!("RSUP_VENV not set; skipping the Python client checks");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_xmlrpc_client_with_supervisor_transport() {
    let Some(venv) = venv() else { return };
    let dir = tempfile::tempdir().unwrap();
    let unix = unix_section(dir.path(), Some(("user", "{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d")));
    let inet = inet_section(Some(("user", "{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d")));
    let servers = http::serve_sections(Some(&unix), Some(&inet), fake_supervisor(FakeLogs::default())).await.unwrap();
    let script = r#"
import sys, xmlrpc.client as x
from supervisor.xmlrpc import SupervisorTransport
for url in sys.argv[1:]:
    p = x.ServerProxy('http://127.0.0.1', transport=SupervisorTransport('user', 'thepassword', url))
    assert p.supervisor.getVersion() == '3.0'
    assert p.supervisor.getPID() == 42          # same connection, kept alive
    assert p.supervisor.getProcessInfo('cat') == {'name': 'cat', 'pid': 7}
    try:
        p.supervisor.getProcessInfo('nope'); raise SystemExit('no fault')
    except x.Fault as f:
        assert (f.faultCode, f.faultString) == (10, 'BAD_NAME: nope'), f
    assert len(p.system.listMethods()) == 41
    r = p.system.multicall([{'methodName': 'supervisor.getVersion'}, {'methodName': 'x.y'}])
    assert r == ['3.0', {'faultCode': 1, 'faultString': 'UNKNOWN_METHOD'}], r
    assert p.supervisor.sendProcessStdin('cat', 'h\u00e9 & <x>\r\n') == 10  # XML reads \r\n as \n
    bad = x.ServerProxy('http://127.0.0.1', transport=SupervisorTransport('user', 'wrong', url))
    try:
        bad.supervisor.getVersion(); raise SystemExit('no 401')
    except x.ProtocolError as e:
        assert e.errcode == 401, e
print('ok')
"#;
    let unix_url = format!("unix://{}", unix.file.display());
    let tcp_url = format!("http://{}", servers.tcp_addr().unwrap());
    let out = tokio::process::Command::new(venv.join("bin/python"))
        .arg("-c")
        .arg(script)
        .arg(unix_url)
        .arg(tcp_url)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
}

/// Runs the stock supervisorctl with `args` until `want` shows in its
/// output (or a deadline), calls `then` once it has, and kills it.
async fn ctl_until(venv: &PathBuf, url: &str, args: &[&str], want: &[&str], then: impl FnOnce()) -> String {
    let mut child = tokio::process::Command::new(venv.join("bin/supervisorctl"))
        .arg("-s")
        .arg(url)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut got = Vec::new();
    let mut then = Some(then);
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut buf = [0u8; 4096];
    for w in want {
        while !String::from_utf8_lossy(&got).contains(w) {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, stdout.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
                _ => {
                    let _ = child.start_kill();
                    let mut err = String::new();
                    let _ = child.stderr.take().unwrap().read_to_string(&mut err).await;
                    panic!("waiting for {w:?}; got {:?}; stderr {err}", String::from_utf8_lossy(&got));
                }
            }
        }
        if let Some(f) = then.take() {
            f();
        }
    }
    let _ = child.start_kill();
    let _ = child.wait().await;
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_supervisorctl_pid_tail_f_and_maintail_f() {
    let Some(venv) = venv() else { return };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("cat.log");
    let main = dir.path().join("main.log");
    std::fs::write(&log, "first line\n").unwrap();
    std::fs::write(&main, "main first\n").unwrap();
    let mut logs = FakeLogs::default();
    logs.0.insert(("cat".into(), "stdout"), log.clone());
    logs.0.insert(("".into(), "stdout"), main.clone());
    let unix = unix_section(dir.path(), None);
    let _servers = http::serve_sections(Some(&unix), None, fake_supervisor(logs)).await.unwrap();
    let url = format!("unix://{}", unix.file.display());

    let out = tokio::process::Command::new(venv.join("bin/supervisorctl")).arg("-s").arg(&url).arg("pid").output().await.unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "42");

    let append = |path: PathBuf, text: &'static str| {
        move || {
            use std::io::Write;
            std::fs::OpenOptions::new().append(true).open(path).unwrap().write_all(text.as_bytes()).unwrap();
        }
    };
    let out = ctl_until(&venv, &url, &["tail", "-f", "cat"], &["first line", "grown later"], append(log.clone(), "grown later\n")).await;
    assert!(out.contains("==> Press Ctrl-C to exit <==") && out.contains("first line\ngrown later"), "{out}");
    let out = ctl_until(&venv, &url, &["maintail", "-f"], &["main first", "main later"], append(main.clone(), "main later\n")).await;
    assert!(out.contains("main first\nmain later"), "{out}");
}
