//! Which handler answers which path, behind the authentication check. One
//! function per route.
//! Paths match by prefix, as in supervisord (`/RPC2/` is XML-RPC too).

use bytes::Bytes;
use http_body_util::{BodyExt, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::HeaderValue;
use hyper::{Request, Response, StatusCode};

use super::response::{self, Body};
use super::{body, logtail, rpc, webui, Context};

/// How much of an unauthenticated request's body is read before the 401.
const UNAUTHORIZED_DRAIN_LIMIT: u64 = 1024 * 1024;

/// Answers one request.
pub async fn handle(req: Request<Incoming>, ctx: &Context) -> Response<Body> {
    if let Some(creds) = &ctx.auth {
        if !creds.admits(req.headers()) {
            // Read what the client is still sending so that it gets the 401
            // rather than a reset connection (bounded: nobody is trusted yet).
            body::drain(req.into_body(), UNAUTHORIZED_DRAIN_LIMIT).await;
            return response::unauthorized();
        }
    }
    route(req, ctx).await
}

/// Dispatches an authenticated request by path.
pub async fn route(req: Request<Incoming>, ctx: &Context) -> Response<Body> {
    let path = req.uri().path();
    if path.starts_with("/RPC2") {
        rpc::rpc2(req, ctx).await
    } else if path.starts_with("/logtail") {
        logtail::logtail(req, ctx).await
    } else if path.starts_with("/mainlogtail") {
        logtail::mainlogtail(req, ctx).await
    } else {
        web_ui(req, ctx).await
    }
}

/// The largest form body the web UI reads (its forms are a few bytes).
const MAX_FORM_BODY: usize = 64 * 1024;

/// The web UI (`/`, `/index.html`, `/tail.html`, `/ok.html`, the live
/// stream and static files); anything else is 404.
pub async fn web_ui(req: Request<Incoming>, ctx: &Context) -> Response<Body> {
    if !webui::is_web_path(req.uri().path()) {
        // As supervisord's fallback handler: only GET and HEAD are valid there.
        return match *req.method() {
            hyper::Method::GET | hyper::Method::HEAD => response::error(StatusCode::NOT_FOUND),
            _ => response::error(StatusCode::BAD_REQUEST),
        };
    }
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    // supervisord redirects to the URL the client used to reach it.
    let host = req
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string();
    let body = if method == "POST" {
        match Limited::new(req.into_body(), MAX_FORM_BODY).collect().await {
            Ok(c) => c.to_bytes(),
            Err(_) => return response::error_and_close(StatusCode::PAYLOAD_TOO_LARGE),
        }
    } else {
        Bytes::new()
    };
    let web_req = webui::WebRequest { method, path, query, body, server_url: format!("http://{host}") };
    match webui::handle(web_req, &ctx.handle).await {
        Some(resp) => into_hyper(resp),
        None => response::error(StatusCode::NOT_FOUND),
    }
}

/// Turns the web UI's transport-neutral response into a hyper response.
fn into_hyper(resp: webui::WebResponse) -> Response<Body> {
    let body: Body = match resp.body {
        webui::WebBody::Full(bytes) => response::full(bytes),
        webui::WebBody::Stream(rx) => {
            let frames = futures::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|chunk| (Ok::<_, std::io::Error>(Frame::data(chunk)), rx))
            });
            StreamBody::new(frames).boxed_unsync()
        }
    };
    let mut out = Response::new(body);
    *out.status_mut() = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in resp.headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            out.headers_mut().insert(name, v);
        }
    }
    out
}
