//! `POST /RPC2`: reads the body (bounded), decodes the call, dispatches it
//! (`rpc::system`) and writes the response. Anything that is not a
//! well-formed call gets HTTP 400 as from supervisord, including an empty
//! body (which supervisord never answers at all).

use hyper::body::Incoming;
use hyper::header::CONTENT_LENGTH;
use hyper::{Method, Request, Response, StatusCode};

use super::body;
use super::response::{self, Body};
use super::Context;
use crate::rpc::{codec, system};

/// The largest request body accepted. Real calls are tiny (sendProcessStdin
/// is the biggest); anything larger is refused with 413 and never buffered.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// How much of a refused body is read and dropped before answering 413.
const DRAIN_LIMIT: u64 = 1 << 30;

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
        body::drain(req.into_body(), DRAIN_LIMIT).await;
        return response::error_and_close(StatusCode::PAYLOAD_TOO_LARGE);
    } else {
        match body::read_limited(req.into_body(), MAX_BODY, DRAIN_LIMIT).await {
            body::BodyRead::Complete(bytes) => bytes,
            body::BodyRead::TooLarge => return response::error_and_close(StatusCode::PAYLOAD_TOO_LARGE),
            // The client went away or sent a broken chunked body.
            body::BodyRead::Broken => return response::error_and_close(StatusCode::BAD_REQUEST),
        }
    };
    let call = match codec::parse_call(&body) {
        Ok(call) => call,
        Err(_) => return response::error(StatusCode::BAD_REQUEST),
    };
    let result = system::dispatch(&ctx.handle, &call.method, call.params).await;
    response::ok("text/xml", codec::write_response(&result))
}
