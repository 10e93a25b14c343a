//! supervisor.* methods through the handle: values, types and faults as
//! 4.3.0's rpcinterface.py gives them.

#[path = "engine_support.rs"]
mod support;

use std::time::Duration;

use rsupervisor::rpc::value::{codes, Value};
use support::*;

fn s(v: &str) -> Value {
    Value::str(v)
}

fn statuses(v: &Value) -> Vec<(String, String, i64, String)> {
    let Value::Array(items) = v else { panic!("not an array: {v:?}") };
    let mut out: Vec<_> = items
        .iter()
        .map(|i| {
            (
                field(i, "group").as_str().unwrap().to_string(),
                field(i, "name").as_str().unwrap().to_string(),
                field(i, "status").as_int().unwrap(),
                field(i, "description").as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_methods_and_faults() {
    let _g = serial();
    let r = start("[program:cat]\ncommand=cat\nstartsecs=0\n\n[program:off]\ncommand=sleep 1000\nautostart=false\n");
    r.wait_state("cat", "RUNNING", 5).await;
    assert_eq!(r.call("getAPIVersion", vec![]).await, Ok(s("3.0")));
    assert_eq!(r.call("getVersion", vec![]).await, Ok(s("3.0")));
    assert_eq!(r.call("getSupervisorVersion", vec![]).await, Ok(s("4.3.0")));
    assert_eq!(r.call("getIdentification", vec![]).await, Ok(s("supervisor")));
    assert_eq!(r.call("getPID", vec![]).await, Ok(Value::Int(std::process::id() as i64)));
    let st = r.call("getState", vec![]).await.unwrap();
    assert_eq!(field(&st, "statecode"), &Value::Int(1));
    assert_eq!(field(&st, "statename"), &s("RUNNING"));

    let f = r.call("getState", vec![s("x")]).await.unwrap_err();
    assert_eq!((f.code, f.string.as_str()), (codes::INCORRECT_PARAMETERS, "INCORRECT_PARAMETERS"));
    let f = r.call("noSuchMethod", vec![]).await.unwrap_err();
    assert_eq!((f.code, f.string.as_str()), (codes::UNKNOWN_METHOD, "UNKNOWN_METHOD"));
    let f = r.call("getProcessInfo", vec![s("nope")]).await.unwrap_err();
    assert_eq!(f.string, "BAD_NAME: nope");
    let f = r.call("getProcessInfo", vec![s("cat:*")]).await.unwrap_err();
    assert_eq!(f.string, "BAD_NAME: cat:*");
    let f = r.call("startProcess", vec![s("cat")]).await.unwrap_err();
    assert_eq!(f.string, "ALREADY_STARTED: cat");
    let f = r.call("stopProcess", vec![s("off")]).await.unwrap_err();
    assert_eq!(f.string, "NOT_RUNNING: off");
    let f = r.call("signalProcess", vec![s("cat"), s("NOPE")]).await.unwrap_err();
    assert_eq!(f.string, "BAD_SIGNAL: NOPE");
    let f = r.call("signalProcess", vec![s("off"), s("HUP")]).await.unwrap_err();
    assert_eq!(f.string, "NOT_RUNNING: off");

    // ProcessInfo: all 14 keys, ints as ints, descriptions.
    let info = r.info("off").await;
    let Value::Struct(m) = &info else { panic!() };
    let keys: Vec<&str> = m.keys().map(|k| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "description", "exitstatus", "group", "logfile", "name", "now", "pid", "spawnerr", "start", "state",
            "statename", "stderr_logfile", "stdout_logfile", "stop"
        ]
    );
    assert_eq!(field(&info, "description"), &s("Not started"));
    assert_eq!(field(&info, "logfile"), field(&info, "stdout_logfile"));
    assert!(field(&info, "stdout_logfile").as_str().unwrap().contains("off-stdout---supervisor-"));

    // sendProcessStdin: cat echoes it into its stdout log.
    assert_eq!(r.call("sendProcessStdin", vec![s("cat"), s("hello\n")]).await, Ok(Value::Bool(true)));
    let f = r.call("sendProcessStdin", vec![s("cat"), Value::Int(3)]).await.unwrap_err();
    assert_eq!(f.string, "INCORRECT_PARAMETERS: 3");
    let f = r.call("sendProcessStdin", vec![s("off"), s("x")]).await.unwrap_err();
    assert_eq!(f.string, "NOT_RUNNING: off");
    let mut text = String::new();
    for _ in 0..100 {
        text = r.call("readProcessStdoutLog", vec![s("cat"), Value::Int(0), Value::Int(0)]).await.unwrap().as_str().unwrap().to_string();
        if text == "hello\n" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(text, "hello\n");
    let tail = r.call("tailProcessStdoutLog", vec![s("cat"), Value::Int(0), Value::Int(3)]).await.unwrap();
    assert_eq!(tail, Value::Array(vec![s("lo\n"), Value::Int(6), Value::Bool(true)]));
    assert_eq!(r.call("clearProcessLogs", vec![s("cat")]).await, Ok(Value::Bool(true)));
    assert_eq!(r.call("readProcessStdoutLog", vec![s("cat"), Value::Int(0), Value::Int(0)]).await, Ok(s("")));
    let tail = r.call("tailProcessStderrLog", vec![s("cat"), Value::Int(0), Value::Int(10)]).await.unwrap();
    assert_eq!(tail, Value::Array(vec![s(""), Value::Int(0), Value::Bool(false)]));

    // Main log reading.
    let text = r.call("readLog", vec![Value::Int(0), Value::Int(0)]).await.unwrap();
    assert!(text.as_str().unwrap().contains("spawned: 'cat' with pid"));

    // Config info: every key 4.3.0 sends.
    let Value::Array(ci) = r.call("getAllConfigInfo", vec![]).await.unwrap() else { panic!() };
    assert_eq!(ci.len(), 2);
    let Value::Struct(m) = &ci[0] else { panic!() };
    assert_eq!(m.len(), 29);
    assert_eq!(field(&ci[0], "name"), &s("cat"));
    assert_eq!(field(&ci[0], "inuse"), &Value::Bool(true));
    assert_eq!(field(&ci[0], "stopsignal"), &Value::Int(15));
    assert_eq!(field(&ci[0], "directory"), &s("none"));
    assert_eq!(field(&ci[0], "exitcodes"), &Value::Array(vec![Value::Int(0)]));

    // wait given as int 1 (PHP clients) is accepted.
    assert_eq!(r.call("startProcess", vec![s("off"), Value::Int(1)]).await, Ok(Value::Bool(true)));
    assert_eq!(r.state("off").await, "RUNNING");
    let d = field(&r.info("off").await, "description").as_str().unwrap().to_string();
    assert!(d.starts_with(&format!("pid {}, uptime 0:00:0", r.pid("off").await)), "{d}");
    assert_eq!(r.call("signalProcess", vec![s("off"), s("STOP")]).await, Ok(Value::Bool(true)));
    assert_eq!(r.call("signalProcess", vec![s("off"), Value::Int(18)]).await, Ok(Value::Bool(true)));
    let all = r.call("stopAllProcesses", vec![]).await.unwrap();
    assert_eq!(
        statuses(&all),
        [
            ("cat".into(), "cat".into(), 80, "OK".into()),
            ("off".into(), "off".into(), 80, "OK".into())
        ]
    );
    let info = r.info("off").await;
    assert_eq!(field(&info, "statename"), &s("STOPPED"));
    assert_ne!(field(&info, "description"), &s("Not started"));

    // Shutdown: true, then SHUTDOWN_STATE for everything after.
    assert_eq!(r.call("shutdown", vec![]).await, Ok(Value::Bool(true)));
    let f = r.call("getState", vec![]).await.unwrap_err();
    assert_eq!(f.code, codes::SHUTDOWN_STATE);
    let outcome = tokio::time::timeout(Duration::from_secs(10), r.task).await.unwrap().unwrap();
    assert_eq!(outcome, rsupervisor::supervisor::Outcome::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_reload_add_remove() {
    let _g = serial();
    let r = start(concat!(
        "[program:w]\ncommand=sleep 1000\nnumprocs=3\nprocess_name=%(program_name)s_%(process_num)02d\nstartsecs=0\n\n",
        "[program:gone]\ncommand=sleep 1000\nstartsecs=0\n\n",
        "[program:bad]\ncommand=/no/such/program\nautostart=false\n",
    ));
    for n in ["w:w_00", "w:w_01", "w:w_02", "gone"] {
        r.wait_state(n, "RUNNING", 5).await;
    }
    let f = r.call("startProcess", vec![s("bad")]).await.unwrap_err();
    assert_eq!(f.string, "NO_FILE: can't find command '/no/such/program'");
    // Group stop with wait, then start of the group by "w:*".
    let res = r.call("stopProcessGroup", vec![s("w")]).await.unwrap();
    assert_eq!(statuses(&res).len(), 3);
    assert!(statuses(&res).iter().all(|x| x.2 == 80));
    let res = r.call("startProcess", vec![s("w:*")]).await.unwrap();
    assert_eq!(statuses(&res).len(), 3);
    assert_eq!(r.state("w:w_01").await, "RUNNING");
    let res = r.call("signalProcessGroup", vec![s("w"), s("CONT")]).await.unwrap();
    assert_eq!(statuses(&res).len(), 3);

    // reloadConfig: change w, remove gone, add new.
    let conf = r.path("supervisord.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    let text = text
        .replace("numprocs=3", "numprocs=2")
        .replace("[program:gone]\ncommand=sleep 1000\nstartsecs=0\n", "[program:new]\ncommand=sleep 1000\nstartsecs=0\n");
    std::fs::write(&conf, text).unwrap();
    let res = r.call("reloadConfig", vec![]).await.unwrap();
    assert_eq!(
        res,
        Value::Array(vec![Value::Array(vec![
            Value::Array(vec![s("new")]),
            Value::Array(vec![s("w")]),
            Value::Array(vec![s("gone")]),
        ])])
    );
    let f = r.call("removeProcessGroup", vec![s("gone")]).await.unwrap_err();
    assert_eq!(f.string, "STILL_RUNNING: gone");
    r.call("stopProcess", vec![s("gone")]).await.unwrap();
    assert_eq!(r.call("removeProcessGroup", vec![s("gone")]).await, Ok(Value::Bool(true)));
    let f = r.call("removeProcessGroup", vec![s("gone")]).await.unwrap_err();
    assert_eq!(f.string, "BAD_NAME: gone");
    assert_eq!(r.call("addProcessGroup", vec![s("new")]).await, Ok(Value::Bool(true)));
    let f = r.call("addProcessGroup", vec![s("new")]).await.unwrap_err();
    assert_eq!(f.string, "ALREADY_ADDED: new");
    let f = r.call("addProcessGroup", vec![s("zzz")]).await.unwrap_err();
    assert_eq!(f.string, "BAD_NAME: zzz");
    r.wait_state("new", "RUNNING", 5).await;
    let Value::Array(all) = r.call("getAllProcessInfo", vec![]).await.unwrap() else { panic!() };
    let names: Vec<_> = all.iter().map(|i| field(i, "name").as_str().unwrap().to_string()).collect();
    assert_eq!(names, ["bad", "new", "w_00", "w_01", "w_02"]);
    r.shutdown().await;
}
