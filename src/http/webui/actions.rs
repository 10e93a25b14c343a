//! The page actions (`index.html?action=...`): each runs through the same
//! XML-RPC methods the API offers and yields supervisord's result message,
//! which the page shows after redirecting to `/?message=...`.

use crate::rpc::value::{codes, Fault, Value};
use crate::supervisor::SupervisorHandle;

/// `time.ctime()`'s format, used in supervisord's messages.
fn ctime() -> String {
    chrono::Local::now().format("%a %b %e %H:%M:%S %Y").to_string()
}

/// An unexpected fault as supervisord's page words it (its `e.text` is the
/// whole fault string, `NAME: detail`).
fn fault_text(f: &Fault) -> String {
    format!("unexpected rpc fault [{}] {}", f.code, f.string)
}

/// Runs `action` for `namespec` and returns the message to show, or None
/// when the action is unknown (nothing is changed then).
pub async fn perform(sup: &SupervisorHandle, action: &str, namespec: &str) -> Option<String> {
    match action {
        "refresh" => return Some(format!("Page refreshed at {}", ctime())),
        "stopall" => {
            let _ = sup.call("supervisor.stopAllProcesses", vec![Value::Bool(true)]).await;
            return Some(format!("All stopped at {}", ctime()));
        }
        "restartall" => {
            let _ = sup.call("supervisor.stopAllProcesses", vec![Value::Bool(true)]).await;
            let _ = sup.call("supervisor.startAllProcesses", vec![Value::Bool(true)]).await;
            return Some(format!("All restarted at {}", ctime()));
        }
        _ => {}
    }
    if namespec.is_empty() {
        return None;
    }
    // supervisord checks the name against its groups first; getProcessInfo
    // gives the same answer (and rejects `group:*`, as the page does).
    if sup.call("supervisor.getProcessInfo", vec![Value::str(namespec)]).await.is_err() {
        return Some(format!("No such process named {namespec}"));
    }
    let name = Value::str(namespec);
    match action {
        "start" => Some(match sup.call("supervisor.startProcess", vec![name, Value::Bool(true)]).await {
            Ok(_) => format!("Process {namespec} started"),
            Err(f) => {
                let msg = match f.code {
                    codes::NO_FILE => "no such file".to_string(),
                    codes::NOT_EXECUTABLE => "file not executable".to_string(),
                    codes::ALREADY_STARTED => "already started".to_string(),
                    codes::SPAWN_ERROR => "spawn error".to_string(),
                    codes::ABNORMAL_TERMINATION => "abnormal termination".to_string(),
                    _ => fault_text(&f),
                };
                format!("ERROR: Process {namespec}: {msg}")
            }
        }),
        "stop" => Some(match sup.call("supervisor.stopProcess", vec![name, Value::Bool(true)]).await {
            Ok(_) => format!("Process {namespec} stopped"),
            Err(f) => fault_text(&f),
        }),
        "restart" => {
            // supervisord runs stop then start in a multicall and reports
            // success whatever the individual results were.
            let _ = sup.call("supervisor.stopProcess", vec![name.clone(), Value::Bool(true)]).await;
            let _ = sup.call("supervisor.startProcess", vec![name, Value::Bool(true)]).await;
            Some(format!("Process {namespec} restarted"))
        }
        "clearlog" => Some(match sup.call("supervisor.clearProcessLogs", vec![name]).await {
            Ok(_) => format!("Log for {namespec} cleared"),
            Err(f) => fault_text(&f),
        }),
        _ => None,
    }
}
