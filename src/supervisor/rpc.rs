//! Every `supervisor.*` XML-RPC method of 4.3.0's rpcinterface.py: the same
//! parameters, defaults, return values and faults. Arity and type errors
//! give INCORRECT_PARAMETERS as supervisord's dispatcher reports them.

use std::sync::Arc;

use crate::config::model::GroupConfig;
use crate::process::command::{check_command, search_path, CommandProblem};
use crate::process::signals::signal_number;
use crate::process::state::{ProcessState, SupervisorState};
use crate::rpc::value::{codes, structure, Fault, RpcResult, Value};
use crate::supervisor::core::{Reply, Supervisor};
use crate::supervisor::handle::Channel;
use crate::supervisor::info::{config_info, process_info};
use crate::supervisor::waits::{status_struct, WaitCond, WaitKind};

/// supervisor.getAPIVersion.
pub const API_VERSION: &str = "3.0";
/// supervisor.getSupervisorVersion: the supervisord release we stand in for.
pub const SUPERVISOR_VERSION: &str = "4.3.0";

fn bad_params() -> Fault {
    Fault::code(codes::INCORRECT_PARAMETERS)
}

fn arity(params: &[Value], min: usize, max: usize) -> Result<(), Fault> {
    if params.len() < min || params.len() > max {
        Err(bad_params())
    } else {
        Ok(())
    }
}

/// A name argument. supervisord answers a non-string name with an HTTP 500;
/// we answer INCORRECT_PARAMETERS.
fn arg_str(v: &Value) -> Result<String, Fault> {
    match v {
        Value::String(s) => Ok(s.clone()),
        _ => Err(bad_params()),
    }
}

/// Python's int(): ints, booleans, whole doubles and numeric strings.
fn arg_int(v: &Value) -> Result<i64, Fault> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(*b as i64),
        Value::Double(d) if d.is_finite() => Ok(d.trunc() as i64),
        Value::String(s) => s.trim().parse::<i64>().map_err(|_| bad_params()),
        _ => Err(bad_params()),
    }
}

/// Python truthiness, for `wait` arguments (PHP clients send int 1).
fn truthy(v: Option<&Value>) -> bool {
    match v {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(Value::Int(i)) => *i != 0,
        Some(Value::Double(d)) => *d != 0.0,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Struct(s)) => !s.is_empty(),
        Some(Value::Base64(b)) => !b.is_empty(),
        Some(Value::Nil) => false,
        Some(Value::DateTime(_)) => true,
    }
}

/// str() of an argument for fault details (BAD_SIGNAL: HUPX).
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Value::Double(d) => d.to_string(),
        other => format!("{other:?}"),
    }
}

fn make_namespec(group: &str, name: &str) -> String {
    if group == name {
        name.to_string()
    } else {
        format!("{group}:{name}")
    }
}

impl Supervisor {
    /// supervisord refuses most calls once it is shutting down.
    fn check_mood(&self) -> Result<(), Fault> {
        if self.ctx.mood < SupervisorState::Running {
            Err(Fault::code(codes::SHUTDOWN_STATE))
        } else {
            Ok(())
        }
    }

    /// Runs one method; `method` is without the `supervisor.` prefix.
    pub fn dispatch(&mut self, method: &str, params: Vec<Value>) -> Reply {
        match self.dispatch_inner(method, &params) {
            Ok(r) => r,
            Err(f) => Reply::Now(Err(f)),
        }
    }

    fn dispatch_inner(&mut self, method: &str, p: &[Value]) -> Result<Reply, Fault> {
        let now = |r: RpcResult| Ok(Reply::Now(r));
        match method {
            "getAPIVersion" | "getVersion" => {
                arity(p, 0, 0)?;
                self.check_mood()?;
                now(Ok(Value::str(API_VERSION)))
            }
            "getSupervisorVersion" => {
                arity(p, 0, 0)?;
                self.check_mood()?;
                now(Ok(Value::str(SUPERVISOR_VERSION)))
            }
            "getIdentification" => {
                arity(p, 0, 0)?;
                self.check_mood()?;
                now(Ok(Value::String(self.config.daemon.identifier.clone())))
            }
            "getState" => {
                arity(p, 0, 0)?;
                self.check_mood()?;
                let mood = self.ctx.mood;
                now(Ok(structure([
                    ("statecode", Value::Int(mood.code())),
                    ("statename", Value::str(mood.name())),
                ])))
            }
            "getPID" => {
                arity(p, 0, 0)?;
                self.check_mood()?;
                now(Ok(Value::Int(std::process::id() as i64)))
            }
            "readLog" | "readMainLog" => {
                arity(p, 2, 2)?;
                self.check_mood()?;
                let (offset, length) = (arg_int(&p[0])?, arg_int(&p[1])?);
                let path = self.ctx.log.path();
                match path {
                    Some(path) if path.exists() => {
                        now(crate::logs::read::read_log(&path, offset, length).map(Value::String))
                    }
                    Some(path) => Err(Fault::with(codes::NO_FILE, path.to_string_lossy())),
                    None => Err(Fault::code(codes::NO_FILE)),
                }
            }
            "clearLog" => {
                arity(p, 0, 0)?;
                self.check_mood()?;
                match self.ctx.log.path() {
                    Some(path) if path.exists() => {}
                    _ => return Err(Fault::code(codes::NO_FILE)),
                }
                let res = match self.ctx.log.main_log() {
                    Some(l) => l.clear(),
                    None => Ok(()),
                };
                res.map_err(|_| Fault::code(codes::FAILED))?;
                now(Ok(Value::Bool(true)))
            }
            "shutdown" => {
                arity(p, 0, 0)?;
                self.check_mood()?;
                self.ctx.mood = SupervisorState::Shutdown;
                now(Ok(Value::Bool(true)))
            }
            "restart" => {
                arity(p, 0, 0)?;
                self.check_mood()?;
                self.ctx.mood = SupervisorState::Restarting;
                now(Ok(Value::Bool(true)))
            }
            "reloadConfig" => {
                arity(p, 0, 0)?;
                self.check_mood()?;
                now(self.reload_config())
            }
            "addProcessGroup" => {
                arity(p, 1, 1)?;
                self.check_mood()?;
                let name = arg_str(&p[0])?;
                let Some(cfg) = self.available.iter().find(|g| g.name == name).cloned() else {
                    return Err(Fault::with(codes::BAD_NAME, &name));
                };
                match self.add_group(cfg) {
                    Ok(true) => now(Ok(Value::Bool(true))),
                    Ok(false) => Err(Fault::with(codes::ALREADY_ADDED, &name)),
                    Err(msg) => Err(Fault::with(codes::FAILED, msg)),
                }
            }
            "removeProcessGroup" => {
                arity(p, 1, 1)?;
                self.check_mood()?;
                let name = arg_str(&p[0])?;
                if self.find_group(&name).is_none() {
                    return Err(Fault::with(codes::BAD_NAME, &name));
                }
                if !self.remove_group(&name) {
                    return Err(Fault::with(codes::STILL_RUNNING, &name));
                }
                now(Ok(Value::Bool(true)))
            }
            "startProcess" => {
                arity(p, 1, 2)?;
                self.check_mood()?;
                let name = arg_str(&p[0])?;
                let wait = truthy(p.get(1));
                self.start_process(&name, wait)
            }
            "startProcessGroup" => {
                arity(p, 1, 2)?;
                self.check_mood()?;
                let name = arg_str(&p[0])?;
                let wait = truthy(p.get(1));
                self.start_group(&name, wait)
            }
            "startAllProcesses" => {
                arity(p, 0, 1)?;
                self.check_mood()?;
                let wait = truthy(p.first());
                let all = self.all_processes(false);
                Ok(self.start_many(all, wait))
            }
            "stopProcess" => {
                arity(p, 1, 2)?;
                self.check_mood()?;
                let name = arg_str(&p[0])?;
                let wait = truthy(p.get(1));
                self.stop_process(&name, wait)
            }
            "stopProcessGroup" => {
                arity(p, 1, 2)?;
                self.check_mood()?;
                let name = arg_str(&p[0])?;
                let wait = truthy(p.get(1));
                self.stop_group(&name, wait)
            }
            "stopAllProcesses" => {
                arity(p, 0, 1)?;
                self.check_mood()?;
                let wait = truthy(p.first());
                let all = self.all_processes(false);
                Ok(self.stop_many(all, wait))
            }
            "signalProcess" => {
                arity(p, 2, 2)?;
                self.check_mood()?;
                let name = arg_str(&p[0])?;
                let (gi, pi) = self.lookup(&name)?;
                match pi {
                    None => {
                        let group = self.groups[gi].config.name.clone();
                        now(self.signal_group(&group, &p[1]))
                    }
                    Some(pi) => {
                        self.signal_one(gi, pi, &name, &p[1])?;
                        now(Ok(Value::Bool(true)))
                    }
                }
            }
            "signalProcessGroup" => {
                arity(p, 2, 2)?;
                self.check_mood()?;
                let name = arg_str(&p[0])?;
                now(self.signal_group(&name, &p[1]))
            }
            "signalAllProcesses" => {
                arity(p, 1, 1)?;
                let all = self.all_processes(false);
                let results = self.signal_many(all, &p[0]);
                // 4.3.0 signals first and checks the shutdown state after.
                self.check_mood()?;
                now(Ok(Value::Array(results)))
            }
            "getAllConfigInfo" => {
                arity(p, 0, 0)?;
                self.check_mood()?;
                now(Ok(self.all_config_info()))
            }
            "getProcessInfo" => {
                arity(p, 1, 1)?;
                self.check_mood()?;
                let name = arg_str(&p[0])?;
                let (gi, pi) = self.lookup(&name)?;
                let Some(pi) = pi else { return Err(Fault::with(codes::BAD_NAME, &name)) };
                let g = &self.groups[gi];
                now(Ok(process_info(&g.config.name, &g.processes[pi])))
            }
            "getAllProcessInfo" => {
                arity(p, 0, 0)?;
                self.check_mood()?;
                let all = self.all_processes(true);
                let infos = all
                    .into_iter()
                    .map(|(gi, pi)| {
                        let g = &self.groups[gi];
                        process_info(&g.config.name, &g.processes[pi])
                    })
                    .collect();
                now(Ok(Value::Array(infos)))
            }
            "readProcessStdoutLog" | "readProcessLog" | "readProcessStderrLog" => {
                arity(p, 3, 3)?;
                self.check_mood()?;
                let channel = if method == "readProcessStderrLog" { Channel::Stderr } else { Channel::Stdout };
                let name = arg_str(&p[0])?;
                let (offset, length) = (arg_int(&p[1])?, arg_int(&p[2])?);
                let path = self.process_log_path(&name, channel)?;
                match path {
                    Some(path) if path.exists() => {
                        now(crate::logs::read::read_log(&path, offset, length).map(Value::String))
                    }
                    Some(path) => Err(Fault::with(codes::NO_FILE, path.to_string_lossy())),
                    None => Err(Fault::code(codes::NO_FILE)),
                }
            }
            "tailProcessStdoutLog" | "tailProcessLog" | "tailProcessStderrLog" => {
                arity(p, 3, 3)?;
                self.check_mood()?;
                let channel = if method == "tailProcessStderrLog" { Channel::Stderr } else { Channel::Stdout };
                let name = arg_str(&p[0])?;
                let (offset, length) = (arg_int(&p[1])?, arg_int(&p[2])?);
                let path = self.process_log_path(&name, channel)?;
                match path {
                    Some(path) if path.exists() => {
                        let (text, off, overflow) = crate::logs::read::tail_log(&path, offset, length)?;
                        now(Ok(Value::Array(vec![Value::String(text), Value::Int(off), Value::Bool(overflow)])))
                    }
                    _ => now(Ok(Value::Array(vec![Value::str(""), Value::Int(0), Value::Bool(false)]))),
                }
            }
            "clearProcessLogs" | "clearProcessLog" => {
                arity(p, 1, 1)?;
                self.check_mood()?;
                let name = arg_str(&p[0])?;
                self.clear_process_logs(&name)?;
                now(Ok(Value::Bool(true)))
            }
            "clearAllProcessLogs" => {
                arity(p, 0, 0)?;
                self.check_mood()?;
                let all = self.all_processes(false);
                let mut results = Vec::new();
                for (gi, pi) in all {
                    let g = self.groups[gi].config.name.clone();
                    let n = self.groups[gi].processes[pi].config.name.clone();
                    let r = self.clear_process_logs(&make_namespec(&g, &n));
                    results.push(status_struct(&g, &n, &r));
                }
                now(Ok(Value::Array(results)))
            }
            "sendProcessStdin" => {
                arity(p, 2, 2)?;
                self.check_mood()?;
                let chars: Vec<u8> = match &p[1] {
                    Value::String(s) => s.as_bytes().to_vec(),
                    Value::Base64(b) => b.clone(),
                    other => return Err(Fault::with(codes::INCORRECT_PARAMETERS, py_str(other))),
                };
                let name = arg_str(&p[0])?;
                let (gi, pi) = self.lookup(&name)?;
                let Some(pi) = pi else { return Err(Fault::with(codes::BAD_NAME, &name)) };
                self.send_stdin(gi, pi, &name, &chars)?;
                now(Ok(Value::Bool(true)))
            }
            "sendRemoteCommEvent" => {
                arity(p, 2, 2)?;
                let (kind, data) = (py_str(&p[0]), py_str(&p[1]));
                self.on_remote_comm_event(&kind, &data);
                now(Ok(Value::Bool(true)))
            }
            _ => Err(Fault::code(codes::UNKNOWN_METHOD)),
        }
    }

    /// Hook: supervisor.sendRemoteCommEvent (REMOTE_COMMUNICATION event).
    fn on_remote_comm_event(&mut self, kind: &str, data: &str) {
        self.events_remote_comm(kind, data);
    }

    /// Writes to a process's stdin (sendProcessStdin and eventlistener use).
    pub fn send_stdin(&mut self, gi: usize, pi: usize, name: &str, chars: &[u8]) -> Result<(), Fault> {
        let proc_ = &self.groups[gi].processes[pi];
        if proc_.pid == 0 || proc_.killing {
            return Err(Fault::with(codes::NOT_RUNNING, name));
        }
        let Some(stdin) = proc_.live.as_ref().and_then(|l| l.stdin.as_ref()) else {
            return Err(Fault::with(codes::NO_FILE, name));
        };
        stdin.write(chars).map_err(|_| Fault::with(codes::NO_FILE, name))
    }

    pub(super) fn process_log_path(&self, name: &str, channel: Channel) -> Result<Option<std::path::PathBuf>, Fault> {
        let (gi, pi) = self.lookup(name)?;
        let Some(pi) = pi else { return Err(Fault::with(codes::BAD_NAME, name)) };
        let p = &self.groups[gi].processes[pi];
        Ok(match channel {
            Channel::Stdout => p.stdout_path.as_deref(),
            Channel::Stderr => p.stderr_path.as_deref(),
        }
        .map(std::path::Path::to_path_buf))
    }

    /// Empties a process's logs and removes their backups. Unlike 4.3.0
    /// (which only clears logs of a running process), a stopped process's
    /// files are cleared too.
    fn clear_process_logs(&mut self, name: &str) -> Result<(), Fault> {
        let (gi, pi) = self.lookup(name)?;
        let Some(pi) = pi else { return Err(Fault::with(codes::BAD_NAME, name)) };
        let p = &self.groups[gi].processes[pi];
        let targets = [
            (p.stdout_log.clone(), p.stdout_path.clone(), &p.config.stdout),
            (p.stderr_log.clone(), p.stderr_path.clone(), &p.config.stderr),
        ];
        for (log, path, chan) in targets {
            let Some(path) = path else { continue };
            let mut guard = log.lock().map_err(|_| Fault::with(codes::FAILED, name))?;
            let res = match guard.as_mut() {
                Some(f) => f.clear(),
                None => crate::logs::rotating::RotatingFile::open_shared(path, chan.logfile_maxbytes, chan.logfile_backups)
                    .and_then(|mut f| f.clear()),
            };
            res.map_err(|_| Fault::with(codes::FAILED, name))?;
        }
        Ok(())
    }

    /// (group index, process index) of every process: by name when
    /// `lexical`, else by group then process priority.
    pub fn all_processes(&self, lexical: bool) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        if lexical {
            let mut gis: Vec<usize> = (0..self.groups.len()).collect();
            gis.sort_by(|&a, &b| self.groups[a].config.name.cmp(&self.groups[b].config.name));
            for gi in gis {
                let mut pis: Vec<usize> = (0..self.groups[gi].processes.len()).collect();
                pis.sort_by(|&a, &b| {
                    self.groups[gi].processes[a].config.name.cmp(&self.groups[gi].processes[b].config.name)
                });
                out.extend(pis.into_iter().map(|pi| (gi, pi)));
            }
        } else {
            for gi in self.groups_by_priority() {
                out.extend(self.group_by_priority(gi).into_iter().map(|pi| (gi, pi)));
            }
        }
        out
    }

    fn group_by_priority(&self, gi: usize) -> Vec<usize> {
        let mut pis: Vec<usize> = (0..self.groups[gi].processes.len()).collect();
        pis.sort_by_key(|&pi| self.groups[gi].processes[pi].config.priority);
        pis
    }

    fn start_process(&mut self, name: &str, wait: bool) -> Result<Reply, Fault> {
        let (gi, pi) = self.lookup(name)?;
        let Some(pi) = pi else {
            let group = self.groups[gi].config.name.clone();
            return self.start_group(&group, wait);
        };
        Ok(match self.start_one(gi, pi, name, wait)? {
            Some(cond) => Reply::Later(WaitKind::One(cond)),
            None => Reply::Now(Ok(Value::Bool(true))),
        })
    }

    /// startProcess for one process: Ok(None) done, Ok(Some) wait for it.
    fn start_one(&mut self, gi: usize, pi: usize, name: &str, wait: bool) -> Result<Option<WaitCond>, Fault> {
        let p = &self.groups[gi].processes[pi];
        let path = search_path(p.config.environment.as_deref());
        if let Err(problem) = check_command(&p.config.command, &path) {
            return Err(match problem {
                CommandProblem::NotFound(m) => Fault::with(codes::NO_FILE, m),
                CommandProblem::NotExecutable(m) => Fault::with(codes::NOT_EXECUTABLE, m),
            });
        }
        if p.state.is_running() {
            return Err(Fault::with(codes::ALREADY_STARTED, name));
        }
        if p.state == ProcessState::Unknown {
            return Err(Fault::with(codes::FAILED, format!("{name} is in an unknown process state")));
        }
        self.groups[gi].processes[pi].spawn(&mut self.ctx);
        // 4.3.0 reaps here too, but its fork returns before the child runs,
        // so the new child is never found dead this early. Our spawn returns
        // once the child has exec'd, and a very short program may already be
        // gone: reaping it now would turn a plain start into SPAWN_ERROR.
        self.flush_changes();
        let key = self.groups[gi].processes[pi].key();
        if self.groups[gi].processes[pi].spawnerr.is_some() {
            return Err(Fault::with(codes::SPAWN_ERROR, name));
        }
        self.groups[gi].processes[pi].transition(&mut self.ctx);
        self.flush_changes();
        if wait && self.groups[gi].processes[pi].state != ProcessState::Running {
            return Ok(Some(WaitCond::Start { key, name: name.to_string() }));
        }
        Ok(None)
    }

    fn start_group(&mut self, name: &str, wait: bool) -> Result<Reply, Fault> {
        let gi = self.find_group(name).ok_or_else(|| Fault::with(codes::BAD_NAME, name))?;
        let procs = self.group_by_priority(gi).into_iter().map(|pi| (gi, pi)).collect();
        Ok(self.start_many(procs, wait))
    }

    fn start_many(&mut self, procs: Vec<(usize, usize)>, wait: bool) -> Reply {
        let keys: Vec<_> = procs.iter().map(|&(gi, pi)| self.groups[gi].processes[pi].key()).collect();
        let mut results = Vec::new();
        let mut pending = Vec::new();
        for key in keys {
            let Some((gi, pi)) = self.find(&key) else { continue };
            if self.groups[gi].processes[pi].state.is_running() {
                continue;
            }
            let namespec = make_namespec(&key.0, &key.1);
            match self.start_one(gi, pi, &namespec, wait) {
                Ok(None) => results.push(status_struct(&key.0, &key.1, &Ok(()))),
                Ok(Some(cond)) => pending.push(cond),
                Err(f) => results.push(status_struct(&key.0, &key.1, &Err(f))),
            }
        }
        Reply::Later(WaitKind::All { results, pending })
    }

    fn stop_process(&mut self, name: &str, wait: bool) -> Result<Reply, Fault> {
        let (gi, pi) = self.lookup(name)?;
        let Some(pi) = pi else {
            let group = self.groups[gi].config.name.clone();
            return self.stop_group(&group, wait);
        };
        Ok(match self.stop_one(gi, pi, name, wait)? {
            Some(cond) => Reply::Later(WaitKind::One(cond)),
            None => Reply::Now(Ok(Value::Bool(true))),
        })
    }

    fn stop_one(&mut self, gi: usize, pi: usize, name: &str, wait: bool) -> Result<Option<WaitCond>, Fault> {
        if !self.groups[gi].processes[pi].state.is_running() {
            return Err(Fault::with(codes::NOT_RUNNING, name));
        }
        let msg = self.groups[gi].processes[pi].stop(&mut self.ctx);
        self.flush_changes();
        if let Some(msg) = msg {
            return Err(Fault::with(codes::FAILED, msg));
        }
        let key = self.groups[gi].processes[pi].key();
        self.reap_all();
        self.flush_changes();
        let stopped = self.process(&key).map(|p| p.state.is_stopped()).unwrap_or(true);
        if wait && !stopped {
            return Ok(Some(WaitCond::Stop { key }));
        }
        Ok(None)
    }

    fn stop_group(&mut self, name: &str, wait: bool) -> Result<Reply, Fault> {
        let gi = self.find_group(name).ok_or_else(|| Fault::with(codes::BAD_NAME, name))?;
        let procs = self.group_by_priority(gi).into_iter().map(|pi| (gi, pi)).collect();
        Ok(self.stop_many(procs, wait))
    }

    fn stop_many(&mut self, procs: Vec<(usize, usize)>, wait: bool) -> Reply {
        let keys: Vec<_> = procs.iter().map(|&(gi, pi)| self.groups[gi].processes[pi].key()).collect();
        let mut results = Vec::new();
        let mut pending = Vec::new();
        for key in keys {
            let Some((gi, pi)) = self.find(&key) else { continue };
            if !self.groups[gi].processes[pi].state.is_running() {
                continue;
            }
            let namespec = make_namespec(&key.0, &key.1);
            match self.stop_one(gi, pi, &namespec, wait) {
                Ok(None) => results.push(status_struct(&key.0, &key.1, &Ok(()))),
                Ok(Some(cond)) => pending.push(cond),
                Err(f) => results.push(status_struct(&key.0, &key.1, &Err(f))),
            }
        }
        Reply::Later(WaitKind::All { results, pending })
    }

    fn signal_one(&mut self, gi: usize, pi: usize, name: &str, signal: &Value) -> Result<(), Fault> {
        let sig = match signal {
            Value::Int(i) => i32::try_from(*i).ok().and_then(|n| signal_number(&n.to_string())),
            Value::String(s) => signal_number(s),
            _ => None,
        }
        .ok_or_else(|| Fault::with(codes::BAD_SIGNAL, py_str(signal)))?;
        if !self.groups[gi].processes[pi].state.is_signallable() {
            return Err(Fault::with(codes::NOT_RUNNING, name));
        }
        let msg = self.groups[gi].processes[pi].signal(sig, &mut self.ctx);
        self.flush_changes();
        match msg {
            Some(m) => Err(Fault::with(codes::FAILED, m)),
            None => Ok(()),
        }
    }

    fn signal_group(&mut self, name: &str, signal: &Value) -> RpcResult {
        let gi = self.find_group(name).ok_or_else(|| Fault::with(codes::BAD_NAME, name))?;
        let procs = self.group_by_priority(gi).into_iter().map(|pi| (gi, pi)).collect();
        Ok(Value::Array(self.signal_many(procs, signal)))
    }

    fn signal_many(&mut self, procs: Vec<(usize, usize)>, signal: &Value) -> Vec<Value> {
        let mut results = Vec::new();
        for (gi, pi) in procs {
            if !self.groups[gi].processes[pi].state.is_signallable() {
                continue;
            }
            let key = self.groups[gi].processes[pi].key();
            let (g, n) = &*key;
            let r = self.signal_one(gi, pi, &make_namespec(g, n), signal);
            results.push(status_struct(g, n, &r));
        }
        results
    }

    fn all_config_info(&self) -> Value {
        let default_url = self.config.server_url();
        let mut entries: Vec<(String, Value)> = Vec::new();
        for gc in &self.available {
            let active = self.find_group(&gc.name).map(|gi| &self.groups[gi]);
            let inuse = active.is_some();
            for pc in &gc.processes {
                let running = active
                    .filter(|g| g.config == *gc)
                    .and_then(|g| g.processes.iter().find(|p| p.config.name == pc.name));
                entries.push((pc.name.clone(), config_info(gc, pc, inuse, running, default_url.as_deref())));
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Value::Array(entries.into_iter().map(|(_, v)| v).collect())
    }

    /// supervisor.reloadConfig: re-reads the config file and reports which
    /// groups were added, changed or removed compared with the running ones.
    fn reload_config(&mut self) -> RpcResult {
        let fresh = crate::config::load(&self.config.path).map_err(|e| {
            // The loader words its errors for the command line
            // ("Error: ...\nFor help, use ..."); the fault carries the message.
            let msg = e.0.strip_prefix("Error: ").unwrap_or(&e.0);
            let msg = msg.split("\nFor help, use ").next().unwrap_or(msg).trim_end();
            Fault::with(codes::CANT_REREAD, msg)
        })?;
        let new: Vec<GroupConfig> = fresh.groups;
        let cur: Vec<&GroupConfig> = self.groups.iter().map(|g| &*g.config).collect();
        let added: Vec<Value> = new
            .iter()
            .filter(|n| !cur.iter().any(|c| c.name == n.name))
            .map(|n| Value::str(n.name.clone()))
            .collect();
        let changed: Vec<Value> = new
            .iter()
            .filter(|n| cur.iter().any(|c| c.name == n.name && **c != **n))
            .map(|n| Value::str(n.name.clone()))
            .collect();
        let removed: Vec<Value> = cur
            .iter()
            .filter(|c| !new.iter().any(|n| n.name == c.name))
            .map(|c| Value::str(c.name.clone()))
            .collect();
        self.available = new.into_iter().map(Arc::new).collect();
        Ok(Value::Array(vec![Value::Array(vec![
            Value::Array(added),
            Value::Array(changed),
            Value::Array(removed),
        ])]))
    }
}
