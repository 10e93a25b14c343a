//! Test support for the HTTP tests: a fake supervisor task answering the
//! handle's requests, server sections on a temp dir, and small clients
//! (hyper over unix or TCP, and raw sockets for protocol edge cases).
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rsupervisor::config::{InetHttpConfig, UnixHttpConfig};
use rsupervisor::rpc::codec;
use rsupervisor::rpc::value::{codes, structure, Fault, RpcResult, Value};
use rsupervisor::supervisor::{Channel, Request as SupRequest, SupervisorHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Log files the fake supervisor knows: (process, channel) → path, and
/// the main log under process "".
#[derive(Clone, Default)]
pub struct FakeLogs(pub HashMap<(String, &'static str), PathBuf>);

/// Starts a fake supervisor task: supervisor.getVersion → "3.0",
/// getPID → 42, getProcessInfo("cat") → a struct (other names BAD_NAME),
/// startProcess sleeps 300 ms then answers true (a slow `wait=true` call),
/// stopProcess takes 3 s,
/// sendProcessStdin answers the length of its chars; anything else
/// UNKNOWN_METHOD. Log paths come from `logs`.
pub fn fake_supervisor(logs: FakeLogs) -> SupervisorHandle {
    let (handle, mut rx) = SupervisorHandle::channel();
    tokio::spawn(async move {
        while let Some(req) = rx.recv().await {
            match req {
                SupRequest::Rpc { method, params, reply } => {
                    tokio::spawn(async move {
                        let _ = reply.send(answer(&method, &params).await);
                    });
                }
                SupRequest::LogPath { process, channel, reply } => {
                    let key = (process.unwrap_or_default(), channel.as_str());
                    let found = logs.0.get(&key).cloned();
                    let _ = reply.send(found.ok_or_else(|| Fault::with(codes::BAD_NAME, key.0)));
                }
                SupRequest::Subscribe { .. } => {}
            }
        }
    });
    handle
}

async fn answer(method: &str, params: &[Value]) -> RpcResult {
    match method {
        "supervisor.getVersion" | "supervisor.getAPIVersion" => Ok(Value::str("3.0")),
        "supervisor.getPID" => Ok(Value::Int(42)),
        "supervisor.getProcessInfo" => match params.first().and_then(Value::as_str) {
            Some("cat") => Ok(structure([("name", Value::str("cat")), ("pid", Value::Int(7))])),
            Some(other) => Err(Fault::with(codes::BAD_NAME, other)),
            None => Err(Fault::code(codes::INCORRECT_PARAMETERS)),
        },
        "supervisor.startProcess" => {
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok(Value::Bool(true))
        }
        "supervisor.stopProcess" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            Ok(Value::Bool(true))
        }
        "supervisor.sendProcessStdin" => {
            Ok(Value::Int(params.get(1).and_then(Value::as_str).map(str::len).unwrap_or(0) as i64))
        }
        _ => Err(Fault::code(codes::UNKNOWN_METHOD)),
    }
}

pub fn unix_section(dir: &Path, auth: Option<(&str, &str)>) -> UnixHttpConfig {
    UnixHttpConfig {
        file: dir.join("supervisor.sock"),
        chmod: 0o700,
        chown: None,
        username: auth.map(|a| a.0.to_string()),
        password: auth.map(|a| a.1.to_string()),
    }
}

/// TCP on loopback with an OS-chosen port.
pub fn inet_section(auth: Option<(&str, &str)>) -> InetHttpConfig {
    InetHttpConfig {
        host: "127.0.0.1".into(),
        port: 0,
        username: auth.map(|a| a.0.to_string()),
        password: auth.map(|a| a.1.to_string()),
    }
}

/// Where a test client connects.
#[derive(Clone, Debug)]
pub enum Target {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

pub enum Stream {
    Unix(tokio::net::UnixStream),
    Tcp(tokio::net::TcpStream),
}

impl Target {
    pub async fn connect(&self) -> Stream {
        match self {
            Target::Unix(p) => Stream::Unix(tokio::net::UnixStream::connect(p).await.expect("connect unix")),
            Target::Tcp(a) => Stream::Tcp(tokio::net::TcpStream::connect(a).await.expect("connect tcp")),
        }
    }
}

impl Stream {
    pub async fn write_all(&mut self, b: &[u8]) -> std::io::Result<()> {
        match self {
            Stream::Unix(s) => s.write_all(b).await,
            Stream::Tcp(s) => s.write_all(b).await,
        }
    }
    pub async fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(buf).await,
            Stream::Tcp(s) => s.read(buf).await,
        }
    }
    /// Reads until what came contains `want` `times` times, or `limit` passes.
    pub async fn read_until_count(&mut self, want: &str, times: usize, limit: Duration) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        let deadline = tokio::time::Instant::now() + limit;
        while String::from_utf8_lossy(&out).matches(want).count() < times {
            match tokio::time::timeout_at(deadline, self.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
                Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            }
        }
        out
    }

    /// Reads until the peer closes or `limit` passes; returns what came.
    pub async fn read_until_close(&mut self, limit: Duration) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, self.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return out,
                Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            }
        }
    }
}

/// Sends one request on a fresh connection with hyper's client.
pub async fn send(target: &Target, req: Request<Full<Bytes>>) -> Response<hyper::body::Incoming> {
    macro_rules! go {
        ($s:expr) => {{
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new($s)).await.expect("handshake");
            tokio::spawn(conn);
            sender.send_request(req).await.expect("request")
        }};
    }
    match target.connect().await {
        Stream::Unix(s) => go!(s),
        Stream::Tcp(s) => go!(s),
    }
}

pub fn rpc_request(method: &str, params: &[Value], auth: Option<&str>) -> Request<Full<Bytes>> {
    let body = codec::write_call(method, params);
    let mut b = Request::post("/RPC2").header("Host", "localhost").header("Content-Type", "text/xml");
    if let Some(a) = auth {
        b = b.header("Authorization", a);
    }
    b.body(Full::new(Bytes::from(body))).unwrap()
}

/// Calls a method over HTTP and decodes the XML-RPC result.
pub async fn call(target: &Target, method: &str, params: &[Value]) -> RpcResult {
    let resp = send(target, rpc_request(method, params, None)).await;
    assert_eq!(resp.status(), 200, "{method}");
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    codec::parse_response(&body).expect("well-formed response")
}

pub async fn body_text(resp: Response<hyper::body::Incoming>) -> String {
    String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).into_owned()
}

pub fn basic(user_pass: &str) -> String {
    use base64::Engine as _;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(user_pass))
}

/// Polls `cond` every 20 ms until it holds or `limit` passes.
pub async fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}

pub fn channel_name(c: Channel) -> &'static str {
    c.as_str()
}
