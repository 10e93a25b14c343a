//! HTTP servers on the unix socket and TCP: auth, XML-RPC at /RPC2,
//! /logtail and /mainlogtail streaming, and the web UI.
//!
//! Every connection is its own tokio task speaking HTTP/1.0 and 1.1 with
//! keep-alive, so a slow or vanished client only ever holds its own task.

pub mod auth;
pub mod body;
pub mod listen;
pub mod logtail;
pub mod response;
pub mod router;
pub mod rpc;
pub mod webui;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{Config, InetHttpConfig, UnixHttpConfig};
use crate::supervisor::SupervisorHandle;
use auth::Credentials;

/// What every request handler of one server needs.
#[derive(Debug, Clone)]
pub struct Context {
    pub handle: SupervisorHandle,
    /// None: this server does not check authentication.
    pub auth: Option<Credentials>,
}

/// The running HTTP servers. Dropping or calling `shutdown` stops them and
/// removes the unix socket file.
#[derive(Debug)]
pub struct Servers {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    socket_file: Option<PathBuf>,
    tcp_addr: Option<SocketAddr>,
}

impl Servers {
    pub async fn shutdown(self) {
        drop(self);
    }

    /// The address the TCP server is bound to (useful with port 0).
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.tcp_addr
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for t in &self.tasks {
            t.abort();
        }
        if let Some(path) = self.socket_file.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Binds every configured server ([unix_http_server], [inet_http_server])
/// and serves requests on the current tokio runtime, answering XML-RPC by
/// sending requests to `handle`. The error text is what supervisord prints
/// when a server cannot be started (e.g. another supervisord is running).
pub async fn serve(config: &Config, handle: SupervisorHandle) -> Result<Servers, String> {
    serve_sections(config.unix_http_server.as_ref(), config.inet_http_server.as_ref(), handle).await
}

/// `serve` for the two server sections alone (tests build just these).
/// The TCP server is opened first, as supervisord does.
pub async fn serve_sections(
    unix: Option<&UnixHttpConfig>,
    inet: Option<&InetHttpConfig>,
    handle: SupervisorHandle,
) -> Result<Servers, String> {
    let (stop, _) = watch::channel(false);
    let mut servers = Servers { stop, tasks: Vec::new(), socket_file: None, tcp_addr: None };
    if let Some(cfg) = inet {
        let listener = listen::bind_tcp(cfg).await?;
        servers.tcp_addr = listener.local_addr().ok();
        let ctx = Arc::new(Context {
            handle: handle.clone(),
            auth: Credentials::from_config(&cfg.username, &cfg.password),
        });
        servers.tasks.push(tokio::spawn(accept_tcp(listener, ctx, servers.stop.subscribe())));
    }
    if let Some(cfg) = unix {
        // On error `servers` is dropped, which closes the TCP server again.
        let listener = listen::bind_unix(cfg).await?;
        servers.socket_file = Some(cfg.file.clone());
        let ctx = Arc::new(Context { handle, auth: Credentials::from_config(&cfg.username, &cfg.password) });
        servers.tasks.push(tokio::spawn(accept_unix(listener, ctx, servers.stop.subscribe())));
    }
    Ok(servers)
}

/// A line supervisord writes to its main log when it opens its servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartupLine {
    /// "INFO" or "CRIT".
    pub level: &'static str,
    pub message: String,
}

/// The lines 4.3.0 logs while opening its HTTP servers, in its order
/// (inet first, then unix): `RPC interface 'supervisor' initialized` for
/// each RPC interface of each server, and a CRIT warning for each server
/// without a username.
pub fn startup_log_lines(config: &Config) -> Vec<StartupLine> {
    let mut lines = Vec::new();
    let mut server = |section: &str, username: &Option<String>| {
        for iface in config.rpcinterfaces.iter().filter(|i| i.is_builtin) {
            lines.push(StartupLine { level: "INFO", message: format!("RPC interface '{}' initialized", iface.name) });
        }
        if username.as_deref().unwrap_or("").is_empty() {
            lines.push(StartupLine {
                level: "CRIT",
                message: format!("Server '{section}' running without any HTTP authentication checking"),
            });
        }
    };
    if let Some(inet) = &config.inet_http_server {
        server("inet_http_server", &inet.username);
    }
    if let Some(unix) = &config.unix_http_server {
        server("unix_http_server", &unix.username);
    }
    lines
}

async fn accept_tcp(listener: TcpListener, ctx: Arc<Context>, stop: watch::Receiver<bool>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                spawn_connection(stream, ctx.clone(), stop.clone());
            }
            Err(_) => accept_backoff().await,
        }
    }
}

async fn accept_unix(listener: UnixListener, ctx: Arc<Context>, stop: watch::Receiver<bool>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => spawn_connection(stream, ctx.clone(), stop.clone()),
            Err(_) => accept_backoff().await,
        }
    }
}

/// After an accept error (typically out of file descriptors) wait a little
/// instead of spinning; connections already open keep being served.
async fn accept_backoff() {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Serves one connection in its own task until the client closes it or the
/// servers stop.
fn spawn_connection<S>(stream: S, ctx: Arc<Context>, mut stop: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let service = service_fn(move |req| {
            let ctx = ctx.clone();
            async move { Ok::<_, Infallible>(router::handle(req, &ctx).await) }
        });
        // No header timeout: supervisorctl's shell keeps its connection idle
        // between commands, and an idle connection costs only this task.
        let conn = http1::Builder::new()
            .keep_alive(true)
            .header_read_timeout(None)
            // Header names as supervisord writes them (Content-Type, not content-type).
            .title_case_headers(true)
            .serve_connection(TokioIo::new(stream), service);
        tokio::select! {
            _ = conn => {}
            _ = stop.changed() => {}
        }
    });
}
