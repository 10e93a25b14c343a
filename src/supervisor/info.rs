//! The structs getProcessInfo, getAllProcessInfo and getAllConfigInfo
//! return, with 4.3.0's keys, types and `description` texts.

use crate::config::model::{GroupConfig, LogTarget, ProcessConfig};
use crate::process::state::ProcessState;
use crate::rpc::value::{structure, Value};
use crate::supervisor::subprocess::{wall_now, Subprocess};

/// Python's int() of a time, capped to XML-RPC's int range.
fn capped(t: f64) -> i64 {
    (t as i64).clamp(i32::MIN as i64, i32::MAX as i64)
}

/// Python's str(timedelta) for a non-negative number of seconds:
/// `0:00:08`, `1 day, 2:03:04`, `3 days, 0:00:00`.
pub fn format_uptime(secs: i64) -> String {
    let secs = secs.max(0);
    let days = secs / 86400;
    let rest = secs % 86400;
    let hms = format!("{}:{:02}:{:02}", rest / 3600, (rest % 3600) / 60, rest % 60);
    match days {
        0 => hms,
        1 => format!("1 day, {hms}"),
        d => format!("{d} days, {hms}"),
    }
}

fn path_str(p: &Option<std::sync::Arc<std::path::Path>>) -> String {
    p.as_ref().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default()
}

/// getProcessInfo's struct for one process.
pub fn process_info(group: &str, p: &Subprocess) -> Value {
    let start = capped(p.laststart);
    let stop = capped(p.laststop);
    let now = capped(wall_now());
    let state = p.state;
    let description = match state {
        ProcessState::Running => {
            // 4.3.0 truncates both times to whole seconds before subtracting.
            format!("pid {}, uptime {}", p.pid, format_uptime(now - start))
        }
        ProcessState::Fatal | ProcessState::Backoff => match &p.spawnerr {
            Some(e) if !e.is_empty() => e.to_string(),
            _ => format!("unknown error (try \"tail {}\")", p.config.name),
        },
        ProcessState::Stopped | ProcessState::Exited => {
            if start != 0 {
                use chrono::TimeZone;
                match chrono::Local.timestamp_opt(stop, 0).single() {
                    Some(t) => t.format("%b %d %I:%M %p").to_string(),
                    None => String::new(),
                }
            } else {
                "Not started".to_string()
            }
        }
        _ => String::new(),
    };
    let stdout = path_str(&p.stdout_path);
    let stderr = path_str(&p.stderr_path);
    structure([
        ("name", Value::str(p.config.name.clone())),
        ("group", Value::str(group)),
        ("start", Value::Int(start)),
        ("stop", Value::Int(stop)),
        ("now", Value::Int(now)),
        ("state", Value::Int(state.code())),
        ("statename", Value::str(state.name())),
        ("spawnerr", Value::String(p.spawnerr.as_deref().unwrap_or_default().to_string())),
        ("exitstatus", Value::Int(p.exitstatus.unwrap_or(0) as i64)),
        ("logfile", Value::String(stdout.clone())),
        ("stdout_logfile", Value::String(stdout)),
        ("stderr_logfile", Value::String(stderr)),
        ("pid", Value::Int(p.pid as i64)),
        ("description", Value::String(description)),
    ])
}

fn opt_str(v: Option<String>) -> Value {
    match v {
        Some(s) => Value::String(s),
        None => Value::str("none"),
    }
}

fn logfile_value(target: &LogTarget, resolved: Option<&std::sync::Arc<std::path::Path>>) -> Value {
    if let Some(p) = resolved {
        return Value::String(p.to_string_lossy().into_owned());
    }
    match target {
        LogTarget::Auto => Value::str("auto"),
        LogTarget::None => Value::str("none"),
        LogTarget::File(p) => Value::String(p.to_string_lossy().into_owned()),
        LogTarget::Syslog => Value::str("syslog"),
    }
}

/// One getAllConfigInfo entry. `running` is the live process when its
/// group is in use (its AUTO logs then have real names).
///
/// `default_url` is the daemon's own server URL: the config resolves a
/// process's missing `serverurl=` into it, and 4.3.0 reports those as 'none'.
pub fn config_info(
    g: &GroupConfig,
    pc: &ProcessConfig,
    inuse: bool,
    running: Option<&Subprocess>,
    default_url: Option<&str>,
) -> Value {
    let serverurl = pc.serverurl.as_deref().filter(|u| Some(*u) != default_url).map(str::to_string);
    structure([
        ("autostart", Value::Bool(pc.autostart)),
        ("directory", opt_str(pc.directory.as_ref().map(|d| d.to_string_lossy().into_owned()))),
        ("uid", pc.uid.map(|u| Value::Int(u as i64)).unwrap_or_else(|| Value::str("none"))),
        ("command", Value::str(pc.command.clone())),
        ("exitcodes", Value::Array(pc.exitcodes.iter().map(|&c| Value::Int(c as i64)).collect())),
        ("group", Value::str(g.name.clone())),
        ("group_prio", Value::Int(g.priority)),
        ("inuse", Value::Bool(inuse)),
        ("killasgroup", Value::Bool(pc.killasgroup)),
        ("name", Value::str(pc.name.clone())),
        ("process_prio", Value::Int(pc.priority)),
        ("redirect_stderr", Value::Bool(pc.redirect_stderr)),
        ("startretries", Value::Int(pc.startretries as i64)),
        ("startsecs", Value::Int(pc.startsecs as i64)),
        ("stdout_capture_maxbytes", Value::Int(pc.stdout.capture_maxbytes as i64)),
        ("stdout_events_enabled", Value::Bool(pc.stdout.events_enabled)),
        ("stdout_logfile", logfile_value(&pc.stdout.logfile, running.and_then(|p| p.stdout_path.as_ref()))),
        ("stdout_logfile_backups", Value::Int(pc.stdout.logfile_backups as i64)),
        ("stdout_logfile_maxbytes", Value::Int(pc.stdout.logfile_maxbytes as i64)),
        ("stdout_syslog", Value::Bool(pc.stdout.syslog)),
        ("stopsignal", Value::Int(pc.stopsignal as i64)),
        ("stopwaitsecs", Value::Int(pc.stopwaitsecs as i64)),
        ("stderr_capture_maxbytes", Value::Int(pc.stderr.capture_maxbytes as i64)),
        ("stderr_events_enabled", Value::Bool(pc.stderr.events_enabled)),
        ("stderr_logfile", logfile_value(&pc.stderr.logfile, running.and_then(|p| p.stderr_path.as_ref()))),
        ("stderr_logfile_backups", Value::Int(pc.stderr.logfile_backups as i64)),
        ("stderr_logfile_maxbytes", Value::Int(pc.stderr.logfile_maxbytes as i64)),
        ("stderr_syslog", Value::Bool(pc.stderr.syslog)),
        ("serverurl", opt_str(serverurl)),
    ])
}

#[cfg(test)]
mod tests {
    use super::format_uptime;

    #[test]
    fn uptime_like_timedelta() {
        assert_eq!(format_uptime(8), "0:00:08");
        assert_eq!(format_uptime(3 * 3600 + 61), "3:01:01");
        assert_eq!(format_uptime(86400 + 5), "1 day, 0:00:05");
        assert_eq!(format_uptime(2 * 86400), "2 days, 0:00:00");
    }
}
