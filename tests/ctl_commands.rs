//! supervisorctl commands against a mock server: the lines, exit codes and
//! XML-RPC calls 4.3.0 produces, without a daemon.

use std::collections::VecDeque;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use rsupervisor::ctl::console::BufferConsole;
use rsupervisor::ctl::controller::{Controller, Settings};
use rsupervisor::ctl::server::{CallError, Server, TailEnd};
use rsupervisor::rpc::value::{structure, Fault, Value};

type Reply = Result<Value, CallError>;
/// Each call made: method and parameters.
type CallLog = Arc<Mutex<Vec<(String, Vec<Value>)>>>;

/// Answers calls from a script of (method, reply) and records every call.
#[derive(Clone, Default)]
struct Mock {
    script: Arc<Mutex<VecDeque<(String, Reply)>>>,
    calls: CallLog,
}

impl Mock {
    fn expect(&self, method: &str, reply: Reply) -> &Mock {
        self.script.lock().unwrap().push_back((method.to_string(), reply));
        self
    }
    fn up(&self) -> &Mock {
        self.expect("supervisor.getVersion", Ok(Value::from("3.0")))
    }
    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().iter().map(|(m, _)| m.clone()).collect()
    }
}

impl Server for Mock {
    fn call(&mut self, method: &str, params: &[Value]) -> Reply {
        self.calls.lock().unwrap().push((method.to_string(), params.to_vec()));
        match self.script.lock().unwrap().pop_front() {
            Some((m, reply)) if m == method => reply,
            Some((m, _)) => panic!("expected a call to {m}, got {method}"),
            None => panic!("unexpected call to {method}"),
        }
    }
    fn tail(&mut self, _path: &str, _stop: &AtomicBool, sink: &mut dyn FnMut(&[u8])) -> Result<TailEnd, CallError> {
        sink(b"streamed\n");
        Ok(TailEnd::Finished)
    }
}

fn controller(mock: &Mock, interactive: bool) -> (Controller, BufferConsole) {
    let console = BufferConsole::default();
    let m = mock.clone();
    let settings = Settings { interactive, serverurls: vec!["unix:///tmp/x.sock".into()], ..Settings::default() };
    let ctl = Controller::new(settings, Box::new(console.clone()), Box::new(move |_| Box::new(m.clone())));
    (ctl, console)
}

fn run(mock: &Mock, line: &str) -> (String, i32) {
    let (mut ctl, console) = controller(mock, false);
    ctl.onecmd(line);
    assert!(mock.script.lock().unwrap().is_empty(), "not all scripted calls were made: {:?}", mock.calls());
    (console.stdout_text(), ctl.exit)
}

fn info(group: &str, name: &str, state: i64, statename: &str, desc: &str) -> Value {
    structure([
        ("group", Value::from(group)),
        ("name", Value::from(name)),
        ("state", Value::Int(state)),
        ("statename", Value::from(statename)),
        ("description", Value::from(desc)),
        ("pid", Value::Int(if state == 20 { 42 } else { 0 })),
    ])
}

fn result(group: &str, name: &str, status: i32, description: &str) -> Value {
    structure([
        ("group", Value::from(group)),
        ("name", Value::from(name)),
        ("status", Value::Int(status as i64)),
        ("description", Value::from(description)),
    ])
}

fn fault(code: i32, text: &str) -> Reply {
    Err(CallError::Fault(Fault::raw(code, text)))
}

fn all_infos() -> Reply {
    Ok(Value::Array(vec![
        info("cat", "cat", 20, "RUNNING", "pid 42, uptime 0:00:01"),
        info("grp", "a", 0, "STOPPED", "Not started"),
    ]))
}

#[test]
fn status_lists_and_exits_3_when_something_is_stopped() {
    let m = Mock::default();
    m.up().expect("supervisor.getAllProcessInfo", all_infos());
    let (out, code) = run(&m, "status");
    assert_eq!(
        out,
        "cat                              RUNNING   pid 42, uptime 0:00:01\ngrp:a                            STOPPED   Not started\n"
    );
    assert_eq!(code, 3);
}

#[test]
fn status_unknown_names_exit_4_unless_a_stopped_one_is_listed() {
    let m = Mock::default();
    m.up().expect("supervisor.getAllProcessInfo", all_infos());
    let (out, code) = run(&m, "status nosuch nogroup:* grp:zz cat");
    assert_eq!(
        out,
        "nosuch: ERROR (no such process)\nnogroup: ERROR (no such group)\ngrp:zz: ERROR (no such process)\ncat                              RUNNING   pid 42, uptime 0:00:01\n"
    );
    assert_eq!(code, 4);
    let m = Mock::default();
    m.up().expect("supervisor.getAllProcessInfo", all_infos());
    assert_eq!(run(&m, "status nosuch grp:*").1, 3);
}

#[test]
fn status_when_the_server_is_down() {
    let m = Mock::default();
    m.expect("supervisor.getVersion", Err(CallError::Io(std::io::Error::from_raw_os_error(libc::ENOENT))));
    assert_eq!(run(&m, "status"), ("unix:///tmp/x.sock no such file\n".to_string(), 4));
    let m = Mock::default();
    m.expect("supervisor.getVersion", Err(CallError::Io(std::io::Error::from_raw_os_error(libc::ECONNREFUSED))));
    assert_eq!(run(&m, "start x"), ("unix:///tmp/x.sock refused connection\n".to_string(), 4));
    let m = Mock::default();
    m.expect("supervisor.getVersion", Err(CallError::Io(std::io::Error::from_raw_os_error(libc::ENOENT))));
    assert_eq!(run(&m, "stop x").1, 7);
}

#[test]
fn api_version_is_checked_first() {
    let m = Mock::default();
    m.expect("supervisor.getVersion", Ok(Value::from("2.0")));
    let (out, code) = run(&m, "pid");
    assert_eq!(out, "Sorry, this version of supervisorctl expects to talk to a server with API version 3.0, but the remote version is 2.0.\n");
    assert_eq!(code, 5);
    let m = Mock::default();
    m.expect("supervisor.getVersion", fault(1, "UNKNOWN_METHOD"));
    let (out, code) = run(&m, "version");
    assert!(out.starts_with("Sorry, supervisord responded but did not recognize the supervisor namespace"));
    assert_eq!(code, 3);
}

#[test]
fn start_results_and_exit_codes() {
    let m = Mock::default();
    m.up()
        .expect("supervisor.startProcess", fault(60, "ALREADY_STARTED: cat"))
        .expect("supervisor.startProcess", fault(50, "SPAWN_ERROR: bad"))
        .expect("supervisor.startProcessGroup", Ok(Value::Array(vec![result("grp", "a", 80, "OK")])))
        .expect("supervisor.startProcessGroup", fault(10, "BAD_NAME: zz"));
    let (out, code) = run(&m, "start cat bad grp:* zz:*");
    assert_eq!(out, "cat: ERROR (already started)\nbad: ERROR (spawn error)\ngrp:a: started\nzz: ERROR (no such group)\n");
    assert_eq!(code, 2);
    let m = Mock::default();
    m.up();
    let (out, code) = run(&m, "start");
    assert!(out.starts_with("Error: start requires a process name\nstart <name>\t\tStart a process\n"));
    assert_eq!(code, 2);
}

#[test]
fn stop_and_signal_results() {
    let m = Mock::default();
    m.up()
        .expect("supervisor.stopProcess", fault(70, "NOT_RUNNING: s"))
        .expect("supervisor.stopProcess", Ok(Value::Bool(true)));
    assert_eq!(run(&m, "stop s grp:a"), ("s: ERROR (not running)\ngrp:a: stopped\n".to_string(), 0));
    let m = Mock::default();
    m.up()
        .expect("supervisor.signalProcess", fault(70, "NOT_RUNNING: s"))
        .expect("supervisor.signalProcess", fault(11, "BAD_SIGNAL: X"));
    assert_eq!(run(&m, "signal X s t"), ("s: ERROR (not running)\nt: ERROR (bad signal name)\n".to_string(), 1));
    let m = Mock::default();
    m.up().expect("supervisor.signalAllProcesses", Ok(Value::Array(vec![result("g", "p", 70, "NOT_RUNNING")])));
    assert_eq!(run(&m, "signal HUP all"), ("g:p: ERROR (not running)\n".to_string(), 7));
}

#[test]
fn unknown_result_codes_give_the_catch_all_error() {
    let m = Mock::default();
    m.up().expect("supervisor.startProcess", fault(2, "INCORRECT_PARAMETERS"));
    let (out, code) = run(&m, "start x");
    assert!(out.starts_with("error: <class 'ValueError'>, Unknown result code 2 for x: file: "), "{out}");
    assert_eq!(code, 1);
}

#[test]
fn unauthorized_prints_the_message_then_the_second_failure() {
    let m = Mock::default();
    let unauthorized = || Err(CallError::Http { status: 401, reason: "Unauthorized".into() });
    m.expect("supervisor.getVersion", unauthorized()).expect("supervisor.getVersion", unauthorized());
    let (out, code) = run(&m, "status");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Server requires authentication");
    assert!(lines[1].starts_with(
        "error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>: file: "
    ));
    assert_eq!(code, 1);
}

#[test]
fn unauthorized_in_the_shell_asks_for_credentials_and_retries() {
    let m = Mock::default();
    m.expect("supervisor.getVersion", Err(CallError::Http { status: 401, reason: "Unauthorized".into() }))
        .up()
        .expect("supervisor.getSupervisorVersion", Ok(Value::from("4.3.0")));
    let (mut ctl, console) = controller(&m, true);
    console.input.lock().unwrap().extend(["bob".to_string(), "secret".to_string()]);
    ctl.onecmd("version");
    assert_eq!(console.stdout_text(), "Server requires authentication\nUsername:Password:\n4.3.0\n");
    assert_eq!((ctl.settings.username.as_deref(), ctl.settings.password.as_deref()), (Some("bob"), Some("secret")));
}

#[test]
fn unknown_syntax_and_empty_lines() {
    let m = Mock::default();
    assert_eq!(run(&m, "frobnicate now"), ("*** Unknown syntax: frobnicate now\n".to_string(), 1));
    assert_eq!(run(&m, "  "), (String::new(), 0));
    assert_eq!(run(&m, "!ls"), ("*** Unknown syntax: !ls\n".to_string(), 1));
    assert_eq!(run(&m, "help nosuch"), ("*** No help on nosuch\n".to_string(), 0));
    assert_eq!(run(&m, "?quit"), ("quit\tExit the supervisor shell.\n".to_string(), 0));
}

#[test]
fn quit_exit_and_eof_end_the_shell() {
    for line in ["quit", "exit", "EOF"] {
        let m = Mock::default();
        let (mut ctl, console) = controller(&m, true);
        assert!(ctl.onecmd(line));
        assert_eq!(console.stdout_text(), "\n");
    }
}

#[test]
fn update_is_computed_from_reload_config() {
    let lists = Value::Array(vec![Value::Array(vec![
        Value::Array(vec![Value::from("new")]),
        Value::Array(vec![Value::from("changed")]),
        Value::Array(vec![Value::from("gone")]),
    ])]);
    let m = Mock::default();
    m.expect("supervisor.reloadConfig", Ok(lists.clone()))
        .expect("supervisor.stopProcessGroup", Ok(Value::Array(vec![])))
        .expect("supervisor.removeProcessGroup", Ok(Value::Bool(true)))
        .expect("supervisor.stopProcessGroup", Ok(Value::Array(vec![])))
        .expect("supervisor.removeProcessGroup", Ok(Value::Bool(true)))
        .expect("supervisor.addProcessGroup", Ok(Value::Bool(true)))
        .expect("supervisor.addProcessGroup", Ok(Value::Bool(true)));
    let (out, code) = run(&m, "update");
    assert_eq!(
        out,
        "gone: stopped\ngone: removed process group\nchanged: stopped\nchanged: updated process group\nnew: added process group\n"
    );
    assert_eq!(code, 0);

    let m = Mock::default();
    m.expect("supervisor.reloadConfig", Ok(lists.clone()))
        .expect("supervisor.getAllProcessInfo", Ok(Value::Array(vec![info("gone", "p", 20, "RUNNING", "")])))
        .expect("supervisor.stopProcessGroup", Ok(Value::Array(vec![result("gone", "p", 30, "FAILED")])));
    let (out, code) = run(&m, "update gone nosuch");
    assert_eq!(out, "ERROR: no such group: nosuch\ngone: stopped\ngone: has problems; not removing\n");
    assert_eq!(code, 1);
}

#[test]
fn reread_lists_changes() {
    let m = Mock::default();
    let lists = Value::Array(vec![Value::Array(vec![
        Value::Array(vec![Value::from("b")]),
        Value::Array(vec![]),
        Value::Array(vec![Value::from("a")]),
    ])]);
    m.expect("supervisor.reloadConfig", Ok(lists));
    assert_eq!(run(&m, "reread"), ("a: disappeared\nb: available\n".to_string(), 0));
    let m = Mock::default();
    m.expect("supervisor.reloadConfig", fault(92, "CANT_REREAD: bad config"));
    assert_eq!(run(&m, "reread"), ("ERROR: CANT_REREAD: bad config\n".to_string(), 1));
}

#[test]
fn tail_reads_the_log_and_maps_faults() {
    let m = Mock::default();
    m.up().expect("supervisor.readProcessStderrLog", Ok(Value::from("oops\n")));
    assert_eq!(run(&m, "tail -100 x STDERR"), ("oops\n\n".to_string(), 0));
    let calls = m.calls.lock().unwrap().clone();
    assert_eq!(calls[1].1, vec![Value::from("x"), Value::Int(-100), Value::Int(0)]);
    let m = Mock::default();
    m.up().expect("supervisor.readProcessStdoutLog", fault(20, "NO_FILE: x"));
    assert_eq!(run(&m, "tail x"), ("x: ERROR (no log file)\n".to_string(), 1));
    let m = Mock::default();
    m.up();
    assert_eq!(run(&m, "tail -f x stdboo"), ("Error: bad channel 'stdboo'\n".to_string(), 1));
}

#[test]
fn tail_follow_streams() {
    let m = Mock::default();
    m.up();
    assert_eq!(run(&m, "tail -f x"), ("==> Press Ctrl-C to exit <==\nstreamed\n".to_string(), 0));
}

#[test]
fn shutdown_asks_in_the_shell() {
    let m = Mock::default();
    let (mut ctl, console) = controller(&m, true);
    console.input.lock().unwrap().push("n".into());
    ctl.onecmd("shutdown");
    assert_eq!(console.stdout_text(), "Really shut the remote supervisord process down y/N? ");
    m.expect("supervisor.shutdown", Ok(Value::Bool(true)));
    console.input.lock().unwrap().push("Yes".into());
    ctl.onecmd("shutdown");
    assert!(console.stdout_text().ends_with("y/N? Shut down\n"));
}

#[test]
fn avail_and_pid() {
    let m = Mock::default();
    m.expect(
        "supervisor.getAllConfigInfo",
        Ok(Value::Array(vec![structure([
            ("group", Value::from("g")),
            ("name", Value::from("p")),
            ("inuse", Value::Bool(false)),
            ("autostart", Value::Bool(true)),
            ("group_prio", Value::Int(999)),
            ("process_prio", Value::Int(1)),
        ])])),
    );
    assert_eq!(run(&m, "avail"), ("g:p                              avail     auto      999:1\n".to_string(), 0));
    let m = Mock::default();
    m.up()
        .expect("supervisor.getProcessInfo", Ok(info("s", "s", 0, "STOPPED", "")))
        .expect("supervisor.getProcessInfo", fault(10, "BAD_NAME: q"));
    assert_eq!(run(&m, "pid s q"), ("0\nNo such process q\n".to_string(), 1));
}

#[test]
fn status_json_has_every_field() {
    let m = Mock::default();
    m.up().expect("supervisor.getAllProcessInfo", all_infos());
    let (out, code) = run(&m, "status --json grp:a");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(v["name"], "a");
    assert_eq!(v["group"], "grp");
    assert_eq!(v["state"], 0);
    assert_eq!(code, 3);
}
