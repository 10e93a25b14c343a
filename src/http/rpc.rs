//! `POST /RPC2`: reads the body (bounded), decodes the call, dispatches it
//! (`rpc::system`) and writes the response. Anything that is not a
//! well-formed call gets HTTP 400 as from supervisord, including an empty
//! body (which supervisord never answers at all).

use http_body_util::{BodyExt, Limited};
use hyper::header::CONTENT_LENGTH;
use hyper::{Method, Request, Response, StatusCode};

use super::response::{self, Body};
use super::Context;
use crate::rpc::{codec, system};

/// The largest request body accepted. Real calls are tiny (sendProcessStdin
/// is the biggest); anything larger is refused without being buffered.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

pub async fn rpc2<B>(req: Request<B>, ctx: &Context) -> Response<Body>
where
    B: hyper::body::Body + Send,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    if req.method() != Method::POST {
        return response::error(StatusCode::BAD_REQUEST);
    }
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) || req.body().size_hint().lower() > MAX_BODY as u64 {
        return response::error_and_close(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            return response::error_and_close(StatusCode::PAYLOAD_TOO_LARGE);
        }
        // The client went away or sent a broken chunked body.
        Err(_) => return response::error_and_close(StatusCode::BAD_REQUEST),
    };
    let call = match codec::parse_call(&body) {
        Ok(call) => call,
        Err(_) => return response::error(StatusCode::BAD_REQUEST),
    };
    let result = system::dispatch(&ctx.handle, &call.method, call.params).await;
    response::ok("text/xml", codec::write_response(&result))
}
