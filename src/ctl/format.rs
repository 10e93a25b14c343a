//! Output formatting: status lines, `avail` lines, `reread` change lists,
//! and our JSON status lines.

use crate::rpc::value::Value;

use super::controller::{field, field_str};
use super::pyfmt::{ljust, make_namespec};
use super::server::CallError;

/// `status` lines: the name column is at least 30 wide plus 3 spaces, the
/// state column 10. With `server` (combined status across hosts) each line
/// starts with the server's URL in a column of its own.
pub fn status_lines(infos: &[&Value], servers: Option<&[String]>) -> Result<Vec<String>, CallError> {
    let mut names = Vec::with_capacity(infos.len());
    let mut width = 30;
    for info in infos {
        let spec = make_namespec(&field_str(info, "group")?, &field_str(info, "name")?);
        width = width.max(spec.chars().count());
        names.push(spec);
    }
    let server_width = servers.map(|s| s.iter().map(|u| u.chars().count()).max().unwrap_or(0) + 3).unwrap_or(0);
    let mut lines = Vec::with_capacity(infos.len());
    for (i, info) in infos.iter().enumerate() {
        let mut line = String::new();
        if let Some(servers) = servers {
            line.push_str(&ljust(servers.get(i).map(String::as_str).unwrap_or(""), server_width));
        }
        line.push_str(&ljust(&names[i], width + 3));
        line.push_str(&ljust(&field_str(info, "statename")?, 10));
        line.push_str(&field_str(info, "description")?);
        lines.push(line);
    }
    Ok(lines)
}

/// An XML-RPC value as JSON.
pub fn to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Int(i) => J::from(*i),
        Value::Bool(b) => J::Bool(*b),
        Value::String(s) | Value::DateTime(s) => J::String(s.clone()),
        Value::Double(d) => serde_json::Number::from_f64(*d).map(J::Number).unwrap_or(J::Null),
        Value::Base64(b) => J::String(String::from_utf8_lossy(b).into_owned()),
        Value::Array(a) => J::Array(a.iter().map(to_json).collect()),
        Value::Struct(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
        Value::Nil => J::Null,
    }
}

/// `status --json`: one object per process with every ProcessInfo field
/// (and `server` when asked across several servers).
pub fn json_line(info: &Value, server: Option<&str>) -> String {
    let mut j = to_json(info);
    if let (Some(s), serde_json::Value::Object(m)) = (server, &mut j) {
        m.insert("server".into(), serde_json::Value::String(s.to_string()));
    }
    j.to_string()
}

/// `status --json` for a name that matched nothing, or an unreachable server.
pub fn json_error_line(message: &str, server: Option<&str>) -> String {
    let mut m = serde_json::Map::new();
    m.insert("error".into(), serde_json::Value::String(message.to_string()));
    if let Some(s) = server {
        m.insert("server".into(), serde_json::Value::String(s.to_string()));
    }
    serde_json::Value::Object(m).to_string()
}

/// One `avail` line.
pub fn config_info_line(info: &Value) -> Result<String, CallError> {
    let name = make_namespec(&field_str(info, "group")?, &field_str(info, "name")?);
    let inuse = if truthy(field(info, "inuse")?) { "in use" } else { "avail" };
    let auto = if truthy(field(info, "autostart")?) { "auto" } else { "manual" };
    let prio = format!("{}:{}", field_str(info, "group_prio")?, field_str(info, "process_prio")?);
    Ok(format!("{} {} {} {}", ljust(&name, 32), ljust(inuse, 9), ljust(auto, 9), prio))
}

/// Python truthiness of a value.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Double(d) => *d != 0.0,
        Value::String(s) | Value::DateTime(s) => !s.is_empty(),
        Value::Base64(b) => !b.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Struct(m) => !m.is_empty(),
        Value::Nil => false,
    }
}

/// `reread` lines from `[added, changed, removed]`, sorted by name; a name
/// in several lists shows the last one's word.
pub fn change_lines(added: &[String], changed: &[String], removed: &[String]) -> Vec<String> {
    let mut words: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
    for (names, word) in [(added, "available"), (changed, "changed"), (removed, "disappeared")] {
        for n in names {
            words.insert(n, word);
        }
    }
    if words.is_empty() {
        return vec!["No config updates to processes".to_string()];
    }
    words.into_iter().map(|(n, w)| format!("{n}: {w}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::value::structure;

    fn info(group: &str, name: &str, statename: &str, desc: &str) -> Value {
        structure([
            ("group", Value::from(group)),
            ("name", Value::from(name)),
            ("statename", Value::from(statename)),
            ("description", Value::from(desc)),
            ("state", Value::Int(20)),
            ("pid", Value::Int(7)),
        ])
    }

    #[test]
    fn status_columns() {
        let a = info("cat", "cat", "RUNNING", "pid 7003, uptime 0:00:01");
        let b = info("grp", "a", "STOPPED", "Not started");
        let lines = status_lines(&[&a, &b], None).expect("lines");
        assert_eq!(lines[0], "cat                              RUNNING   pid 7003, uptime 0:00:01");
        assert_eq!(lines[1], "grp:a                            STOPPED   Not started");
    }

    #[test]
    fn status_long_names_widen_the_column() {
        let long = "x".repeat(40);
        let a = info(&long, &long, "FATAL", "Exited too quickly (process log may have details)");
        let lines = status_lines(&[&a], None).expect("lines");
        assert_eq!(lines[0], format!("{long}   FATAL     Exited too quickly (process log may have details)"));
    }

    #[test]
    fn status_with_servers() {
        let a = info("cat", "cat", "RUNNING", "pid 1, uptime 0:00:01");
        let servers = vec!["unix:///tmp/a.sock".to_string()];
        let lines = status_lines(&[&a], Some(&servers)).expect("lines");
        assert_eq!(lines[0], format!("unix:///tmp/a.sock   {}RUNNING   pid 1, uptime 0:00:01", ljust("cat", 33)));
    }

    #[test]
    fn avail_lines() {
        let v = structure([
            ("group", Value::from("grp")),
            ("name", Value::from("a")),
            ("inuse", Value::Bool(true)),
            ("autostart", Value::Bool(false)),
            ("group_prio", Value::Int(999)),
            ("process_prio", Value::Int(5)),
        ]);
        assert_eq!(config_info_line(&v).expect("line"), "grp:a                            in use    manual    999:5");
    }

    #[test]
    fn changes() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(change_lines(&[], &[], &[]), vec!["No config updates to processes"]);
        assert_eq!(
            change_lines(&s(&["new"]), &s(&["b"]), &s(&["a"])),
            vec!["a: disappeared", "b: changed", "new: available"]
        );
    }

    #[test]
    fn json_has_every_field() {
        let a = info("g", "a", "RUNNING", "x");
        let line = json_line(&a, Some("unix:///s"));
        let j: serde_json::Value = serde_json::from_str(&line).expect("json");
        assert_eq!(j["pid"], 7);
        assert_eq!(j["server"], "unix:///s");
        assert_eq!(j["statename"], "RUNNING");
    }
}
