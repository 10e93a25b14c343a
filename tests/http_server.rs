//! The HTTP servers against a fake supervisor task: unix and TCP at once,
//! auth, XML-RPC dispatch and system.*, bad input, body limit, slow clients,
//! concurrency, socket file handling and logtail streaming.

mod http_fake;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use http_fake::*;
use hyper::Request;
use rsupervisor::http::{self, listen};
use rsupervisor::rpc::value::{structure, Fault, Value};

async fn start(
    dir: &std::path::Path,
    auth: Option<(&str, &str)>,
    logs: FakeLogs,
) -> (http::Servers, Target, Target) {
    let handle = fake_supervisor(logs);
    let unix = unix_section(dir, auth);
    let inet = inet_section(auth);
    let servers = http::serve_sections(Some(&unix), Some(&inet), handle).await.expect("serve");
    let tcp = Target::Tcp(servers.tcp_addr().unwrap());
    (servers, Target::Unix(unix.file.clone()), tcp)
}

#[tokio::test]
async fn unix_and_tcp_serve_rpc_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (servers, unix, tcp) = start(dir.path(), None, FakeLogs::default()).await;
    assert_eq!(call(&unix, "supervisor.getVersion", &[]).await, Ok(Value::str("3.0")));
    assert_eq!(call(&tcp, "supervisor.getPID", &[]).await, Ok(Value::Int(42)));
    assert_eq!(
        call(&tcp, "supervisor.getProcessInfo", &[Value::str("nope")]).await,
        Err(Fault::raw(10, "BAD_NAME: nope"))
    );
    let mode = std::fs::metadata(dir.path().join("supervisor.sock")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    servers.shutdown().await;
    assert!(!dir.path().join("supervisor.sock").exists(), "socket file removed at shutdown");
}

#[tokio::test]
async fn system_methods_and_unknown_methods() {
    let dir = tempfile::tempdir().unwrap();
    let (_servers, unix, _) = start(dir.path(), None, FakeLogs::default()).await;
    let Ok(Value::Array(names)) = call(&unix, "system.listMethods", &[]).await else { panic!() };
    assert_eq!(names.len(), 41);
    assert_eq!(names[0], Value::str("supervisor.addProcessGroup"));
    assert_eq!(names[40], Value::str("system.multicall"));
    assert_eq!(
        call(&unix, "system.methodSignature", &[Value::str("supervisor.readProcessStdoutLog")]).await,
        Ok(Value::Array(vec![Value::str("string"), Value::str("string"), Value::str("int"), Value::str("int")]))
    );
    let Ok(Value::String(help)) = call(&unix, "system.methodHelp", &[Value::str("supervisor.getPID")]).await else {
        panic!()
    };
    assert!(help.contains("@return int"), "{help}");
    assert_eq!(call(&unix, "system.methodHelp", &[Value::str("x.y")]).await, Err(Fault::raw(4, "SIGNATURE_UNSUPPORTED")));
    for m in ["nope.x", "supervisor.nope", "system.nope", "a.b.c", "nodots", "supervisor._private", "twiddler.getGroupNames"] {
        assert_eq!(call(&unix, m, &[]).await, Err(Fault::raw(1, "UNKNOWN_METHOD")), "{m}");
    }
    assert_eq!(call(&unix, "supervisor.getPID", &[Value::Int(1)]).await, Err(Fault::raw(2, "INCORRECT_PARAMETERS")));
    assert_eq!(call(&unix, "system.listMethods", &[Value::Int(1)]).await, Err(Fault::raw(2, "INCORRECT_PARAMETERS")));
    assert_eq!(call(&unix, "supervisor.getProcessInfo", &[]).await, Err(Fault::raw(2, "INCORRECT_PARAMETERS")));
}

fn mc(method: Option<&str>, params: Option<Vec<Value>>) -> Value {
    let mut pairs = Vec::new();
    if let Some(m) = method {
        pairs.push(("methodName", Value::str(m)));
    }
    if let Some(p) = params {
        pairs.push(("params", Value::Array(p)));
    }
    structure(pairs)
}

fn fault(code: i64, s: &str) -> Value {
    structure([("faultCode", Value::Int(code)), ("faultString", Value::str(s))])
}

/// The result shapes observed on supervisord 4.3.0: bare values for
/// successes, fault structs for failures.
#[tokio::test]
async fn multicall_result_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let (_servers, unix, _) = start(dir.path(), None, FakeLogs::default()).await;
    let calls = Value::Array(vec![
        mc(Some("supervisor.getVersion"), Some(vec![])),
        mc(Some("supervisor.getPID"), None),
        mc(None, Some(vec![])),
        mc(Some("system.multicall"), Some(vec![Value::Array(vec![])])),
        mc(Some("nope.x"), None),
        mc(Some("supervisor.getProcessInfo"), Some(vec![Value::str("zzz")])),
        mc(Some("supervisor.getPID"), Some(vec![Value::Int(1)])),
        mc(Some("supervisor.startProcess"), Some(vec![Value::str("cat")])),
        mc(Some("system.methodSignature"), Some(vec![Value::str("supervisor.getPID")])),
        structure([("methodName", Value::Int(5))]),
    ]);
    let result = call(&unix, "system.multicall", &[calls]).await.unwrap();
    assert_eq!(
        result,
        Value::Array(vec![
            Value::str("3.0"),
            Value::Int(42),
            fault(2, "INCORRECT_PARAMETERS: No methodName"),
            fault(2, "INCORRECT_PARAMETERS: Recursive system.multicall forbidden"),
            fault(1, "UNKNOWN_METHOD"),
            fault(10, "BAD_NAME: zzz"),
            fault(2, "INCORRECT_PARAMETERS"),
            Value::Bool(true),
            Value::Array(vec![Value::str("int")]),
            fault(2, "INCORRECT_PARAMETERS: methodName must be a string"),
        ])
    );
    assert_eq!(call(&unix, "system.multicall", &[Value::Int(5)]).await, Err(Fault::raw(2, "INCORRECT_PARAMETERS")));
    assert_eq!(call(&unix, "system.multicall", &[]).await, Err(Fault::raw(2, "INCORRECT_PARAMETERS")));
    // An entry that is not a struct refuses the whole batch before any call runs.
    let batch = Value::Array(vec![mc(Some("supervisor.getPID"), None), Value::str("not a struct")]);
    assert_eq!(call(&unix, "system.multicall", &[batch]).await, Err(Fault::raw(2, "INCORRECT_PARAMETERS")));
}

#[tokio::test]
async fn auth_plain_sha_wrong_missing() {
    let dir = tempfile::tempdir().unwrap();
    let logs = FakeLogs::default();
    let (_s1, unix, tcp) = start(dir.path(), Some(("user", "123")), logs.clone()).await;
    for target in [&unix, &tcp] {
        let ok = send(target, rpc_request("supervisor.getVersion", &[], Some(&basic("user:123")))).await;
        assert_eq!(ok.status(), 200);
        for bad in [Some(basic("user:wrong")), Some(basic("other:123")), Some("Basic !!!".to_string()), None] {
            let resp = send(target, rpc_request("supervisor.getVersion", &[], bad.as_deref())).await;
            assert_eq!(resp.status(), 401, "{bad:?}");
            assert_eq!(resp.headers()["www-authenticate"], "Basic realm=\"default\"");
            let body = body_text(resp).await;
            assert!(body.contains("Error code 401.") && !body.contains("3.0"), "{body}");
        }
        // Every path is protected, the log tails included.
        let req = Request::get("/logtail/cat").header("Host", "x").body(Full::new(Bytes::new())).unwrap();
        assert_eq!(send(target, req).await.status(), 401);
        let req = Request::get("/mainlogtail").header("Host", "x").body(Full::new(Bytes::new())).unwrap();
        assert_eq!(send(target, req).await.status(), 401);
    }
    // A client that sends its whole body before reading gets the 401, not
    // a reset connection.
    let mut s = tcp.connect().await;
    let body = vec![b' '; 512 * 1024];
    let head = format!("POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", body.len());
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body).await.expect("whole body accepted");
    let out = s.read_until_close(Duration::from_secs(5)).await;
    assert!(out.starts_with(b"HTTP/1.1 401"), "{}", String::from_utf8_lossy(&out));
    let dir2 = tempfile::tempdir().unwrap();
    // {SHA} + hex sha1 of "thepassword"
    let (_s2, unix2, _) =
        start(dir2.path(), Some(("u", "{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d")), logs).await;
    let ok = send(&unix2, rpc_request("supervisor.getVersion", &[], Some(&basic("u:thepassword")))).await;
    assert_eq!(ok.status(), 200);
    let bad = send(&unix2, rpc_request("supervisor.getVersion", &[], Some(&basic("u:82ab876d1387bfafe46cc1c8a2ef074eae50cb1d")))).await;
    assert_eq!(bad.status(), 401);
}

#[tokio::test]
async fn bad_requests_get_clean_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (_servers, unix, tcp) = start(dir.path(), None, FakeLogs::default()).await;
    let post = |body: &'static [u8]| {
        Request::post("/RPC2").header("Host", "x").body(Full::new(Bytes::from_static(body))).unwrap()
    };
    for body in [&b""[..], b"garbage", b"<methodCall><methodName>a\xff</methodName></methodCall>", b"<methodCall>"] {
        let resp = tokio::time::timeout(Duration::from_secs(5), send(&unix, post(body))).await.expect("no hang");
        assert_eq!(resp.status(), 400, "{body:?}");
        assert!(body_text(resp).await.contains("Error code 400."));
    }
    let get = Request::get("/RPC2").header("Host", "x").body(Full::new(Bytes::new())).unwrap();
    assert_eq!(send(&tcp, get).await.status(), 400);
    let get = Request::get("/nothing.html").header("Host", "x").body(Full::new(Bytes::new())).unwrap();
    assert_eq!(send(&tcp, get).await.status(), 404);
    // supervisord's fallback handler takes only GET and HEAD.
    let post = Request::post("/nope").header("Host", "x").body(Full::new(Bytes::from_static(b"x"))).unwrap();
    assert_eq!(send(&tcp, post).await.status(), 400);
    // A POST with no body and no Content-Length at all over HTTP/1.0.
    let mut s = unix.connect().await;
    s.write_all(b"POST /RPC2 HTTP/1.0\r\n\r\n").await.unwrap();
    let out = s.read_until_close(Duration::from_secs(5)).await;
    assert!(out.starts_with(b"HTTP/1.0 400"), "{}", String::from_utf8_lossy(&out));
}

#[tokio::test]
async fn oversized_body_is_refused_without_buffering() {
    let dir = tempfile::tempdir().unwrap();
    let (_servers, unix, _) = start(dir.path(), None, FakeLogs::default()).await;
    let mut s = unix.connect().await;
    let head = format!("POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", 100 * 1024 * 1024);
    s.write_all(head.as_bytes()).await.unwrap();
    let _ = s.write_all(&vec![b'x'; 64 * 1024]).await;
    // The client stops sending: the 413 comes once it pauses.
    let out = s.read_until_close(Duration::from_secs(5)).await;
    assert!(out.starts_with(b"HTTP/1.1 413"), "{}", String::from_utf8_lossy(&out));
    // A client that sends all of a 40 MiB body before reading (as Python's
    // http.client does) still gets the 413 rather than a reset connection.
    let mut s = unix.connect().await;
    let size = 40 * 1024 * 1024;
    let head = format!("POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    let block = vec![b'x'; 1024 * 1024];
    for _ in 0..40 {
        s.write_all(&block).await.expect("the server reads the whole body");
    }
    let out = s.read_until_close(Duration::from_secs(10)).await;
    assert!(out.starts_with(b"HTTP/1.1 413"), "{}", String::from_utf8_lossy(&out));
    // A chunked body that grows past the cap is cut off too.
    let mut s = unix.connect().await;
    s.write_all(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").await.unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 1024 * 1024, "y".repeat(1024 * 1024));
    for _ in 0..20 {
        if s.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let out = s.read_until_close(Duration::from_secs(5)).await;
    assert!(out.starts_with(b"HTTP/1.1 413"), "{}", String::from_utf8_lossy(&out[..out.len().min(200)]));
    // The server is still fine.
    assert_eq!(call(&unix, "supervisor.getPID", &[]).await, Ok(Value::Int(42)));
}

#[tokio::test]
async fn slow_and_dropped_clients_block_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let (_servers, unix, tcp) = start(dir.path(), None, FakeLogs::default()).await;
    // One client stops halfway through its headers, one halfway through its
    // body, one starts a slow wait=true call and hangs up.
    let mut half_headers = unix.connect().await;
    half_headers.write_all(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Le").await.unwrap();
    let mut half_body = tcp.connect().await;
    half_body.write_all(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n<methodCall>").await.unwrap();
    {
        let mut dropped = unix.connect().await;
        let body = rsupervisor::rpc::codec::write_call("supervisor.startProcess", &[Value::str("cat")]);
        let head = format!("POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", body.len());
        dropped.write_all(head.as_bytes()).await.unwrap();
        dropped.write_all(&body).await.unwrap();
    }
    let fast = async {
        assert_eq!(call(&unix, "supervisor.getVersion", &[]).await, Ok(Value::str("3.0")));
        assert_eq!(call(&tcp, "supervisor.getVersion", &[]).await, Ok(Value::str("3.0")));
    };
    tokio::time::timeout(Duration::from_secs(2), fast).await.expect("not blocked by the stalled clients");
    // A slow call (3 s) on one connection does not delay a fast one on another.
    let slow_target = unix.clone();
    let slow = tokio::spawn(async move { call(&slow_target, "supervisor.stopProcess", &[Value::str("cat")]).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let t = Instant::now();
    assert_eq!(call(&unix, "supervisor.getPID", &[]).await, Ok(Value::Int(42)));
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert!(!slow.is_finished(), "the slow call is still running");
    assert_eq!(slow.await.unwrap(), Ok(Value::Bool(true)));
    drop((half_headers, half_body));
}

#[tokio::test]
async fn a_thousand_concurrent_connections() {
    let dir = tempfile::tempdir().unwrap();
    let (_servers, unix, tcp) = start(dir.path(), None, FakeLogs::default()).await;
    // Open all connections first so they are really concurrent.
    let mut streams = Vec::new();
    for i in 0..1000 {
        let target = if i % 2 == 0 { &unix } else { &tcp };
        streams.push(target.connect().await);
    }
    let body = rsupervisor::rpc::codec::write_call("supervisor.getPID", &[]);
    let head = format!("POST /RPC2 HTTP/1.0\r\nContent-Length: {}\r\n\r\n", body.len());
    let mut tasks = Vec::new();
    for mut s in streams {
        let (head, body) = (head.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            s.write_all(head.as_bytes()).await.unwrap();
            s.write_all(&body).await.unwrap();
            let out = s.read_until_close(Duration::from_secs(30)).await;
            String::from_utf8_lossy(&out).into_owned()
        }));
    }
    for t in tasks {
        let out = t.await.unwrap();
        assert!(out.starts_with("HTTP/1.0 200") && out.contains("<int>42</int>"), "{out}");
    }
}

#[tokio::test]
async fn keep_alive_and_http_1_0() {
    let dir = tempfile::tempdir().unwrap();
    let (_servers, unix, _) = start(dir.path(), None, FakeLogs::default()).await;
    let body = rsupervisor::rpc::codec::write_call("supervisor.getPID", &[]);
    // HTTP/1.1: two requests on one connection, as Python's client does.
    let mut s = unix.connect().await;
    let head = format!("POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", body.len());
    let mut two = head.clone().into_bytes();
    two.extend_from_slice(&body);
    two.extend_from_slice(head.as_bytes());
    two.extend_from_slice(&body);
    s.write_all(&two).await.unwrap();
    let out = s.read_until_count("</methodResponse>", 2, Duration::from_secs(10)).await;
    let out = String::from_utf8_lossy(&out).into_owned();
    assert_eq!(out.matches("HTTP/1.1 200 OK").count(), 2, "{out}");
    // HTTP/1.0 without keep-alive: one answer, then the server closes.
    let mut s = unix.connect().await;
    let head = format!("POST /RPC2 HTTP/1.0\r\nContent-Length: {}\r\n\r\n", body.len());
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body).await.unwrap();
    // read_until_close returns early only if the server closes.
    let t = Instant::now();
    let out = String::from_utf8_lossy(&s.read_until_close(Duration::from_secs(10)).await).into_owned();
    assert!(out.starts_with("HTTP/1.0 200 OK") && out.contains("<int>42</int>"), "{out}");
    assert!(t.elapsed() < Duration::from_secs(8), "the server closed the connection");
}

#[tokio::test]
async fn unix_socket_stale_and_live() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = unix_section(dir.path(), None);
    // A socket file nobody listens on is replaced.
    drop(std::os::unix::net::UnixListener::bind(&cfg.file).unwrap());
    assert!(cfg.file.exists());
    let handle = fake_supervisor(FakeLogs::default());
    let servers = http::serve_sections(Some(&cfg), None, handle.clone()).await.expect("stale socket replaced");
    let target = Target::Unix(cfg.file.clone());
    assert_eq!(call(&target, "supervisor.getPID", &[]).await, Ok(Value::Int(42)));
    // A second server on the same live socket is refused, and does not
    // disturb the first.
    let err = http::serve_sections(Some(&cfg), None, handle.clone()).await.unwrap_err();
    assert_eq!(err, listen::ADDRESS_IN_USE);
    assert_eq!(call(&target, "supervisor.getPID", &[]).await, Ok(Value::Int(42)));
    // A regular file in the way that is not a socket is also replaced
    // (supervisord treats anything that does not answer as stale).
    drop(servers);
    std::fs::write(&cfg.file, b"junk").unwrap();
    let _servers = http::serve_sections(Some(&cfg), None, handle).await.expect("replaced");
    assert_eq!(call(&target, "supervisor.getPID", &[]).await, Ok(Value::Int(42)));
}

#[tokio::test]
async fn tcp_port_in_use_and_address_forms() {
    let handle = fake_supervisor(FakeLogs::default());
    let first = http::serve_sections(None, Some(&inet_section(None)), handle.clone()).await.unwrap();
    let port = first.tcp_addr().unwrap().port();
    let mut taken = inet_section(None);
    taken.port = port;
    assert_eq!(http::serve_sections(None, Some(&taken), handle.clone()).await.unwrap_err(), listen::ADDRESS_IN_USE);
    for host in ["", "*", "localhost", "127.0.0.1"] {
        let cfg = rsupervisor::config::InetHttpConfig { host: host.into(), port: 0, username: None, password: None };
        let s = http::serve_sections(None, Some(&cfg), handle.clone()).await.unwrap_or_else(|e| panic!("{host}: {e}"));
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], s.tcp_addr().unwrap().port()));
        assert_eq!(call(&Target::Tcp(addr), "supervisor.getPID", &[]).await, Ok(Value::Int(42)), "{host}");
    }
    let bad = rsupervisor::config::InetHttpConfig { host: "no-such-host.invalid".into(), port: 0, username: None, password: None };
    assert!(http::serve_sections(None, Some(&bad), handle).await.unwrap_err().starts_with("Cannot open an HTTP server"));
}

/// Reads chunks from a streaming response until `want` appears in what was
/// received, or panics after a deadline.
async fn read_until(body: &mut hyper::body::Incoming, got: &mut String, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !got.contains(want) {
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = tokio::time::timeout(left, body.frame()).await.unwrap_or_else(|_| panic!("waiting for {want:?}, got {got:?}"));
        let frame = frame.expect("stream ended").expect("frame");
        if let Ok(data) = frame.into_data() {
            got.push_str(&String::from_utf8_lossy(&data));
        }
    }
}

#[tokio::test]
async fn logtail_streams_growth_truncation_and_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("cat.log");
    let main = dir.path().join("main.log");
    let start_text: String = (0..200).map(|i| format!("line{i:04}\n")).collect(); // 1800 bytes
    std::fs::write(&log, &start_text).unwrap();
    std::fs::write(&main, "main log\n").unwrap();
    let mut logs = FakeLogs::default();
    logs.0.insert(("cat".into(), "stdout"), log.clone());
    logs.0.insert(("g:cat".into(), "stderr"), log.clone());
    logs.0.insert(("gone".into(), "stdout"), dir.path().join("never-written.log"));
    logs.0.insert(("".into(), "stdout"), main.clone());
    let (_servers, unix, tcp) = start(dir.path(), None, logs).await;

    let get = |path: &str| Request::get(path).header("Host", "x").body(Full::new(Bytes::new())).unwrap();
    let resp = send(&unix, get("/logtail/cat")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/plain;charset=utf-8");
    assert_eq!(resp.headers()["x-accel-buffering"], "no");
    assert!(resp.headers().contains_key("last-modified"));
    assert_eq!(resp.headers()["transfer-encoding"], "chunked");
    let mut body = resp.into_body();
    let mut got = String::new();
    read_until(&mut body, &mut got, "line0199\n").await;
    // The first bytes are the last 1024 of the file.
    assert_eq!(got, start_text[start_text.len() - 1024..]);

    use std::io::Write;
    std::fs::OpenOptions::new().append(true).open(&log).unwrap().write_all(b"appended\n").unwrap();
    read_until(&mut body, &mut got, "appended\n").await;

    std::fs::write(&log, "").unwrap();
    read_until(&mut body, &mut got, "==> File truncated <==\n").await;
    std::fs::OpenOptions::new().append(true).open(&log).unwrap().write_all(b"after truncate\n").unwrap();
    read_until(&mut body, &mut got, "after truncate\n").await;

    // Rotation: the name now points at a new file, which is sent from its start.
    std::fs::rename(&log, dir.path().join("cat.log.1")).unwrap();
    std::fs::write(&log, "fresh file\n").unwrap();
    read_until(&mut body, &mut got, "fresh file\n").await;
    drop(body);

    // Other names and channels.
    let resp = send(&tcp, get("/logtail/g%3Acat/stderr")).await;
    assert_eq!(resp.status(), 200);
    let mut got = String::new();
    read_until(&mut resp.into_body(), &mut got, "fresh file\n").await;
    for missing in ["/logtail/nope", "/logtail/cat/stderr", "/logtail/cat/bogus", "/logtail/gone", "/logtail", "/logtail/"] {
        assert_eq!(send(&unix, get(missing)).await.status(), 404, "{missing}");
    }
    let post = Request::post("/logtail/cat").header("Host", "x").body(Full::new(Bytes::new())).unwrap();
    assert_eq!(send(&unix, post).await.status(), 400);

    let resp = send(&unix, get("/mainlogtail")).await;
    assert_eq!(resp.status(), 200);
    assert!(!resp.headers().contains_key("x-accel-buffering"));
    let mut got = String::new();
    let mut body = resp.into_body();
    read_until(&mut body, &mut got, "main log\n").await;
    std::fs::OpenOptions::new().append(true).open(&main).unwrap().write_all(b"INFO more\n").unwrap();
    read_until(&mut body, &mut got, "INFO more\n").await;
}

#[tokio::test]
async fn logtail_over_http_1_0_is_close_delimited() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.log");
    std::fs::write(&log, "hello\n").unwrap();
    let mut logs = FakeLogs::default();
    logs.0.insert(("a".into(), "stdout"), log.clone());
    let (_servers, unix, _) = start(dir.path(), None, logs).await;
    let mut s = unix.connect().await;
    s.write_all(b"GET /logtail/a HTTP/1.0\r\n\r\n").await.unwrap();
    let out = String::from_utf8_lossy(&s.read_until_count("hello\n", 1, Duration::from_secs(10)).await).into_owned();
    assert!(out.starts_with("HTTP/1.0 200 OK"), "{out}");
    assert!(out.ends_with("\r\n\r\nhello\n"), "{out}");
    assert!(!out.to_ascii_lowercase().contains("transfer-encoding"), "{out}");
}

/// How many of this process's open descriptors point at `path`.
fn open_count(path: &std::path::Path) -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target == path)
        .count()
}

/// A client that goes away from a quiet log tail releases the file: the
/// stream does not linger until the log next grows.
#[tokio::test]
async fn logtail_of_a_vanished_client_is_released() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("quiet.log");
    std::fs::write(&log, "nothing more will come\n").unwrap();
    let mut logs = FakeLogs::default();
    logs.0.insert(("quiet".into(), "stdout"), log.clone());
    let (_servers, unix, _) = start(dir.path(), None, logs).await;
    for version in ["1.1", "1.0"] {
        let mut s = unix.connect().await;
        s.write_all(format!("GET /logtail/quiet HTTP/{version}\r\nHost: x\r\n\r\n").as_bytes()).await.unwrap();
        let mut buf = [0u8; 4096];
        let mut got = Vec::new();
        while !String::from_utf8_lossy(&got).contains("will come") {
            let n = s.read(&mut buf).await.unwrap();
            assert!(n > 0);
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(open_count(&log), 1, "the stream holds the file open");
        drop(s);
        assert!(wait_for(Duration::from_secs(3), || open_count(&log) == 0).await, "HTTP/{version}: file still open");
    }
}

#[tokio::test]
async fn unix_socket_errors_and_chown() {
    let dir = tempfile::tempdir().unwrap();
    let handle = fake_supervisor(FakeLogs::default());
    let mut cfg = unix_section(dir.path(), None);
    cfg.file = dir.path().join("no-such-dir/s.sock");
    assert_eq!(
        http::serve_sections(Some(&cfg), None, handle.clone()).await.unwrap_err(),
        "Cannot open an HTTP server: socket.error reported errno.ENOENT (2)"
    );
    cfg.file = dir.path().join("x".repeat(120));
    assert_eq!(
        http::serve_sections(Some(&cfg), None, handle.clone()).await.unwrap_err(),
        "Cannot open an HTTP server: socket.error reported AF_UNIX path too long"
    );
    let mut cfg = unix_section(dir.path(), None);
    cfg.chmod = 0o766;
    if nix::unistd::geteuid().is_root() {
        cfg.chown = Some((65534, u32::MAX));
    }
    let _servers = http::serve_sections(Some(&cfg), None, handle).await.unwrap();
    let meta = std::fs::metadata(&cfg.file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o766);
    use std::os::unix::fs::MetadataExt;
    if nix::unistd::geteuid().is_root() {
        assert_eq!(meta.uid(), 65534);
        assert_eq!(meta.gid(), nix::unistd::getegid().as_raw(), "group left unchanged");
    }
}
