//! HTTP servers on the unix socket and TCP: auth, XML-RPC at /RPC2,
//! /logtail and /mainlogtail streaming, and the web UI.

use crate::config::Config;
use crate::supervisor::SupervisorHandle;

/// The running HTTP servers. Dropping or calling `shutdown` stops them and
/// removes the unix socket file.
#[derive(Debug)]
pub struct Servers {
    // fields chosen by the transport helper
}

impl Servers {
    pub async fn shutdown(self) {
        todo!("transport helper")
    }
}

/// Binds every configured server ([unix_http_server], [inet_http_server])
/// and serves requests on the current tokio runtime, answering XML-RPC by
/// sending requests to `handle`. The error text is what supervisord prints
/// when a server cannot be started (e.g. another supervisord is running).
pub mod webui;

pub async fn serve(_config: &Config, _handle: SupervisorHandle) -> Result<Servers, String> {
    todo!("transport helper")
}
