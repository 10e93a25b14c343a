//! Commands reading logs and attaching to a process: tail, maintail
//! (including `-f`, which follows the daemon's HTTP log streams) and fg.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::rpc::value::{codes, Value};

use super::super::console::LineRead;
use super::super::controller::{exit, py_str, Controller};
use super::super::pyfmt::{py_int, repr_str, split_words};
use super::super::server::{CallError, Server, TailEnd};

/// How many bytes `tail` and `maintail` show by default.
const DEFAULT_BYTES: i128 = 1600;

/// Raises `flag` on SIGINT while alive, restoring the previous handling
/// when dropped, so Ctrl-C ends a stream instead of the program.
struct CtrlC {
    id: Option<signal_hook::SigId>,
}

impl CtrlC {
    fn watch(flag: &Arc<AtomicBool>) -> CtrlC {
        CtrlC { id: signal_hook::flag::register(signal_hook::consts::SIGINT, flag.clone()).ok() }
    }
}

impl Drop for CtrlC {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// The value XML-RPC can carry for a byte count, or Python's OverflowError.
fn xmlrpc_int(n: i128) -> Result<Value, CallError> {
    if n > i32::MAX as i128 || n < i32::MIN as i128 {
        return Err(CallError::unexpected("OverflowError", "int exceeds XML-RPC limits"));
    }
    Ok(Value::Int(n as i64))
}

impl Controller {
    /// Follows `path` (a logtail URL path), printing data as it arrives.
    fn tailf(&mut self, path: &str) -> Result<(), CallError> {
        self.output("==> Press Ctrl-C to exit <==");
        let stop = Arc::new(AtomicBool::new(false));
        let _guard = CtrlC::watch(&stop);
        let mut out = self.console.stream_out();
        let mut server = self.server();
        let url = format!("{}{}", self.settings.serverurl(), path);
        let end = server.tail(path, &stop, &mut |data| {
            let _ = out.write_all(data);
            let _ = out.flush();
        });
        match end {
            Ok(TailEnd::Interrupted) => {
                super::super::interrupt::handled();
                self.output("")
            }
            Ok(TailEnd::Finished) => {}
            Ok(TailEnd::Status(code)) => self.console.err(&format!("{url} Cannot read, status code {code}\n")),
            Err(e) => {
                let text = e.python_text();
                let (class, detail) = text.split_once(", ").unwrap_or((text.as_str(), ""));
                self.console.err(&format!("{url} Cannot connect, error: {class} ({detail})\n"));
            }
        }
        Ok(())
    }

    pub fn do_tail(&mut self, arg: &str) -> Result<(), CallError> {
        if !self.upcheck()? {
            return Ok(());
        }
        let mut args = split_words(arg);
        if args.is_empty() {
            self.output("Error: too few arguments");
            self.exit = exit::GENERIC;
            self.help_for("tail");
            return Ok(());
        }
        if args.len() > 3 {
            self.output("Error: too many arguments");
            self.exit = exit::GENERIC;
            self.help_for("tail");
            return Ok(());
        }
        let modifier = if args[0].starts_with('-') { Some(args.remove(0)) } else { None };
        let (name, channel) = if args.len() == 1 {
            (args[0].clone(), "stdout".to_string())
        } else if let Some(first) = args.first() {
            let channel = args[args.len() - 1].to_lowercase();
            if channel != "stderr" && channel != "stdout" {
                self.output(&format!("Error: bad channel {}", repr_str(&channel)));
                self.exit = exit::GENERIC;
                return Ok(());
            }
            (first.clone(), channel)
        } else {
            self.output("Error: tail requires process name");
            self.exit = exit::GENERIC;
            return Ok(());
        };
        let mut bytes = Some(DEFAULT_BYTES);
        if let Some(m) = &modifier {
            let what = &m[1..];
            if what == "f" {
                bytes = None;
            } else {
                match py_int(what) {
                    Some(n) => bytes = Some(n),
                    None => {
                        self.output(&format!("Error: bad argument {m}"));
                        self.exit = exit::GENERIC;
                        return Ok(());
                    }
                }
            }
        }
        let Some(bytes) = bytes else {
            return self.tailf(&format!("/logtail/{name}/{channel}"));
        };
        let method = if channel == "stdout" { "supervisor.readProcessStdoutLog" } else { "supervisor.readProcessStderrLog" };
        match self.call(method, &[Value::from(name.as_str()), xmlrpc_int(-bytes)?, Value::Int(0)]) {
            Ok(text) => self.output(&py_str(&text)),
            Err(CallError::Fault(f)) => {
                self.exit = exit::GENERIC;
                let why = match f.code {
                    codes::NO_FILE => "no log file",
                    codes::FAILED => "unknown error reading log",
                    codes::BAD_NAME => "no such process name",
                    _ => return Err(CallError::Fault(f)),
                };
                self.output(&format!("{name}: ERROR ({why})"));
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }

    pub fn do_maintail(&mut self, arg: &str) -> Result<(), CallError> {
        if !self.upcheck()? {
            return Ok(());
        }
        let args = split_words(arg);
        let bytes = match args.len() {
            0 => DEFAULT_BYTES,
            1 => {
                let a = &args[0];
                let parsed = a.strip_prefix('-').and_then(|what| if what == "f" { Some(None) } else { py_int(what).map(Some) });
                match parsed {
                    Some(None) => return self.tailf("/mainlogtail"),
                    Some(Some(n)) => n,
                    None => {
                        self.output(&format!("Error: bad argument {a}"));
                        self.exit = exit::GENERIC;
                        return Ok(());
                    }
                }
            }
            _ => {
                self.output("Error: too many arguments");
                self.exit = exit::GENERIC;
                self.help_for("maintail");
                return Ok(());
            }
        };
        match self.call("supervisor.readLog", &[xmlrpc_int(-bytes)?, Value::Int(0)]) {
            Ok(text) => self.output(&py_str(&text)),
            Err(CallError::Fault(f)) => {
                self.exit = exit::GENERIC;
                let why = match f.code {
                    codes::NO_FILE => "no log file",
                    codes::FAILED => "unknown error reading log",
                    _ => return Err(CallError::Fault(f)),
                };
                self.output(&format!("supervisord: ERROR ({why})"));
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }

    pub fn do_fg(&mut self, arg: &str) -> Result<(), CallError> {
        if !self.upcheck()? {
            return Ok(());
        }
        let names = split_words(arg);
        if names.is_empty() {
            self.output("ERROR: no process name supplied");
            self.exit = exit::GENERIC;
            self.help_for("fg");
            return Ok(());
        }
        if names.len() > 1 {
            self.output("ERROR: too many process names supplied");
            self.exit = exit::GENERIC;
            return Ok(());
        }
        let name = names[0].clone();
        let info = match self.call("supervisor.getProcessInfo", &[Value::from(name.as_str())]) {
            Ok(info) => info,
            Err(CallError::Fault(f)) => {
                if f.code == codes::BAD_NAME {
                    self.output("ERROR: bad process name supplied");
                    self.exit = exit::GENERIC;
                } else {
                    self.output(&format!("ERROR: <Fault {}: {}>", f.code, repr_str(&f.string)));
                }
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        if !Self::is_running(&info)? {
            self.output("ERROR: process not running");
            self.exit = exit::GENERIC;
            return Ok(());
        }
        self.output("==> Press Ctrl-C to exit <==");
        let stop = Arc::new(AtomicBool::new(false));
        let _guard = CtrlC::watch(&stop);
        let streams: Vec<_> = ["stdout", "stderr"]
            .iter()
            .map(|channel| {
                let mut server: Box<dyn Server + Send> = self.server();
                let mut out = self.console.stream_out();
                let stop = stop.clone();
                let path = format!("/logtail/{name}/{channel}");
                std::thread::spawn(move || {
                    let _ = server.tail(&path, &stop, &mut |data| {
                        let _ = out.write_all(data);
                        let _ = out.flush();
                    });
                })
            })
            .collect();
        let result = self.fg_input_loop(&name, &stop);
        super::super::interrupt::handled();
        // Stop the log streams before the closing lines, so that no log
        // output lands after "Exiting foreground".
        stop.store(true, Ordering::SeqCst);
        for s in streams {
            let _ = s.join();
        }
        let lines = result?;
        for line in lines {
            self.output(&line);
        }
        Ok(())
    }

    /// Sends each line typed to the process until Ctrl-C, end of input, or
    /// the process stops.
    fn fg_input_loop(&mut self, name: &str, stop: &AtomicBool) -> Result<Vec<String>, CallError> {
        loop {
            let line = match self.console.read_line_until(stop) {
                LineRead::Line(l) => l,
                LineRead::Eof | LineRead::Interrupted => return Ok(vec!["Exiting foreground".to_string()]),
            };
            let sent = self.call("supervisor.sendProcessStdin", &[Value::from(name), Value::from(format!("{line}\n"))]);
            match sent {
                Ok(_) => {}
                Err(CallError::Fault(f)) => {
                    let first = if f.code == codes::NOT_RUNNING {
                        "Process got killed".to_string()
                    } else {
                        format!("ERROR: <Fault {}: {}>", f.code, repr_str(&f.string))
                    };
                    return Ok(vec![first, "Exiting foreground".to_string()]);
                }
                Err(e) => return Err(e),
            }
            let info = self.call("supervisor.getProcessInfo", &[Value::from(name)])?;
            if !Self::is_running(&info)? {
                return Ok(vec!["Process got killed".to_string(), "Exiting foreground".to_string()]);
            }
        }
    }
}
