//! `POST /RPC2`: reads the body (bounded), decodes the call, dispatches it
//! (`rpc::system`) and writes the response. Anything that is not a
//! well-formed call gets HTTP 400 as from supervisord, including an empty
//! body (which supervisord never answers at all).

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::CONTENT_LENGTH;
use hyper::{Method, Request, Response, StatusCode};

use super::response::{self, Body};
use super::Context;
use crate::rpc::{codec, system};

/// The largest request body accepted. Real calls are tiny (sendProcessStdin
/// is the biggest); anything larger is refused with 413 and never buffered.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// After refusing a body, the rest of it is read and dropped, so that the
/// client can finish sending and then read the 413 (closing on unread
/// data would reset the connection before the client sees the answer).
/// Draining stops after this many bytes, or when the client pauses.
const DRAIN_LIMIT: u64 = 1 << 30;
const DRAIN_IDLE: Duration = Duration::from_secs(1);

pub async fn rpc2(req: Request<Incoming>, ctx: &Context) -> Response<Body> {
    if req.method() != Method::POST {
        return response::error(StatusCode::BAD_REQUEST);
    }
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = if declared.is_some_and(|n| n > MAX_BODY as u64) {
        drain(req.into_body()).await;
        return response::error_and_close(StatusCode::PAYLOAD_TOO_LARGE);
    } else {
        match read_body(req.into_body()).await {
            BodyRead::Complete(bytes) => bytes,
            BodyRead::TooLarge => return response::error_and_close(StatusCode::PAYLOAD_TOO_LARGE),
            // The client went away or sent a broken chunked body.
            BodyRead::Broken => return response::error_and_close(StatusCode::BAD_REQUEST),
        }
    };
    let call = match codec::parse_call(&body) {
        Ok(call) => call,
        Err(_) => return response::error(StatusCode::BAD_REQUEST),
    };
    let result = system::dispatch(&ctx.handle, &call.method, call.params).await;
    response::ok("text/xml", codec::write_response(&result))
}

enum BodyRead {
    Complete(Bytes),
    TooLarge,
    Broken,
}

/// The whole body if it fits in MAX_BODY; otherwise the rest is drained.
async fn read_body(mut body: Incoming) -> BodyRead {
    let mut buf = BytesMut::new();
    loop {
        match body.frame().await {
            None => return BodyRead::Complete(buf.freeze()),
            Some(Err(_)) => return BodyRead::Broken,
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    if buf.len() + data.len() > MAX_BODY {
                        drain(body).await;
                        return BodyRead::TooLarge;
                    }
                    buf.extend_from_slice(data.as_ref());
                }
            }
        }
    }
}

/// Reads and drops what is left of a refused body (see DRAIN_LIMIT).
async fn drain(mut body: Incoming) {
    let mut seen: u64 = 0;
    while let Ok(Some(Ok(frame))) = tokio::time::timeout(DRAIN_IDLE, body.frame()).await {
        seen += frame.data_ref().map_or(0, |d| d.len() as u64);
        if seen > DRAIN_LIMIT {
            return;
        }
    }
}
