//! The supervisor's mailbox: how every other task (HTTP servers, the web UI,
//! signal handlers) talks to the one task that owns all process state.
//! Nothing outside the supervisor task touches process state directly.

use std::path::PathBuf;

use tokio::sync::{broadcast, mpsc, oneshot};

use crate::rpc::value::{Fault, RpcResult, Value};

/// Which output channel of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Stdout,
    Stderr,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Stdout => "stdout",
            Channel::Stderr => "stderr",
        }
    }
}

/// Something that changed, pushed to subscribers (the web UI's live view).
#[derive(Debug, Clone)]
pub enum Notice {
    /// A process changed state: (group, process name, new state name).
    ProcessState { group: String, name: String, state: String },
    /// Lines a process wrote (already decoded lossily).
    ProcessOutput { group: String, name: String, channel: Channel, text: String },
}

/// A message to the supervisor task.
#[derive(Debug)]
pub enum Request {
    /// One `supervisor.*` XML-RPC call. `system.*` methods (multicall included)
    /// are handled by the rpc layer, which sends one `Rpc` per inner call.
    Rpc {
        method: String,
        params: Vec<Value>,
        reply: oneshot::Sender<RpcResult>,
    },
    /// The file behind `/logtail/<name>[/<channel>]` (process = Some) or
    /// `/mainlogtail` (process = None), for the HTTP layer to stream.
    LogPath {
        process: Option<String>,
        channel: Channel,
        reply: oneshot::Sender<Result<PathBuf, Fault>>,
    },
    /// Subscribe to state changes and output (web UI live view).
    Subscribe { reply: oneshot::Sender<broadcast::Receiver<Notice>> },
}

/// A cheap, cloneable sender to the supervisor task.
#[derive(Clone, Debug)]
pub struct SupervisorHandle {
    tx: mpsc::UnboundedSender<Request>,
}

/// The fault returned when the supervisor task has gone away (daemon exiting).
fn gone() -> Fault {
    Fault::with(crate::rpc::value::codes::SHUTDOWN_STATE, "supervisor is shutting down")
}

impl SupervisorHandle {
    /// A handle and the receiving end the supervisor task reads.
    pub fn channel() -> (SupervisorHandle, mpsc::UnboundedReceiver<Request>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (SupervisorHandle { tx }, rx)
    }

    /// Calls one `supervisor.*` method and waits for its result. Methods
    /// with `wait=true` answer only when the process reached its state;
    /// meanwhile the supervisor keeps serving everyone else.
    pub async fn call(&self, method: &str, params: Vec<Value>) -> RpcResult {
        let (reply, rx) = oneshot::channel();
        let req = Request::Rpc { method: method.to_string(), params, reply };
        self.tx.send(req).map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }

    /// The log file to stream for `/logtail` or `/mainlogtail`.
    pub async fn log_path(&self, process: Option<String>, channel: Channel) -> Result<PathBuf, Fault> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Request::LogPath { process, channel, reply }).map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }

    /// A receiver of state changes and output from now on.
    pub async fn subscribe(&self) -> Option<broadcast::Receiver<Notice>> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Request::Subscribe { reply }).ok()?;
        rx.await.ok()
    }
}
