//! Commands acting on processes: status, pid, start, stop, restart, signal,
//! clear. Result lines and exit codes follow 4.3.0.

use crate::rpc::value::{codes, Value};

use super::super::controller::{exit, field, field_int, field_str, items, py_str, Controller};
use super::super::format;
use super::super::pyfmt::{make_namespec, split_namespec, split_words};
use super::super::server::CallError;

/// The process states counted as "not running" by `status`.
pub const STOPPED_STATES: [i64; 4] = [0, 100, 200, 1000];
const RUNNING: i64 = 20;

/// A result struct from a multi-process call (or built from a fault).
struct Outcome {
    name: String,
    code: i64,
    description: String,
}

fn outcome(v: &Value) -> Result<Outcome, CallError> {
    let name = make_namespec(&field_str(v, "group")?, &field_str(v, "name")?);
    Ok(Outcome { name, code: field_int(v, "status")?, description: field_str(v, "description")? })
}

fn fault_outcome(group: &str, process: Option<&str>, code: i32, text: &str) -> Outcome {
    let name = match process {
        Some(p) => make_namespec(group, p),
        None => format!("{group}:None"),
    };
    Outcome { name, code: code as i64, description: text.to_string() }
}

fn unknown_code(o: &Outcome) -> CallError {
    CallError::unexpected("ValueError", format!("Unknown result code {} for {}", o.code, o.name))
}

fn start_line(o: &Outcome) -> Result<String, CallError> {
    let why = match o.code as i32 {
        codes::BAD_NAME => "no such process",
        codes::NO_FILE => "no such file",
        codes::NOT_EXECUTABLE => "file is not executable",
        codes::ALREADY_STARTED => "already started",
        codes::SPAWN_ERROR => "spawn error",
        codes::ABNORMAL_TERMINATION => "abnormal termination",
        codes::SUCCESS => return Ok(format!("{}: started", o.name)),
        _ => return Err(unknown_code(o)),
    };
    Ok(format!("{}: ERROR ({why})", o.name))
}

fn signal_line(o: &Outcome, success: &str) -> Result<String, CallError> {
    let why = match o.code as i32 {
        codes::BAD_NAME => "no such process",
        codes::BAD_SIGNAL => "bad signal name",
        codes::NOT_RUNNING => "not running",
        codes::SUCCESS => return Ok(format!("{}: {success}", o.name)),
        codes::FAILED => return Ok(o.description.clone()),
        _ => return Err(unknown_code(o)),
    };
    Ok(format!("{}: ERROR ({why})", o.name))
}

fn clear_line(o: &Outcome) -> Result<String, CallError> {
    match o.code as i32 {
        codes::BAD_NAME => Ok(format!("{}: ERROR (no such process)", o.name)),
        codes::FAILED => Ok(format!("{}: ERROR (failed)", o.name)),
        codes::SUCCESS => Ok(format!("{}: cleared", o.name)),
        _ => Err(unknown_code(o)),
    }
}

/// Which of `infos` a `status` name list selects, and the error lines for
/// names that select nothing.
/// Chosen processes are given as indices into `infos`.
pub fn select(infos: &[Value], names: &[String]) -> Result<(Vec<usize>, Vec<String>), CallError> {
    if names.is_empty() || names.iter().any(|n| n == "all") {
        return Ok(((0..infos.len()).collect(), Vec::new()));
    }
    let mut chosen = Vec::new();
    let mut errors = Vec::new();
    for name in names {
        let (group, process) = split_namespec(name);
        let mut found = false;
        for (i, info) in infos.iter().enumerate() {
            let mut matched = field_str(info, "group")? == group;
            if let Some(p) = &process {
                matched = matched && field_str(info, "name")? == *p;
            }
            if matched {
                found = true;
                chosen.push(i);
            }
        }
        if !found {
            errors.push(match process {
                None => format!("{group}: ERROR (no such group)"),
                Some(_) => format!("{name}: ERROR (no such process)"),
            });
        }
    }
    Ok((chosen, errors))
}

impl Controller {
    pub fn do_status(&mut self, arg: &str) -> Result<(), CallError> {
        let mut words = split_words(arg);
        let json = words.iter().any(|w| w == "--json");
        words.retain(|w| w != "--json");
        if self.settings.serverurls.len() > 1 {
            return self.status_across_servers(&words, json);
        }
        if !self.upcheck()? {
            self.exit = exit::STATUS_UNKNOWN;
            return Ok(());
        }
        let all = self.call("supervisor.getAllProcessInfo", &[])?;
        let infos = items(&all)?;
        let (indices, errors) = select(infos, &words)?;
        let chosen: Vec<&Value> = indices.iter().map(|&i| &infos[i]).collect();
        for e in &errors {
            if json {
                self.output(&format::json_error_line(e, None));
            } else {
                self.output(e);
            }
            self.exit = exit::STATUS_UNKNOWN;
        }
        if json {
            for info in &chosen {
                self.output(&format::json_line(info, None));
            }
        } else {
            let text = format::status_lines(&chosen, None)?;
            for line in text {
                self.output(&line);
            }
        }
        for info in chosen {
            if STOPPED_STATES.contains(&field_int(info, "state")?) {
                self.exit = exit::STATUS_NOT_RUNNING;
            }
        }
        Ok(())
    }

    pub fn do_pid(&mut self, arg: &str) -> Result<(), CallError> {
        if !self.upcheck()? {
            return Ok(());
        }
        let names = split_words(arg);
        if names.is_empty() {
            let pid = self.call("supervisor.getPID", &[])?;
            self.output(&py_str(&pid));
        } else if names.iter().any(|n| n == "all") {
            let all = self.call("supervisor.getAllProcessInfo", &[])?;
            for info in items(&all)? {
                let pid = field_str(info, "pid")?;
                self.output(&pid);
            }
        } else {
            for name in names {
                match self.call("supervisor.getProcessInfo", &[Value::from(name.as_str())]) {
                    Ok(info) => {
                        let pid = field(&info, "pid")?;
                        self.output(&py_str(pid));
                        if pid.as_int() == Some(0) {
                            self.exit = exit::NOT_RUNNING;
                        }
                    }
                    Err(CallError::Fault(f)) => {
                        self.exit = exit::GENERIC;
                        if f.code == codes::BAD_NAME {
                            self.output(&format!("No such process {name}"));
                        } else {
                            return Err(CallError::Fault(f));
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    pub fn do_start(&mut self, arg: &str) -> Result<(), CallError> {
        if !self.upcheck()? {
            return Ok(());
        }
        let names = split_words(arg);
        if names.is_empty() {
            self.output("Error: start requires a process name");
            self.exit = exit::INVALID_ARGS;
            self.help_for("start");
            return Ok(());
        }
        let already = Some(codes::ALREADY_STARTED as i64);
        if names.iter().any(|n| n == "all") {
            let results = self.call("supervisor.startAllProcesses", &[])?;
            for r in items(&results)? {
                let o = outcome(r)?;
                let line = start_line(&o)?;
                self.output(&line);
                self.exit_from_code(o.code, already);
            }
            return Ok(());
        }
        for name in names {
            let (group, process) = split_namespec(&name);
            match process {
                None => match self.call("supervisor.startProcessGroup", &[Value::from(group.as_str())]) {
                    Ok(results) => {
                        for r in items(&results)? {
                            let o = outcome(r)?;
                            let line = start_line(&o)?;
                            self.output(&line);
                            self.exit_from_code(o.code, already);
                        }
                    }
                    Err(CallError::Fault(f)) if f.code == codes::BAD_NAME => {
                        self.output(&format!("{group}: ERROR (no such group)"));
                        self.exit = exit::INVALID_ARGS;
                    }
                    Err(e) => {
                        self.exit = exit::GENERIC;
                        return Err(e);
                    }
                },
                Some(process) => match self.call("supervisor.startProcess", &[Value::from(name.as_str())]) {
                    Ok(_) => self.output(&format!("{}: started", make_namespec(&group, &process))),
                    Err(CallError::Fault(f)) => {
                        let o = fault_outcome(&group, Some(&process), f.code, &f.string);
                        let line = start_line(&o)?;
                        self.output(&line);
                        self.exit_from_code(o.code, already);
                    }
                    Err(e) => return Err(e),
                },
            }
        }
        Ok(())
    }

    pub fn do_stop(&mut self, arg: &str) -> Result<(), CallError> {
        self.signal_like(arg, None)
    }

    pub fn do_signal(&mut self, arg: &str) -> Result<(), CallError> {
        if !self.upcheck()? {
            return Ok(());
        }
        let args = split_words(arg);
        if args.len() < 2 {
            self.output("Error: signal requires a signal name and a process name");
            self.help_for("signal");
            self.exit = exit::GENERIC;
            return Ok(());
        }
        self.signal_like(&args[1..].join(" "), Some(&args[0]))
    }

    /// `stop` (sig None) and `signal` share their shape: all, groups, names.
    fn signal_like(&mut self, arg: &str, sig: Option<&str>) -> Result<(), CallError> {
        if sig.is_none() && !self.upcheck()? {
            return Ok(());
        }
        let names = split_words(arg);
        if names.is_empty() {
            self.output("Error: stop requires a process name");
            self.exit = exit::GENERIC;
            self.help_for("stop");
            return Ok(());
        }
        let success = if sig.is_some() { "signalled" } else { "stopped" };
        let ignored = if sig.is_some() { None } else { Some(codes::NOT_RUNNING as i64) };
        let sigv = sig.map(Value::from);
        if names.iter().any(|n| n == "all") {
            let results = match &sigv {
                Some(s) => self.call("supervisor.signalAllProcesses", std::slice::from_ref(s))?,
                None => self.call("supervisor.stopAllProcesses", &[])?,
            };
            for r in items(&results)? {
                let o = outcome(r)?;
                let line = signal_line(&o, success)?;
                self.output(&line);
                self.exit_from_code(o.code, ignored);
            }
            return Ok(());
        }
        for name in names {
            let (group, process) = split_namespec(&name);
            match process {
                None => {
                    let result = match &sigv {
                        Some(s) => self.call("supervisor.signalProcessGroup", &[Value::from(group.as_str()), s.clone()]),
                        None => self.call("supervisor.stopProcessGroup", &[Value::from(group.as_str())]),
                    };
                    match result {
                        Ok(results) => {
                            for r in items(&results)? {
                                let o = outcome(r)?;
                                let line = signal_line(&o, success)?;
                                self.output(&line);
                                self.exit_from_code(o.code, ignored);
                            }
                        }
                        Err(CallError::Fault(f)) if f.code == codes::BAD_NAME => {
                            self.output(&format!("{group}: ERROR (no such group)"));
                            self.exit = exit::GENERIC;
                        }
                        Err(e) => {
                            if sig.is_none() {
                                self.exit = exit::GENERIC;
                            }
                            return Err(e);
                        }
                    }
                }
                Some(process) => {
                    let result = match &sigv {
                        Some(s) => self.call("supervisor.signalProcess", &[Value::from(name.as_str()), s.clone()]),
                        None => self.call("supervisor.stopProcess", &[Value::from(name.as_str())]),
                    };
                    match result {
                        Ok(_) => self.output(&format!("{}: {success}", make_namespec(&group, &process))),
                        Err(CallError::Fault(f)) => {
                            let o = fault_outcome(&group, Some(&process), f.code, &f.string);
                            let line = signal_line(&o, success)?;
                            self.output(&line);
                            self.exit_from_code(o.code, ignored);
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        Ok(())
    }

    pub fn do_restart(&mut self, arg: &str) -> Result<(), CallError> {
        if !self.upcheck()? {
            return Ok(());
        }
        if split_words(arg).is_empty() {
            self.output("Error: restart requires a process name");
            self.exit = exit::GENERIC;
            self.help_for("restart");
            return Ok(());
        }
        self.do_stop(arg)?;
        self.do_start(arg)
    }

    pub fn do_clear(&mut self, arg: &str) -> Result<(), CallError> {
        if !self.upcheck()? {
            return Ok(());
        }
        let names = split_words(arg);
        if names.is_empty() {
            self.output("Error: clear requires a process name");
            self.exit = exit::GENERIC;
            self.help_for("clear");
            return Ok(());
        }
        if names.iter().any(|n| n == "all") {
            let results = self.call("supervisor.clearAllProcessLogs", &[])?;
            for r in items(&results)? {
                let o = outcome(r)?;
                let line = clear_line(&o)?;
                self.output(&line);
                self.exit_from_code(o.code, None);
            }
            return Ok(());
        }
        for name in names {
            let (group, process) = split_namespec(&name);
            match self.call("supervisor.clearProcessLogs", &[Value::from(name.as_str())]) {
                Ok(_) => {
                    let shown = match &process {
                        Some(p) => make_namespec(&group, p),
                        None => format!("{group}:None"),
                    };
                    self.output(&format!("{shown}: cleared"));
                }
                Err(CallError::Fault(f)) => {
                    let o = fault_outcome(&group, process.as_deref(), f.code, &f.string);
                    let line = clear_line(&o)?;
                    self.output(&line);
                    self.exit_from_code(o.code, None);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The state of one process (for `fg`).
    pub fn is_running(info: &Value) -> Result<bool, CallError> {
        Ok(field_int(info, "state")? == RUNNING)
    }
}
