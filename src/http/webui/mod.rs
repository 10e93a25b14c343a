//! The web interface: supervisord's status page (`/`, `/index.html`),
//! `/tail.html` and `/ok.html`, with the same URL and query forms as 4.3.0
//! so bookmarks and proxy rules keep working, plus our live view
//! (server-sent events at `/webui/stream`) and static assets served by the
//! daemon itself. Transport-neutral: the HTTP layer turns a `WebRequest`
//! into a `WebResponse` by calling `handle`.

mod actions;
mod assets;
mod form;
mod live;
mod pages;

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::supervisor::SupervisorHandle;

pub use form::{parse_form, percent_decode, percent_encode};

/// What the web UI needs of an HTTP request (already authenticated).
#[derive(Debug, Clone)]
pub struct WebRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path without the query string, e.g. `/index.html`.
    pub path: String,
    /// The raw query string (without `?`).
    pub query: String,
    /// The request body (form data for POST).
    pub body: Bytes,
    /// `http://host:port` as the client addressed us, for redirects
    /// (supervisord redirects to `SERVER_URL/?message=...`).
    pub server_url: String,
}

/// A response body: complete, or a stream of chunks (server-sent events).
#[derive(Debug)]
pub enum WebBody {
    Full(Bytes),
    Stream(mpsc::Receiver<Bytes>),
}

/// A response for the HTTP layer to send.
#[derive(Debug)]
pub struct WebResponse {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: WebBody,
}

impl WebResponse {
    fn html(body: String) -> WebResponse {
        WebResponse {
            status: 200,
            headers: no_cache_headers("text/html;charset=utf-8"),
            body: WebBody::Full(Bytes::from(body)),
        }
    }

    fn redirect(location: String) -> WebResponse {
        // supervisord answers an action with 301 and an empty body.
        WebResponse {
            status: 301,
            headers: vec![("Location", location), ("Content-Type", "text/html;charset=utf-8".into())],
            body: WebBody::Full(Bytes::new()),
        }
    }

    fn plain(status: u16, text: &str) -> WebResponse {
        WebResponse {
            status,
            headers: vec![("Content-Type", "text/plain".into())],
            body: WebBody::Full(Bytes::from(text.to_string())),
        }
    }
}

/// The headers supervisord puts on its pages.
fn no_cache_headers(content_type: &str) -> Vec<(&'static str, String)> {
    vec![
        ("Content-Type", content_type.to_string()),
        ("Pragma", "no-cache".into()),
        ("Cache-Control", "no-cache".into()),
        ("Expires", "Thu, 01 Jan 1970 00:00:00 GMT".into()),
    ]
}

/// Whether `path` belongs to the web UI (so the router can send it here).
pub fn is_web_path(path: &str) -> bool {
    let p = path.trim_start_matches('/');
    matches!(p, "" | "index.html" | "tail.html" | "ok.html" | "webui/stream")
        || assets::find(p).is_some()
}

/// Answers one web UI request. Returns None for paths that are not ours.
pub async fn handle(req: WebRequest, sup: &SupervisorHandle) -> Option<WebResponse> {
    let path = req.path.trim_start_matches('/');
    if let Some(asset) = assets::find(path) {
        return Some(WebResponse {
            status: 200,
            headers: vec![
                ("Content-Type", asset.content_type.to_string()),
                ("Cache-Control", "max-age=3600".into()),
            ],
            body: WebBody::Full(Bytes::from_static(asset.body)),
        });
    }
    if req.method != "GET" && req.method != "POST" && req.method != "HEAD" {
        return Some(WebResponse::plain(405, "Method Not Allowed"));
    }
    // Query values first, then form values override them, as supervisord does.
    let mut form = parse_form(&req.query);
    if req.method == "POST" {
        for (k, v) in parse_form(&String::from_utf8_lossy(&req.body)) {
            form.retain(|(ek, _)| ek != &k);
            form.push((k, v));
        }
    }
    let get = |k: &str| form.iter().find(|(fk, _)| fk == k).map(|(_, v)| v.clone());
    match path {
        "" | "index.html" => {
            if let Some(action) = get("action") {
                let namespec = get("processname").unwrap_or_default();
                let message = actions::perform(sup, &action, &namespec).await;
                if let Some(message) = message {
                    let location = format!("{}/?message={}", req.server_url, percent_encode(&message));
                    return Some(WebResponse::redirect(location));
                }
            }
            let view = pages::StatusQuery { message: get("message"), group: get("group") };
            Some(WebResponse::html(pages::status_page(sup, &view).await))
        }
        "tail.html" => {
            let body = pages::tail_page(sup, get("processname"), get("limit")).await;
            Some(WebResponse::html(body))
        }
        "ok.html" => Some(WebResponse::plain(200, "OK")),
        "webui/stream" => Some(live::stream(sup, get("processname")).await),
        _ => None,
    }
}
