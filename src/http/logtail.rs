//! `GET /logtail/<name>[/<channel>]` and `GET /mainlogtail`: stream a log
//! file like `tail -f`, as supervisord 4.3.0 does. The response starts with
//! the last 1024 bytes (or the whole file if smaller), then sends whatever
//! is appended, checked every 100 ms. A shrinking file sends
//! `==> File truncated <==\n` and is followed from its start; a file
//! replaced under the same name (rotation) is reopened and sent from its
//! start. The stream ends only when the client goes away.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use hyper::header::{HeaderValue, CONTENT_TYPE, LAST_MODIFIED};
use hyper::{Method, Request, Response, StatusCode};
use tokio::fs::File;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::response::{self, Body};
use super::Context;
use crate::supervisor::Channel;

/// How much of the existing file the stream starts with.
const HEAD: u64 = 1024;
/// How often the file is checked for growth.
const POLL: Duration = Duration::from_millis(100);
/// The most sent in one chunk, so a large burst never sits in memory whole.
const MAX_CHUNK: u64 = 64 * 1024;

/// `/logtail/...`.
pub async fn logtail<B>(req: Request<B>, ctx: &Context) -> Response<Body> {
    if req.method() != Method::GET {
        return response::error(StatusCode::BAD_REQUEST);
    }
    let Some((name, channel)) = parse_logtail_path(req.uri().path()) else {
        return response::error(StatusCode::NOT_FOUND);
    };
    let path = match ctx.handle.log_path(Some(name), channel).await {
        Ok(p) => p,
        Err(_) => return response::error(StatusCode::NOT_FOUND),
    };
    stream_file(path, true).await
}

/// `/mainlogtail`.
pub async fn mainlogtail<B>(req: Request<B>, ctx: &Context) -> Response<Body> {
    if req.method() != Method::GET {
        return response::error(StatusCode::BAD_REQUEST);
    }
    match ctx.handle.log_path(None, Channel::Stdout).await {
        Ok(path) => stream_file(path, false).await,
        Err(_) => response::error(StatusCode::NOT_FOUND),
    }
}

/// `(process namespec, channel)` of a `/logtail/...` path; the channel
/// defaults to stdout. None for anything else (supervisord: 404).
pub fn parse_logtail_path(path: &str) -> Option<(String, Channel)> {
    let decoded = percent_decode(path)?;
    let rest = decoded.trim_start_matches('/');
    let (_, spec) = rest.split_once('/')?;
    let (name, channel) = match spec.split_once('/') {
        Some((name, "stdout")) => (name, Channel::Stdout),
        Some((name, "stderr")) => (name, Channel::Stderr),
        Some(_) => return None,
        None => (spec, Channel::Stdout),
    };
    if name.is_empty() {
        return None;
    }
    Some((name.to_string(), channel))
}

/// `%XX` decoding of a URL path; None when the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The file as a never-ending tail -f response; 404 when it does not exist
/// (a process that never started has no log file yet).
async fn stream_file(path: PathBuf, no_proxy_buffering: bool) -> Response<Body> {
    let Ok(tail) = Tail::open(path).await else {
        return response::error(StatusCode::NOT_FOUND);
    };
    let mtime = tail.mtime;
    let stream = futures::stream::unfold(tail, |mut tail| async move {
        let chunk = tail.next_chunk().await?;
        Some((Ok(Frame::data(chunk)), tail))
    });
    let mut resp = Response::new(StreamBody::new(stream).boxed_unsync());
    let h = resp.headers_mut();
    h.insert(LAST_MODIFIED, http_date(mtime));
    h.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain;charset=utf-8"));
    if no_proxy_buffering {
        // Tells a reverse proxy (nginx) not to buffer the stream.
        h.insert("X-Accel-Buffering", HeaderValue::from_static("no"));
    }
    resp
}

fn http_date(mtime: i64) -> HeaderValue {
    let when = chrono::DateTime::from_timestamp(mtime, 0).unwrap_or_default();
    let text = when.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"))
}

/// A followed file: the open handle, its inode, and how much was sent.
struct Tail {
    path: PathBuf,
    file: File,
    ino: u64,
    /// File size up to which bytes have been sent.
    sent: u64,
    mtime: i64,
}

impl Tail {
    async fn open(path: PathBuf) -> std::io::Result<Tail> {
        // Only regular files can be followed: a log sent to /dev/stdout or a
        // FIFO has no size to follow, and opening a FIFO could block.
        if !tokio::fs::metadata(&path).await?.is_file() {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
        }
        let file = File::open(&path).await?;
        let meta = file.metadata().await?;
        let size = meta.len();
        Ok(Tail {
            path,
            file,
            ino: meta.ino(),
            sent: size.saturating_sub(HEAD),
            mtime: meta.mtime(),
        })
    }

    /// Waits until there is something to send and returns it; None ends
    /// the stream (the file could not be read any more).
    async fn next_chunk(&mut self) -> Option<Bytes> {
        loop {
            self.follow_rotation().await;
            let size = self.file.metadata().await.ok()?.len();
            if size < self.sent {
                self.sent = 0;
                return Some(Bytes::from_static(b"==> File truncated <==\n"));
            }
            if size > self.sent {
                let want = (size - self.sent).min(MAX_CHUNK);
                self.file.seek(std::io::SeekFrom::Start(self.sent)).await.ok()?;
                let mut buf = vec![0u8; want as usize];
                let n = read_up_to(&mut self.file, &mut buf).await.ok()?;
                if n > 0 {
                    buf.truncate(n);
                    self.sent += n as u64;
                    return Some(Bytes::from(buf));
                }
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Reopens the file when the name now points at a different inode (the
    /// log was rotated); the new file is then sent from its start.
    async fn follow_rotation(&mut self) {
        let Ok(meta) = tokio::fs::metadata(&self.path).await else {
            return; // removed: keep following the open file
        };
        if meta.ino() != self.ino {
            if let Ok(file) = File::open(&self.path).await {
                self.file = file;
                self.ino = meta.ino();
                self.sent = 0;
            }
        }
    }
}

async fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = file.read(&mut buf[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logtail_paths() {
        assert_eq!(parse_logtail_path("/logtail/cat"), Some(("cat".into(), Channel::Stdout)));
        assert_eq!(parse_logtail_path("/logtail/cat/stderr"), Some(("cat".into(), Channel::Stderr)));
        assert_eq!(parse_logtail_path("/logtail/g:cat/stdout"), Some(("g:cat".into(), Channel::Stdout)));
        assert_eq!(parse_logtail_path("/logtail/g%3Acat/stdout"), Some(("g:cat".into(), Channel::Stdout)));
        assert_eq!(parse_logtail_path("//logtail/cat"), Some(("cat".into(), Channel::Stdout)));
        assert_eq!(parse_logtail_path("/logtail/cat/bogus"), None);
        assert_eq!(parse_logtail_path("/logtail"), None);
        assert_eq!(parse_logtail_path("/logtail/"), None);
        assert_eq!(parse_logtail_path("/logtail/%ff"), None);
        assert_eq!(parse_logtail_path("/logtail/a%"), Some(("a%".into(), Channel::Stdout)));
    }
}
