//! The connection to one supervisord as the commands see it: a `Server`
//! trait (XML-RPC calls and streamed log tails) so commands can be tested
//! against a mock, its HTTP implementation, and `CallError`, which keeps
//! the distinctions supervisorctl's messages depend on (fault, HTTP status,
//! socket error, unusable URL).

use std::io;
use std::sync::atomic::AtomicBool;

use crate::rpc::value::{Fault, Value};

use super::http::{self, Auth, Endpoint};

/// Why a call did not produce a value.
#[derive(Debug)]
pub enum CallError {
    /// The server answered with an XML-RPC fault.
    Fault(Fault),
    /// A non-200 HTTP status (401 means credentials are needed).
    Http { status: u16, reason: String },
    /// Connecting, sending or reading failed.
    Io(io::Error),
    /// The server URL is not `http://` or `unix://` (or has a bad port).
    BadUrl(String),
    /// The answer was not a valid XML-RPC response.
    Malformed(String),
    /// A value of an unexpected shape, or a result code supervisorctl does
    /// not know; shown like the Python exception 4.3.0 would raise.
    Unexpected { class: &'static str, message: String },
}

impl From<io::Error> for CallError {
    fn from(e: io::Error) -> CallError {
        CallError::Io(e)
    }
}

impl CallError {
    pub fn unexpected(class: &'static str, message: impl Into<String>) -> CallError {
        CallError::Unexpected { class, message: message.into() }
    }

    /// The OS error number of a socket error, if that is what this is.
    pub fn errno(&self) -> Option<i32> {
        match self {
            CallError::Io(e) => e.raw_os_error(),
            _ => None,
        }
    }

    /// `<class 'X'>, message` as Python prints an exception in
    /// supervisorctl's catch-all `error: ...` line.
    pub fn python_text(&self) -> String {
        match self {
            CallError::Fault(f) => {
                format!("<class 'xmlrpc.client.Fault'>, <Fault {}: {}>", f.code, super::pyfmt::repr_str(&f.string))
            }
            CallError::Http { status, reason } => format!(
                "<class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: {status} {reason}>"
            ),
            CallError::Io(e) => io_text(e),
            CallError::BadUrl(m) => format!("<class 'ValueError'>, {m}"),
            CallError::Malformed(m) => format!("<class 'xml.parsers.expat.ExpatError'>, {m}"),
            CallError::Unexpected { class, message } => format!("<class '{class}'>, {message}"),
        }
    }
}

/// Python's text for an OSError: `<class 'ConnectionRefusedError'>, [Errno 111] Connection refused`.
fn io_text(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => {
            let class = match n {
                libc::ECONNREFUSED => "ConnectionRefusedError",
                libc::ENOENT => "FileNotFoundError",
                libc::EACCES | libc::EPERM => "PermissionError",
                libc::ECONNRESET => "ConnectionResetError",
                libc::ECONNABORTED => "ConnectionAbortedError",
                libc::EPIPE => "BrokenPipeError",
                libc::ETIMEDOUT => "TimeoutError",
                _ => "OSError",
            };
            // SAFETY: strerror returns a pointer to a static NUL-terminated string.
            let text = unsafe { std::ffi::CStr::from_ptr(libc::strerror(n)) }.to_string_lossy().into_owned();
            format!("<class '{class}'>, [Errno {n}] {text}")
        }
        None => match e.kind() {
            io::ErrorKind::UnexpectedEof => {
                "<class 'http.client.RemoteDisconnected'>, Remote end closed connection without response".to_string()
            }
            _ => format!("<class 'OSError'>, {e}"),
        },
    }
}

/// How a streamed tail ended.
#[derive(Debug, PartialEq, Eq)]
pub enum TailEnd {
    /// The server ended the response.
    Finished,
    /// The stop flag was raised (Ctrl-C).
    Interrupted,
    /// The server answered with this non-200 status.
    Status(u16),
}

/// One supervisord, as the commands use it.
pub trait Server {
    /// An XML-RPC call, e.g. `supervisor.getAllProcessInfo`.
    fn call(&mut self, method: &str, params: &[Value]) -> Result<Value, CallError>;

    /// Streams `GET path` (a `/logtail/...` or `/mainlogtail` URL path) into
    /// `sink` until the server ends it or `stop` is raised.
    fn tail(&mut self, path: &str, stop: &AtomicBool, sink: &mut dyn FnMut(&[u8])) -> Result<TailEnd, CallError>;
}

/// Where to connect and as whom.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    pub serverurl: String,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// A supervisord reached over HTTP (unix socket or TCP).
pub struct HttpServer {
    target: Target,
}

impl HttpServer {
    pub fn new(target: &Target) -> HttpServer {
        HttpServer { target: target.clone() }
    }

    fn endpoint(&self) -> Result<Endpoint, CallError> {
        http::endpoint(&self.target.serverurl).map_err(|e| CallError::BadUrl(e.0))
    }

    fn auth(&self) -> Auth {
        Auth { username: self.target.username.clone(), password: self.target.password.clone() }
    }
}

impl Server for HttpServer {
    fn call(&mut self, method: &str, params: &[Value]) -> Result<Value, CallError> {
        let ep = self.endpoint()?;
        let body = crate::rpc::codec::write_call(method, params);
        let (head, data) = http::post(&ep, "/RPC2", &self.auth(), &body)?;
        if head.status != 200 {
            return Err(CallError::Http { status: head.status, reason: head.reason });
        }
        match crate::rpc::codec::parse_response(&data) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(f)) => Err(CallError::Fault(f)),
            Err(m) => Err(CallError::Malformed(m)),
        }
    }

    fn tail(&mut self, path: &str, stop: &AtomicBool, sink: &mut dyn FnMut(&[u8])) -> Result<TailEnd, CallError> {
        let ep = self.endpoint()?;
        let result = http::get_stream(&ep, path, &self.auth(), stop).and_then(|(head, mut reader)| {
            if head.status != 200 {
                return Ok(TailEnd::Status(head.status));
            }
            reader.body(&head, sink).map(|_| TailEnd::Finished)
        });
        match result {
            Ok(end) => Ok(end),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(TailEnd::Interrupted),
            Err(e) => Err(CallError::Io(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_texts() {
        let refused = CallError::Io(io::Error::from_raw_os_error(libc::ECONNREFUSED));
        assert_eq!(refused.python_text(), "<class 'ConnectionRefusedError'>, [Errno 111] Connection refused");
        let missing = CallError::Io(io::Error::from_raw_os_error(libc::ENOENT));
        assert_eq!(missing.python_text(), "<class 'FileNotFoundError'>, [Errno 2] No such file or directory");
        let http = CallError::Http { status: 401, reason: "Unauthorized".into() };
        assert_eq!(
            http.python_text(),
            "<class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>"
        );
        let fault = CallError::Fault(Fault::raw(2, "INCORRECT_PARAMETERS"));
        assert_eq!(fault.python_text(), "<class 'xmlrpc.client.Fault'>, <Fault 2: 'INCORRECT_PARAMETERS'>");
    }
}
