//! The live view: a server-sent event stream of state changes (and, for a
//! tail page, that process's stdout) from the supervisor's notices. The
//! stream ends when the client goes away; a slow client misses notices
//! rather than holding anything up.

use bytes::Bytes;
use tokio::sync::{broadcast::error::RecvError, mpsc};

use crate::supervisor::{Channel, Notice, SupervisorHandle};

use super::{WebBody, WebResponse};

fn namespec(group: &str, name: &str) -> String {
    if group == name {
        name.to_string()
    } else {
        format!("{group}:{name}")
    }
}

/// One SSE frame; `data` is JSON so newlines in log text stay inside it.
fn frame(event: &str, data: &serde_json::Value) -> Bytes {
    Bytes::from(format!("event: {event}\ndata: {data}\n\n"))
}

/// Encodes a notice for a client following `follow` (a tail page) or the
/// status page (None).
fn encode(notice: &Notice, follow: Option<&str>) -> Option<Bytes> {
    match notice {
        Notice::ProcessState { group, name, state } => {
            let data = serde_json::json!({ "name": namespec(group, name), "state": state });
            Some(frame("state", &data))
        }
        Notice::ProcessOutput { group, name, channel: Channel::Stdout, text } => {
            let ns = namespec(group, name);
            (follow == Some(ns.as_str())).then(|| frame("output", &serde_json::Value::String(text.clone())))
        }
        Notice::ProcessOutput { .. } => None,
    }
}

/// Starts the event stream for one client.
pub async fn stream(sup: &SupervisorHandle, follow: Option<String>) -> WebResponse {
    let Some(mut notices) = sup.subscribe().await else {
        return WebResponse::plain(503, "supervisor is shutting down");
    };
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    tokio::spawn(async move {
        if tx.send(Bytes::from_static(b": connected\n\n")).await.is_err() {
            return;
        }
        loop {
            let notice = match notices.recv().await {
                Ok(n) => n,
                // Fell behind: tell the page to reload its table.
                Err(RecvError::Lagged(_)) => {
                    if tx.send(frame("resync", &serde_json::Value::Null)).await.is_err() {
                        return;
                    }
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            if let Some(bytes) = encode(&notice, follow.as_deref()) {
                if tx.send(bytes).await.is_err() {
                    return;
                }
            }
        }
    });
    WebResponse {
        status: 200,
        headers: vec![
            ("Content-Type", "text/event-stream".into()),
            ("Cache-Control", "no-cache".into()),
            ("X-Accel-Buffering", "no".into()),
        ],
        body: WebBody::Stream(rx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_frames_name_the_process() {
        let n = Notice::ProcessState { group: "g".into(), name: "p".into(), state: "RUNNING".into() };
        let b = encode(&n, None).unwrap();
        assert_eq!(&b[..], b"event: state\ndata: {\"name\":\"g:p\",\"state\":\"RUNNING\"}\n\n");
    }

    #[test]
    fn output_only_for_the_followed_process() {
        let n = Notice::ProcessOutput { group: "a".into(), name: "a".into(), channel: Channel::Stdout, text: "x\ny".into() };
        assert!(encode(&n, None).is_none());
        assert!(encode(&n, Some("b")).is_none());
        assert_eq!(&encode(&n, Some("a")).unwrap()[..], b"event: output\ndata: \"x\\ny\"\n\n");
    }
}
