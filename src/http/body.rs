//! Reading request bodies with bounded memory, and discarding the bodies of
//! refused requests so that the client can finish sending and read the
//! answer: closing a connection with unread data in it resets it, and the
//! client (Python's http.client sends the whole body before reading) would
//! see a broken pipe instead of the 401 or 413.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;

/// Discarding stops when the client pauses this long.
const DRAIN_IDLE: Duration = Duration::from_secs(1);

/// The outcome of reading a body.
pub enum BodyRead {
    Complete(Bytes),
    /// Longer than allowed; what was left has been discarded.
    TooLarge,
    /// The client went away or sent a broken chunked body.
    Broken,
}

/// The whole body if it is at most `max` bytes.
pub async fn read_limited(mut body: Incoming, max: usize, drain_limit: u64) -> BodyRead {
    let mut buf = BytesMut::new();
    loop {
        match body.frame().await {
            None => return BodyRead::Complete(buf.freeze()),
            Some(Err(_)) => return BodyRead::Broken,
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    if buf.len() + data.len() > max {
                        drain(body, drain_limit).await;
                        return BodyRead::TooLarge;
                    }
                    buf.extend_from_slice(data.as_ref());
                }
            }
        }
    }
}

/// Reads and drops the rest of a body: at most `limit` bytes, and only
/// while the client keeps sending.
pub async fn drain(mut body: Incoming, limit: u64) {
    let mut seen: u64 = 0;
    while let Ok(Some(Ok(frame))) = tokio::time::timeout(DRAIN_IDLE, body.frame()).await {
        seen += frame.data_ref().map_or(0, |d| d.len() as u64);
        if seen > limit {
            return;
        }
    }
}
