//! Server-rendered HTML for the status page and the tail page. Every process
//! name, description and log line is escaped. Without JavaScript the pages
//! work as supervisord's do; with it, `webui.js` keeps them live.

use std::fmt::Write;

use crate::rpc::value::{codes, Value};
use crate::supervisor::SupervisorHandle;

use super::form::percent_encode;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What the status page was asked to show.
pub struct StatusQuery {
    pub message: Option<String>,
    pub group: Option<String>,
}

/// One row of the process table.
struct Row {
    group: String,
    name: String,
    statename: String,
    description: String,
}

impl Row {
    fn namespec(&self) -> String {
        if self.group == self.name {
            self.name.clone()
        } else {
            format!("{}:{}", self.group, self.name)
        }
    }
}

fn field<'a>(info: &'a Value, key: &str) -> Option<&'a Value> {
    match info {
        Value::Struct(m) => m.get(key),
        _ => None,
    }
}

fn text(info: &Value, key: &str) -> String {
    field(info, key).and_then(Value::as_str).unwrap_or("").to_string()
}

async fn rows(sup: &SupervisorHandle) -> Vec<Row> {
    let infos = match sup.call("supervisor.getAllProcessInfo", vec![]).await {
        Ok(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let mut rows: Vec<Row> = infos
        .iter()
        .map(|i| Row {
            group: text(i, "group"),
            name: text(i, "name"),
            statename: text(i, "statename"),
            description: text(i, "description"),
        })
        .collect();
    rows.sort_by(|a, b| (&a.group, &a.name).cmp(&(&b.group, &b.name)));
    rows
}

/// supervisord's CSS class for a state.
fn state_class(statename: &str) -> &'static str {
    match statename {
        "RUNNING" => "statusrunning",
        "FATAL" | "BACKOFF" => "statuserror",
        _ => "statusnominal",
    }
}

/// The actions offered for a process in this state, as supervisord offers
/// them: (action, label); None leaves the slot empty.
fn actions_for(statename: &str) -> [Option<(&'static str, &'static str)>; 3] {
    let clear = Some(("clearlog", "Clear Log"));
    match statename {
        "RUNNING" => [Some(("restart", "Restart")), Some(("stop", "Stop")), clear],
        "STOPPED" | "EXITED" | "FATAL" => [Some(("start", "Start")), None, clear],
        _ => [None, None, clear],
    }
}

fn head(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<link href=\"stylesheets/supervisor.css\" rel=\"stylesheet\" type=\"text/css\">\n\
         <link href=\"images/icon.svg\" rel=\"icon\" type=\"image/svg+xml\">\n\
         <script src=\"webui.js\" defer></script>\n</head>\n",
        escape(title)
    );
}

/// A POST button that performs `action` (the GET link form still works for
/// old bookmarks, as in supervisord).
fn action_button(out: &mut String, action: &str, label: &str, namespec: Option<&str>) {
    out.push_str("<form class=\"inline\" action=\"index.html\" method=\"post\">");
    if let Some(ns) = namespec {
        let _ = write!(out, "<input type=\"hidden\" name=\"processname\" value=\"{}\">", escape(ns));
    }
    let _ = write!(
        out,
        "<button type=\"submit\" name=\"action\" value=\"{}\">{}</button></form>",
        escape(action),
        escape(label)
    );
}

/// The status page (`/`, `/index.html`).
pub async fn status_page(sup: &SupervisorHandle, q: &StatusQuery) -> String {
    let all = rows(sup).await;
    let mut groups: Vec<&str> = all.iter().map(|r| r.group.as_str()).collect();
    groups.dedup();
    let shown: Vec<&Row> = all
        .iter()
        .filter(|r| q.group.as_deref().map_or(true, |g| g.is_empty() || r.group == g))
        .collect();

    let mut out = String::with_capacity(4096 + shown.len() * 600);
    head(&mut out, "Supervisor Status");
    out.push_str("<body>\n<div id=\"wrapper\">\n<header id=\"header\"><img src=\"images/supervisor.svg\" alt=\"Supervisor status\"><h1>Supervisor status</h1>");
    out.push_str("<span id=\"live\" class=\"live-off\" title=\"live updates\"></span></header>\n<main id=\"content\">\n");
    match &q.message {
        Some(m) => {
            let _ = writeln!(out, "<div id=\"statusmessage\" class=\"status_msg\">{}</div>", escape(m));
        }
        None => out.push_str("<div id=\"statusmessage\" class=\"hidden\"></div>\n"),
    }
    out.push_str("<div id=\"buttons\" class=\"clr\">");
    for (action, label) in [("refresh", "Refresh"), ("restartall", "Restart All"), ("stopall", "Stop All")] {
        action_button(&mut out, action, label, None);
    }
    out.push_str("</div>\n");
    if groups.len() > 1 {
        out.push_str("<nav id=\"groups\">Groups: ");
        let cls = if q.group.as_deref().unwrap_or("").is_empty() { " class=\"current\"" } else { "" };
        let _ = write!(out, "<a href=\"index.html\"{cls}>all</a>");
        for g in &groups {
            let cls = if q.group.as_deref() == Some(*g) { " class=\"current\"" } else { "" };
            let _ = write!(out, " <a href=\"index.html?group={}\"{cls}>{}</a>", percent_encode(g), escape(g));
        }
        out.push_str("</nav>\n");
    }
    if shown.is_empty() {
        out.push_str("<p id=\"statustable\">No programs to manage</p>\n");
    } else {
        out.push_str(
            "<table id=\"statustable\">\n<thead><tr><th class=\"state\">State</th><th class=\"desc\">Description</th>\
             <th class=\"name\">Name</th><th class=\"action\">Action</th></tr></thead>\n<tbody>\n",
        );
        for (i, r) in shown.iter().enumerate() {
            let ns = r.namespec();
            let shade = if i % 2 == 1 { " class=\"shade\"" } else { "" };
            let _ = write!(
                out,
                "<tr{shade} data-name=\"{}\"><td class=\"status\"><span class=\"{}\">{}</span></td>\
                 <td class=\"desc\">{}</td><td class=\"name\"><a href=\"tail.html?processname={}\" target=\"_blank\">{}</a></td>\
                 <td class=\"action\"><ul>",
                escape(&ns),
                state_class(&r.statename),
                escape(&r.statename.to_lowercase()),
                escape(&r.description),
                percent_encode(&ns),
                escape(&ns)
            );
            for slot in actions_for(&r.statename) {
                out.push_str("<li>");
                if let Some((action, label)) = slot {
                    action_button(&mut out, action, label, Some(&ns));
                }
                out.push_str("</li>");
            }
            let q = percent_encode(&ns);
            let _ = write!(
                out,
                "<li><a href=\"logtail/{q}\" target=\"_blank\">Tail -f Stdout</a></li>\
                 <li><a href=\"logtail/{q}/stderr\" target=\"_blank\">Tail -f Stderr</a></li></ul></td></tr>\n"
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</main>\n<footer id=\"footer\">rsupervisor, compatible with supervisor 4.3.0</footer>\n</div>\n</body>\n</html>\n");
    out
}

/// The tail page (`/tail.html?processname=x&limit=N`): the last `limit`
/// bytes (at least 1024) of the process's stdout log.
pub async fn tail_page(sup: &SupervisorHandle, processname: Option<String>, limit: Option<String>) -> String {
    // supervisord reads at least the last 1024 bytes: min(-1024, -limit).
    let limit: i64 = limit
        .as_deref()
        .filter(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|l| l.parse::<i64>().ok())
        .map_or(1024, |l| l.max(1024));
    let tail = match processname.as_deref() {
        None | Some("") => "No process name found".to_string(),
        Some(name) => {
            let params = vec![Value::str(name), Value::Int(-limit), Value::Int(0)];
            match sup.call("supervisor.readProcessStdoutLog", params).await {
                Ok(Value::String(s)) => s,
                Ok(_) => String::new(),
                Err(f) if f.code == codes::NO_FILE => format!("No file for {name}"),
                Err(f) => format!("ERROR: unexpected rpc fault [{}] {}", f.code, f.string),
            }
        }
    };
    let title = format!("Supervisor tail of process {}", processname.as_deref().unwrap_or("None"));
    let mut out = String::with_capacity(tail.len() + 2048);
    head(&mut out, &title);
    out.push_str("<body class=\"tail\">\n<main id=\"content\">\n");
    let _ = writeln!(out, "<h1>{}</h1>", escape(&title));
    let _ = writeln!(out, "<pre id=\"tailbody\">{}</pre>", escape(&tail));
    if let Some(name) = processname.as_deref().filter(|n| !n.is_empty()) {
        let _ = writeln!(
            out,
            "<p><a id=\"refresh_anchor\" class=\"button\" href=\"tail.html?processname={}&amp;limit={}\">Refresh</a></p>",
            percent_encode(name),
            limit
        );
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape("<script>alert('x')</script>&\""), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
    }

    #[test]
    fn actions_follow_supervisord_states() {
        assert_eq!(actions_for("RUNNING")[0], Some(("restart", "Restart")));
        assert_eq!(actions_for("EXITED")[1], None);
        assert_eq!(actions_for("STARTING")[0], None);
        assert_eq!(state_class("BACKOFF"), "statuserror");
    }
}
