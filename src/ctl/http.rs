//! A small blocking HTTP/1.1 client on std sockets: one POST per XML-RPC
//! call and streamed GETs for `/logtail` and `/mainlogtail`. It talks to a
//! unix socket (`unix:///path`) or TCP (`http://host:port`), reads bodies
//! sized by Content-Length, chunked, or ended by close, and can be stopped
//! mid-stream by a flag (Ctrl-C).

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine;

/// Where a server URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(String),
    Tcp { host: String, port: u16 },
}

/// Why a URL cannot be used; the text is what supervisor's transport says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadUrl(pub String);

/// Reads the endpoint out of a `serverurl` the way supervisor's transport
/// does: only URLs starting with `http://` or `unix://` are accepted.
pub fn endpoint(serverurl: &str) -> Result<Endpoint, BadUrl> {
    if let Some(rest) = serverurl.strip_prefix("http://") {
        let netloc = rest.split(['/', '?', '#']).next().unwrap_or("");
        let hostport = netloc.rsplit_once('@').map(|(_, h)| h).unwrap_or(netloc);
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            match v6.split_once(']') {
                Some((h, rest)) => (h.to_string(), rest.strip_prefix(':').unwrap_or("")),
                None => return Err(BadUrl("Invalid IPv6 URL".into())),
            }
        } else {
            match hostport.split_once(':') {
                Some((h, p)) => (h.to_string(), p),
                None => (hostport.to_string(), ""),
            }
        };
        let port = if port.is_empty() {
            80
        } else {
            match port.parse::<u16>() {
                Ok(p) => p,
                Err(_) => return Err(BadUrl(format!("Port could not be cast to integer value as {}", super::pyfmt::repr_str(port)))),
            }
        };
        let host = if host.is_empty() { "localhost".to_string() } else { host.to_ascii_lowercase() };
        Ok(Endpoint::Tcp { host, port })
    } else if let Some(path) = serverurl.strip_prefix("unix://") {
        Ok(Endpoint::Unix(path.to_string()))
    } else {
        Err(BadUrl(format!("Unknown protocol for serverurl {serverurl}")))
    }
}

/// A connected socket of either kind.
pub enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Stream {
    pub fn connect(ep: &Endpoint) -> io::Result<Stream> {
        match ep {
            Endpoint::Unix(path) => UnixStream::connect(path).map(Stream::Unix),
            Endpoint::Tcp { host, port } => {
                let mut last = io::Error::other("no address");
                for addr in (host.as_str(), *port).to_socket_addrs()? {
                    match TcpStream::connect(addr) {
                        Ok(s) => {
                            let _ = s.set_nodelay(true);
                            return Ok(Stream::Tcp(s));
                        }
                        Err(e) => last = e,
                    }
                }
                Err(last)
            }
        }
    }

    fn raw_fd(&self) -> i32 {
        match self {
            Stream::Unix(s) => s.as_raw_fd(),
            Stream::Tcp(s) => s.as_raw_fd(),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.write(buf),
            Stream::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Unix(s) => s.flush(),
            Stream::Tcp(s) => s.flush(),
        }
    }
}

/// An HTTP response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    pub reason: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Buffered reading of a response, optionally interruptible by a flag.
pub struct Reader<'a> {
    stream: Stream,
    buf: Vec<u8>,
    stop: Option<&'a AtomicBool>,
}

/// The error an interrupted stream read ends with.
pub fn interrupted() -> io::Error {
    io::Error::new(io::ErrorKind::Interrupted, "interrupted")
}

impl<'a> Reader<'a> {
    pub fn new(stream: Stream, stop: Option<&'a AtomicBool>) -> Reader<'a> {
        Reader { stream, buf: Vec::new(), stop }
    }

    /// Reads more bytes into the buffer; Ok(0) at end of stream.
    fn fill(&mut self) -> io::Result<usize> {
        if let Some(stop) = self.stop {
            // Wait in short polls so a Ctrl-C flag is noticed promptly.
            loop {
                if stop.load(Ordering::SeqCst) {
                    return Err(interrupted());
                }
                let mut fds = [libc::pollfd { fd: self.stream.raw_fd(), events: libc::POLLIN, revents: 0 }];
                // SAFETY: fds is a valid array of one pollfd for the call's duration.
                let n = unsafe { libc::poll(fds.as_mut_ptr(), 1, 100) };
                if n > 0 {
                    break;
                }
                if n < 0 {
                    let e = io::Error::last_os_error();
                    if e.kind() != io::ErrorKind::Interrupted {
                        return Err(e);
                    }
                }
            }
        }
        let mut chunk = [0u8; 8192];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted && self.stop.is_none() => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// One line without its CRLF (or LF); error if the stream ends first.
    fn line(&mut self) -> io::Result<Vec<u8>> {
        let mut searched = 0;
        loop {
            if let Some(i) = self.buf[searched..].iter().position(|&b| b == b'\n') {
                let end = searched + i;
                let mut line: Vec<u8> = self.buf.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            searched = self.buf.len();
            if self.fill()? == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed before the response ended"));
            }
        }
    }

    /// Reads the status line and headers.
    pub fn head(&mut self) -> io::Result<Head> {
        let status_line = self.line()?;
        let text = String::from_utf8_lossy(&status_line).into_owned();
        let mut parts = text.splitn(3, ' ');
        let version = parts.next().unwrap_or("");
        let status = parts.next().and_then(|s| s.trim().parse::<u16>().ok());
        let reason = parts.next().unwrap_or("").trim().to_string();
        let status = match status {
            Some(s) if version.starts_with("HTTP/") => s,
            _ => return Err(io::Error::new(io::ErrorKind::InvalidData, format!("bad HTTP status line: {text}"))),
        };
        let mut headers = Vec::new();
        loop {
            let line = self.line()?;
            if line.is_empty() {
                break;
            }
            let line = String::from_utf8_lossy(&line).into_owned();
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        }
        Ok(Head { status, reason, headers })
    }

    /// Streams the body to `sink` as it arrives; returns when the body ends.
    pub fn body(&mut self, head: &Head, sink: &mut dyn FnMut(&[u8])) -> io::Result<()> {
        let chunked = head.header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        if chunked {
            loop {
                let size_line = self.line()?;
                let text = String::from_utf8_lossy(&size_line).into_owned();
                let hex = text.split(';').next().unwrap_or("").trim();
                if hex.is_empty() {
                    continue;
                }
                let size = usize::from_str_radix(hex, 16)
                    .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, format!("bad chunk size: {text}")))?;
                if size == 0 {
                    // Trailers end with an empty line; a server that just
                    // closes is fine too.
                    while let Ok(line) = self.line() {
                        if line.is_empty() {
                            break;
                        }
                    }
                    return Ok(());
                }
                let mut left = size;
                while left > 0 {
                    if self.buf.is_empty() && self.fill()? == 0 {
                        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed inside a chunk"));
                    }
                    let n = left.min(self.buf.len());
                    let part: Vec<u8> = self.buf.drain(..n).collect();
                    sink(&part);
                    left -= n;
                }
                self.line()?;
            }
        } else if let Some(len) = head.header("content-length") {
            let mut left: usize = len
                .trim()
                .parse()
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, format!("bad Content-Length: {len}")))?;
            while left > 0 {
                if self.buf.is_empty() && self.fill()? == 0 {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed before the body ended"));
                }
                let n = left.min(self.buf.len());
                let part: Vec<u8> = self.buf.drain(..n).collect();
                sink(&part);
                left -= n;
            }
            Ok(())
        } else {
            loop {
                if !self.buf.is_empty() {
                    let part: Vec<u8> = std::mem::take(&mut self.buf);
                    sink(&part);
                }
                if self.fill()? == 0 {
                    return Ok(());
                }
            }
        }
    }
}

/// Credentials for Basic auth.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    pub username: Option<String>,
    pub password: Option<String>,
}

fn basic(user: &str, pass: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}")))
}

fn host_header(ep: &Endpoint) -> String {
    match ep {
        Endpoint::Unix(_) => "localhost".to_string(),
        Endpoint::Tcp { host, port } if *port == 80 => host.clone(),
        Endpoint::Tcp { host, port } => format!("{host}:{port}"),
    }
}

/// One POST; returns the head and the whole body. Auth is sent when both a
/// username and a password are set (as supervisor's XML-RPC transport does).
pub fn post(ep: &Endpoint, path: &str, auth: &Auth, body: &[u8]) -> io::Result<(Head, Vec<u8>)> {
    let mut stream = Stream::connect(ep)?;
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAccept-Encoding: identity\r\nUser-Agent: rsupervisor-supervisorctl\r\nContent-Type: text/xml\r\nAccept: text/xml\r\n",
        host_header(ep)
    );
    if let (Some(u), Some(p)) = (&auth.username, &auth.password) {
        req.push_str(&format!("Authorization: {}\r\n", basic(u, p)));
    }
    req.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
    let mut msg = req.into_bytes();
    msg.extend_from_slice(body);
    stream.write_all(&msg)?;
    // In the shell, Ctrl-C abandons a call (see ctl::interrupt).
    let mut reader = Reader::new(stream, Some(&super::interrupt::SHELL_CTRL_C));
    let head = reader.head()?;
    let mut data = Vec::new();
    if head.status == 200 {
        reader.body(&head, &mut |b| data.extend_from_slice(b))?;
    }
    Ok((head, data))
}

/// Opens a streamed GET and returns the reader positioned at the body.
/// Auth is sent when a non-empty password is set (as supervisor's logtail
/// client does).
pub fn get_stream<'a>(ep: &Endpoint, path: &str, auth: &Auth, stop: &'a AtomicBool) -> io::Result<(Head, Reader<'a>)> {
    let mut stream = Stream::connect(ep)?;
    let mut req = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept-Encoding: chunked\r\nAccept: */*\r\nUser-agent: rsupervisor-supervisorctl\r\n",
        host_header(ep)
    );
    if let Some(p) = auth.password.as_deref().filter(|p| !p.is_empty()) {
        req.push_str(&format!("Authorization: {}\r\n", basic(auth.username.as_deref().unwrap_or(""), p)));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes())?;
    let mut reader = Reader::new(stream, Some(stop));
    let head = reader.head()?;
    Ok((head, reader))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;

    #[test]
    fn endpoints() {
        assert_eq!(endpoint("unix:///tmp/x.sock"), Ok(Endpoint::Unix("/tmp/x.sock".into())));
        assert_eq!(endpoint("http://127.0.0.1:9001"), Ok(Endpoint::Tcp { host: "127.0.0.1".into(), port: 9001 }));
        assert_eq!(endpoint("http://Host/RPC2"), Ok(Endpoint::Tcp { host: "host".into(), port: 80 }));
        assert_eq!(endpoint("foo://bar"), Err(BadUrl("Unknown protocol for serverurl foo://bar".into())));
        assert!(endpoint("http://h:x").is_err());
    }

    fn serve_once(reply: &'static [u8]) -> (tempfile::TempDir, Endpoint) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.sock");
        let listener = UnixListener::bind(&path).expect("bind");
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = s.write_all(reply);
            }
        });
        (dir, Endpoint::Unix(path.to_string_lossy().into_owned()))
    }

    #[test]
    fn post_reads_content_length_body() {
        let (_d, ep) = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA");
        let (head, body) = post(&ep, "/RPC2", &Auth::default(), b"x").expect("post");
        assert_eq!(head.status, 200);
        assert_eq!(body, b"hello");
    }

    #[test]
    fn post_reports_status() {
        let (_d, ep) = serve_once(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
        let (head, _) = post(&ep, "/RPC2", &Auth::default(), b"x").expect("post");
        assert_eq!((head.status, head.reason.as_str()), (401, "Unauthorized"));
    }

    #[test]
    fn stream_decodes_chunks() {
        let (_d, ep) =
            serve_once(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7\r\n world\n\r\n0\r\n\r\n");
        let stop = AtomicBool::new(false);
        let (head, mut reader) = get_stream(&ep, "/logtail/x/stdout", &Auth::default(), &stop).expect("get");
        let mut got = Vec::new();
        reader.body(&head, &mut |b| got.extend_from_slice(b)).expect("body");
        assert_eq!(got, b"hello world\n");
    }

    #[test]
    fn stream_until_close_and_stop_flag() {
        let (_d, ep) = serve_once(b"HTTP/1.1 200 OK\r\n\r\nabc");
        let stop = AtomicBool::new(false);
        let (head, mut reader) = get_stream(&ep, "/mainlogtail", &Auth::default(), &stop).expect("get");
        let mut got = Vec::new();
        reader.body(&head, &mut |b| got.extend_from_slice(b)).expect("body");
        assert_eq!(got, b"abc");
        stop.store(true, Ordering::SeqCst);
        let (_d2, ep2) = serve_once(b"HTTP/1.1 200 OK\r\n");
        assert_eq!(get_stream(&ep2, "/x", &Auth::default(), &stop).err().map(|e| e.kind()), Some(io::ErrorKind::Interrupted));
    }

    #[test]
    fn truncated_response_is_an_error_not_a_hang() {
        let (_d, ep) = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort");
        assert!(post(&ep, "/RPC2", &Auth::default(), b"x").is_err());
    }
}
