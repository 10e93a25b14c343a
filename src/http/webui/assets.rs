//! Static files of the web UI, compiled into the binary: nothing is fetched
//! from outside.

pub struct Asset {
    pub content_type: &'static str,
    pub body: &'static [u8],
}

/// The asset at `path` (without the leading slash), if any.
pub fn find(path: &str) -> Option<Asset> {
    let (content_type, body): (&str, &[u8]) = match path {
        "stylesheets/supervisor.css" => ("text/css", include_bytes!("assets/supervisor.css")),
        "webui.js" => ("application/javascript", include_bytes!("assets/webui.js")),
        "images/icon.svg" => ("image/svg+xml", include_bytes!("assets/icon.svg")),
        "images/supervisor.svg" => ("image/svg+xml", include_bytes!("assets/icon.svg")),
        _ => return None,
    };
    Some(Asset { content_type, body })
}
