//! Response bodies and the fixed responses every route shares: the error
//! page (the same layout supervisord's HTTP server sends), 401 with its
//! challenge, and small constructors for full and streaming bodies.

use bytes::Bytes;
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Full};
use hyper::header::{HeaderValue, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, WWW_AUTHENTICATE};
use hyper::{Response, StatusCode};

/// The body type of every response: full or streamed bytes.
pub type Body = UnsyncBoxBody<Bytes, std::io::Error>;

/// A body holding these bytes.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).map_err(|never| match never {}).boxed_unsync()
}

/// A 200 response with a complete body of the given content type.
pub fn ok(content_type: &'static str, bytes: impl Into<Bytes>) -> Response<Body> {
    let bytes = bytes.into();
    let mut resp = Response::new(full(bytes.clone()));
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    resp
}

/// An HTML error page with supervisord's layout, e.g. for 404:
/// "Error code 404." / "Message: Not Found.".
pub fn error(status: StatusCode) -> Response<Body> {
    let message = status.canonical_reason().unwrap_or("Error");
    let text = [
        "<head>",
        "<title>Error response</title>",
        "</head>",
        "<body>",
        "<h1>Error response</h1>",
        &format!("<p>Error code {}.", status.as_u16()),
        &format!("<p>Message: {message}."),
        "</body>",
        "",
    ]
    .join("\r\n");
    let mut resp = ok("text/html", text);
    *resp.status_mut() = status;
    resp
}

/// An error after which the connection is closed (the request body may be
/// unread, so the connection cannot carry another request).
pub fn error_and_close(status: StatusCode) -> Response<Body> {
    let mut resp = error(status);
    resp.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// 401 with the Basic challenge supervisord sends (realm "default").
pub fn unauthorized() -> Response<Body> {
    let mut resp = error_and_close(StatusCode::UNAUTHORIZED);
    resp.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"default\""));
    resp
}
