//! Which handler answers which path, behind the authentication check. One
//! function per route; the web UI adds its routes in `route`.
//! Paths match by prefix, as in supervisord (`/RPC2/` is XML-RPC too).

use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};

use super::response::{self, Body};
use super::{logtail, rpc, Context};

/// Answers one request.
pub async fn handle(req: Request<Incoming>, ctx: &Context) -> Response<Body> {
    if let Some(creds) = &ctx.auth {
        if !creds.admits(req.headers()) {
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

/// Placeholder for the web UI (`/`, `/index.html`, `/tail.html`, static
/// files): not built yet, so every such path is 404.
pub async fn web_ui(_req: Request<Incoming>, _ctx: &Context) -> Response<Body> {
    response::error(StatusCode::NOT_FOUND)
}
