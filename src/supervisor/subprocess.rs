//! One process's state machine, as 4.3.0's Subprocess runs it: spawn,
//! startsecs, backoff and retries, stop with escalation to SIGKILL, exit
//! handling with autorestart, and the log lines for each step. The
//! supervisor task calls these methods; nothing here blocks.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::config::model::{LogTarget, ProcessConfig};
use crate::logs::rotating::RotatingFile;
use crate::process::signals::signame;
use crate::process::spawn::{spawn, SpawnSpec};
use crate::process::state::{ProcessState, SupervisorState};
use crate::process::waitstatus::decode_wait_status;
use crate::supervisor::autologs::PendingAutoLogs;
use crate::supervisor::handle::Channel;
use crate::supervisor::logger::Logger;
use crate::supervisor::output::{start_reader, ChannelLog, PipeHub, ReaderHandle, ReaderMode, StdinWriter};

/// (group name, process name): how the supervisor finds a process. Shared:
/// the pid, serial and name tables each hold one without copying the names.
pub type ProcKey = Arc<(String, String)>;

/// A state change, recorded where it happens and handled by the supervisor
/// right after (web UI notices, PROCESS_STATE_* events).
#[derive(Debug, Clone)]
pub struct StateChange {
    pub group: String,
    pub name: String,
    pub from: ProcessState,
    pub to: ProcessState,
    /// For EXITED: whether the exit code was expected.
    pub expected: bool,
    /// The pid at the time of the change (0 if none).
    pub pid: i32,
    /// The backoff counter at the time of the change ("tries" in events).
    pub tries: u32,
}

/// Daemon-wide values every spawn needs.
#[derive(Debug, Clone, Default)]
pub struct SpawnEnv {
    /// [supervisord] environment=.
    pub environment: Vec<(String, String)>,
    /// SUPERVISOR_SERVER_URL when a process sets no serverurl of its own.
    pub server_url: Option<String>,
    pub strip_ansi: bool,
    /// Shared switch asking readers to copy output to the supervisor.
    pub copy_all: Arc<AtomicBool>,
}

/// What the state machine shares with the supervisor: the log, the mood,
/// the change queue and the routing tables for pids and pipe readers.
#[derive(Debug)]
pub struct Ctx {
    pub log: Logger,
    pub mood: SupervisorState,
    pub changes: Vec<StateChange>,
    /// Watches every child's output pipes (one task for all of them).
    pub hub: PipeHub,
    pub env: SpawnEnv,
    pub pids: HashMap<i32, ProcKey>,
    pub serials: HashMap<u64, ProcKey>,
    pub next_serial: u64,
    /// Something pending calls wait on may have changed (a state change,
    /// a request): `check_waiters` has work.
    pub waits_dirty: bool,
}

/// What exists only while a child is alive (from spawn to finish).
#[derive(Debug)]
pub struct Live {
    pub serial: u64,
    /// Stdout's and (unless redirected) stderr's pipe.
    pub readers: [Option<ReaderHandle>; 2],
    /// Readers that have not reported ReaderDone yet.
    pub readers_left: usize,
    pub stdin: Option<StdinWriter>,
    /// The wait status once reaped; finishing waits for the pipes to drain.
    pub reaped: Option<i32>,
}

/// The current wall-clock time as supervisord reports it (seconds).
pub fn wall_now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

fn errno_name(err: &std::io::Error) -> String {
    match err.raw_os_error() {
        Some(code) => format!("{:?}", nix::errno::Errno::from_raw(code)),
        None => err.to_string(),
    }
}

/// One process and its runtime state.
#[derive(Debug)]
pub struct Subprocess {
    pub config: Arc<ProcessConfig>,
    /// (group, name), built once; `group()` reads the group from it.
    key: ProcKey,
    pub state: ProcessState,
    pub pid: i32,
    /// Wall-clock start/stop times for getProcessInfo (0 = never).
    pub laststart: f64,
    pub laststop: f64,
    /// Monotonic start time for startsecs decisions.
    pub laststart_at: Option<Instant>,
    pub laststopreport: Option<Instant>,
    /// The one pending deadline: end of backoff, or end of stopwaitsecs.
    pub delay: Option<Instant>,
    pub administrative_stop: bool,
    pub system_stop: bool,
    pub killing: bool,
    pub backoff: u32,
    pub exitstatus: Option<i32>,
    pub spawnerr: Option<Box<str>>,
    /// Resolved log paths (AUTO already named); None = not logged.
    /// Shared with the open RotatingFile (one copy of each path).
    pub stdout_path: Option<Arc<Path>>,
    pub stderr_path: Option<Arc<Path>>,
    pub stdout_log: ChannelLog,
    pub stderr_log: ChannelLog,
    /// fcgi-program: the group's socket, handed to the child as fd 0.
    pub fcgi_socket: Option<std::os::fd::RawFd>,
    /// Send all output through the supervisor instead of writing it in the
    /// reader (eventlistener stdout, capture mode).
    pub route_stdout: bool,
    pub route_stderr: bool,
    pub live: Option<Live>,
    /// AUTO log files still being created by the helper thread; taken (and
    /// the paths above filled in) before anything uses them.
    pub pending_auto: Option<PendingAutoLogs>,
}

fn target_path(t: &LogTarget) -> Option<Arc<Path>> {
    match t {
        LogTarget::File(p) => Some(Arc::from(p.as_path())),
        _ => None,
    }
}

impl Subprocess {
    /// A new, never-started process. `stdout_path`/`stderr_path` are the
    /// resolved log files (the caller names AUTO logs).
    pub fn new(config: Arc<ProcessConfig>, group: &str, stdout_path: Option<PathBuf>, stderr_path: Option<PathBuf>) -> Subprocess {
        let stdout_path = stdout_path.map(Arc::from).or_else(|| target_path(&config.stdout.logfile));
        let stderr_path = stderr_path.map(Arc::from).or_else(|| target_path(&config.stderr.logfile));
        let route_stdout = config.stdout.capture_maxbytes > 0;
        let route_stderr = config.stderr.capture_maxbytes > 0;
        Subprocess {
            key: Arc::new((group.to_string(), config.name.clone())),
            config,
            state: ProcessState::Stopped,
            pid: 0,
            laststart: 0.0,
            laststop: 0.0,
            laststart_at: None,
            laststopreport: None,
            delay: None,
            administrative_stop: false,
            system_stop: false,
            killing: false,
            backoff: 0,
            exitstatus: None,
            spawnerr: None,
            stdout_path,
            stderr_path,
            stdout_log: Arc::new(Mutex::new(None)),
            stderr_log: Arc::new(Mutex::new(None)),
            fcgi_socket: None,
            route_stdout,
            route_stderr,
            live: None,
            pending_auto: None,
        }
    }

    /// Waits for this process's AUTO log files (see `autologs`) and records
    /// their paths; a file that could not be created is logged and left
    /// unset, as at group creation before.
    pub fn resolve_auto_logs(&mut self, ctx: &mut Ctx) {
        let Some(pending) = self.pending_auto.take() else { return };
        for (index, channel) in [(pending.stdout, "stdout"), (pending.stderr, "stderr")] {
            let Some(i) = index else { continue };
            match pending.batch.wait(i as usize) {
                Ok(path) => match channel {
                    "stdout" => self.stdout_path = Some(Arc::from(path)),
                    _ => self.stderr_path = Some(Arc::from(path)),
                },
                Err(e) => ctx.log.warn(&format!(
                    "could not create AUTO {channel} log for {} in {}: {e}",
                    self.config.name,
                    pending.dir().display()
                )),
            }
        }
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    pub fn key(&self) -> ProcKey {
        self.key.clone()
    }

    /// The name of this process's group.
    pub fn group(&self) -> &str {
        &self.key.0
    }

    /// The single place a process changes state.
    pub fn change_state(&mut self, new: ProcessState, expected: bool, ctx: &mut Ctx) -> bool {
        let old = self.state;
        if new == old {
            return false;
        }
        self.state = new;
        ctx.waits_dirty = true;
        if new == ProcessState::Backoff {
            self.backoff += 1;
            self.delay = Some(Instant::now() + Duration::from_secs(self.backoff as u64));
        }
        ctx.changes.push(StateChange {
            group: self.group().to_string(),
            name: self.config.name.clone(),
            from: old,
            to: new,
            expected,
            pid: self.pid,
            tries: self.backoff,
        });
        true
    }

    fn record_spawnerr(&mut self, msg: String, ctx: &mut Ctx) {
        ctx.log.info(&format!("spawnerr: {msg}"));
        self.spawnerr = Some(msg.into());
    }

    fn open_log(path: &Option<Arc<Path>>, maxbytes: u64, backups: u32) -> std::io::Result<Option<RotatingFile>> {
        match path {
            Some(p) => RotatingFile::open_shared(p.clone(), maxbytes, backups).map(Some),
            None => Ok(None),
        }
    }

    /// Starts the process (4.3.0's Subprocess.spawn). Returns the pid.
    pub fn spawn(&mut self, ctx: &mut Ctx) -> Option<i32> {
        self.resolve_auto_logs(ctx);
        let name = self.config.name.clone();
        if self.pid != 0 {
            ctx.log.warn(&format!("process '{name}' already running"));
            return None;
        }
        if !matches!(
            self.state,
            ProcessState::Exited | ProcessState::Fatal | ProcessState::Backoff | ProcessState::Stopped
        ) {
            return None;
        }
        self.killing = false;
        self.spawnerr = None;
        self.exitstatus = None;
        self.system_stop = false;
        self.administrative_stop = false;
        self.laststart = wall_now();
        self.laststart_at = Some(Instant::now());
        self.change_state(ProcessState::Starting, true, ctx);

        let opened = Self::open_log(&self.stdout_path, self.config.stdout.logfile_maxbytes, self.config.stdout.logfile_backups)
            .and_then(|out| {
                let err = if self.config.redirect_stderr {
                    None
                } else {
                    Self::open_log(&self.stderr_path, self.config.stderr.logfile_maxbytes, self.config.stderr.logfile_backups)?
                };
                Ok((out, err))
            });
        let (out_file, err_file) = match opened {
            Ok(files) => files,
            Err(e) => {
                let msg = if e.raw_os_error() == Some(libc::EMFILE) {
                    format!("too many open files to spawn '{name}'")
                } else {
                    format!("unknown error making dispatchers for '{name}': {}", errno_name(&e))
                };
                self.record_spawnerr(msg, ctx);
                self.change_state(ProcessState::Backoff, true, ctx);
                return None;
            }
        };

        let mut environment = ctx.env.environment.clone();
        if let Some(env) = &self.config.environment {
            environment.extend(env.iter().cloned());
        }
        let spec = SpawnSpec {
            command: self.config.command.clone(),
            process_name: name.clone(),
            group_name: self.group().to_string(),
            directory: self.config.directory.clone(),
            umask: self.config.umask,
            user: self.config.user.clone(),
            environment,
            // The config already resolved the daemon's fallback URL into this.
            server_url: self.config.serverurl.as_deref().map(str::to_string),
            extra_env: Vec::new(),
            separate_stderr: !self.config.redirect_stderr,
            stdin_socket: self.fcgi_socket,
        };
        let child = match spawn(&spec) {
            Ok(c) => c,
            Err(e) => {
                self.record_spawnerr(e.to_string(), ctx);
                self.change_state(ProcessState::Backoff, true, ctx);
                return None;
            }
        };
        if let Ok(mut g) = self.stdout_log.lock() {
            *g = out_file;
        }
        if let Ok(mut g) = self.stderr_log.lock() {
            *g = err_file;
        }
        self.pid = child.pid;
        ctx.log.info(&format!("spawned: '{name}' with pid {}", child.pid));
        self.spawnerr = None;
        self.delay = self.laststart_at.map(|t| t + Duration::from_secs(self.config.startsecs));

        let serial = ctx.next_serial;
        ctx.next_serial += 1;
        ctx.pids.insert(child.pid, self.key());
        ctx.serials.insert(serial, self.key());
        let mut readers = [None, None];
        let mode = |routed: bool, copy: bool, syslog: bool| ReaderMode {
            routed,
            copy,
            strip_ansi: ctx.env.strip_ansi,
            syslog_name: syslog.then(|| name.as_str().into()),
        };
        readers[0] = Some(start_reader(
            serial,
            Channel::Stdout,
            child.stdout,
            self.stdout_log.clone(),
            mode(self.route_stdout, self.config.stdout.events_enabled, self.config.stdout.syslog),
            &ctx.hub,
        ));
        if let Some(fd) = child.stderr {
            readers[1] = Some(start_reader(
                serial,
                Channel::Stderr,
                fd,
                self.stderr_log.clone(),
                mode(self.route_stderr, self.config.stderr.events_enabled, self.config.stderr.syslog),
                &ctx.hub,
            ));
        }
        let readers_left = readers.iter().flatten().count();
        self.live = Some(Live {
            serial,
            readers,
            readers_left,
            stdin: child.stdin.map(StdinWriter::start),
            reaped: None,
        });
        Some(child.pid)
    }

    /// Administrative stop (stopProcess, shutdown).
    pub fn stop(&mut self, ctx: &mut Ctx) -> Option<String> {
        self.administrative_stop = true;
        self.laststopreport = None;
        self.kill(self.config.stopsignal, ctx)
    }

    /// Logs `waiting for x to stop`, at most every 2 seconds.
    pub fn stop_report(&mut self, ctx: &mut Ctx) {
        if self.state == ProcessState::Stopping {
            let now = Instant::now();
            let due = self.laststopreport.map(|t| now > t + Duration::from_secs(2)).unwrap_or(true);
            if due {
                ctx.log.info(&format!("waiting for {} to stop", self.config.name));
                self.laststopreport = Some(now);
            }
        }
    }

    pub fn give_up(&mut self, ctx: &mut Ctx) {
        self.delay = None;
        self.backoff = 0;
        self.system_stop = true;
        if self.state == ProcessState::Backoff {
            self.change_state(ProcessState::Fatal, true, ctx);
        }
    }

    /// Sends `sig` meaning to make it exit (4.3.0's kill). Returns an error
    /// message when the process was not running or could not be signalled.
    pub fn kill(&mut self, sig: i32, ctx: &mut Ctx) -> Option<String> {
        let name = self.config.name.clone();
        if self.state == ProcessState::Backoff {
            ctx.log.debug(&format!("Attempted to kill {name}, which is in BACKOFF state."));
            self.change_state(ProcessState::Stopped, true, ctx);
            return None;
        }
        if self.pid == 0 {
            let msg = format!("attempted to kill {name} with sig {} but it wasn't running", signame(sig));
            ctx.log.debug(&msg);
            return Some(msg);
        }
        let as_group = if self.state == ProcessState::Stopping {
            self.config.killasgroup
        } else {
            self.config.stopasgroup
        };
        ctx.log.debug(&format!(
            "killing {name} (pid {}) {}with signal {}",
            self.pid,
            if as_group { "process group " } else { "" },
            signame(sig)
        ));
        self.killing = true;
        self.delay = Some(Instant::now() + Duration::from_secs(self.config.stopwaitsecs));
        if !matches!(self.state, ProcessState::Running | ProcessState::Starting | ProcessState::Stopping) {
            return None;
        }
        self.change_state(ProcessState::Stopping, true, ctx);
        let target = if as_group { -self.pid } else { self.pid };
        // SAFETY: kill(2) with a pid we spawned (or its process group).
        let rc = unsafe { libc::kill(target, sig) };
        if rc != 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::ESRCH) {
                ctx.log.debug(&format!(
                    "unable to signal {name} (pid {}), it probably just exited on its own: {}",
                    self.pid,
                    python_oserror(&err)
                ));
                return None;
            }
            let msg = format!("unknown problem killing {name} ({}):{}", self.pid, python_oserror(&err));
            ctx.log.critical(&msg);
            self.change_state(ProcessState::Unknown, true, ctx);
            self.killing = false;
            self.delay = None;
            return Some(msg);
        }
        None
    }

    /// Sends `sig` without meaning to stop it (signalProcess).
    pub fn signal(&mut self, sig: i32, ctx: &mut Ctx) -> Option<String> {
        let name = self.config.name.clone();
        if self.pid == 0 {
            let msg = format!("attempted to send {name} sig {} but it wasn't running", signame(sig));
            ctx.log.debug(&msg);
            return Some(msg);
        }
        ctx.log.debug(&format!("sending {name} (pid {}) sig {}", self.pid, signame(sig)));
        // SAFETY: kill(2) with the pid we spawned.
        let rc = unsafe { libc::kill(self.pid, sig) };
        if rc != 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::ESRCH) {
                ctx.log.debug(&format!(
                    "unable to signal {name} (pid {}), it probably just now exited on its own: {}",
                    self.pid,
                    python_oserror(&err)
                ));
                return None;
            }
            let msg = format!("unknown problem sending sig {name} ({}):{}", self.pid, python_oserror(&err));
            ctx.log.critical(&msg);
            self.change_state(ProcessState::Unknown, true, ctx);
            return Some(msg);
        }
        None
    }

    /// The child was reaped: drain its pipes, then finish. Returns true
    /// when it finished right away (no reader left to wait for).
    pub fn reaped(&mut self, status: i32, ctx: &mut Ctx) -> bool {
        let Some(live) = self.live.as_mut() else {
            self.finish(status, ctx);
            return true;
        };
        live.reaped = Some(status);
        if live.readers_left == 0 {
            self.finish(status, ctx);
            return true;
        }
        for r in live.readers.iter().flatten() {
            r.drain(&ctx.hub, live.serial);
        }
        false
    }

    /// A reader finished; finishes the exit once the last one is done.
    pub fn reader_done(&mut self, ctx: &mut Ctx) -> bool {
        let Some(live) = self.live.as_mut() else { return false };
        live.readers_left = live.readers_left.saturating_sub(1);
        if live.readers_left == 0 {
            if let Some(status) = live.reaped {
                self.finish(status, ctx);
                return true;
            }
        }
        false
    }

    /// The exit handling of 4.3.0's Subprocess.finish, after the pipes drained.
    pub fn finish(&mut self, status: i32, ctx: &mut Ctx) {
        let (es, msg) = decode_wait_status(status);
        let now = Instant::now();
        self.laststop = wall_now();
        let name = self.config.name.clone();
        let too_quickly = self
            .laststart_at
            .map(|t| now.duration_since(t) < Duration::from_secs(self.config.startsecs))
            .unwrap_or(false);
        let exit_expected = self.config.exitcodes.contains(&es);
        if self.killing {
            self.killing = false;
            self.delay = None;
            self.exitstatus = Some(es);
            self.change_state(ProcessState::Stopped, true, ctx);
            let line = format!("stopped: {name} ({msg})");
            if exit_expected {
                ctx.log.info(&line);
            } else {
                ctx.log.warn(&line);
            }
        } else if too_quickly {
            self.exitstatus = None;
            self.spawnerr = Some("Exited too quickly (process log may have details)".into());
            self.change_state(ProcessState::Backoff, true, ctx);
            ctx.log.warn(&format!("exited: {name} ({msg}; not expected)"));
        } else {
            self.delay = None;
            self.backoff = 0;
            self.exitstatus = Some(es);
            if self.state == ProcessState::Starting {
                self.change_state(ProcessState::Running, true, ctx);
            }
            if exit_expected {
                self.change_state(ProcessState::Exited, true, ctx);
                ctx.log.info(&format!("exited: {name} ({msg}; expected)"));
            } else {
                self.spawnerr = Some(format!("Bad exit code {es}").into());
                self.change_state(ProcessState::Exited, false, ctx);
                ctx.log.warn(&format!("exited: {name} ({msg}; not expected)"));
            }
        }
        if self.pid != 0 {
            ctx.pids.remove(&self.pid);
        }
        self.pid = 0;
        if let Some(live) = self.live.take() {
            ctx.serials.remove(&live.serial);
        }
        if let Ok(mut g) = self.stdout_log.lock() {
            *g = None;
        }
        if let Ok(mut g) = self.stderr_log.lock() {
            *g = None;
        }
    }

    /// Whether the child has been reaped and only waits for its pipes.
    pub fn is_finishing(&self) -> bool {
        self.live.as_ref().map(|l| l.reaped.is_some()).unwrap_or(false)
    }

    /// 4.3.0's Subprocess.transition: the timed steps of the state machine.
    pub fn transition(&mut self, ctx: &mut Ctx) {
        if self.is_finishing() {
            return;
        }
        // Called for every process on every step: most are RUNNING or
        // STOPPED with nothing to do. Those return here, only the states
        // with deadlines read the clock, and the name is not copied.
        let state = self.state;
        let may_start = ctx.mood > SupervisorState::Restarting
            && (state == ProcessState::Exited || (state == ProcessState::Stopped && self.laststart == 0.0));
        if !may_start && !matches!(state, ProcessState::Backoff | ProcessState::Starting | ProcessState::Stopping) {
            return;
        }
        if ctx.mood > SupervisorState::Restarting {
            match state {
                ProcessState::Exited => {
                    let restart = match self.config.autorestart {
                        crate::config::model::AutoRestart::Always => true,
                        crate::config::model::AutoRestart::Unexpected => {
                            !self.exitstatus.map(|es| self.config.exitcodes.contains(&es)).unwrap_or(false)
                        }
                        crate::config::model::AutoRestart::Never => false,
                    };
                    if restart {
                        self.spawn(ctx);
                    }
                }
                ProcessState::Stopped if self.laststart == 0.0 => {
                    if self.config.autostart {
                        self.spawn(ctx);
                    }
                }
                ProcessState::Backoff => {
                    if self.backoff <= self.config.startretries && self.delay.map(|d| Instant::now() > d).unwrap_or(true) {
                        self.spawn(ctx);
                    }
                }
                _ => {}
            }
        }
        let config = Arc::clone(&self.config);
        let name = config.name.as_str();
        if state == ProcessState::Starting {
            if let Some(start) = self.laststart_at {
                if Instant::now().duration_since(start) > Duration::from_secs(self.config.startsecs) {
                    self.delay = None;
                    self.backoff = 0;
                    self.change_state(ProcessState::Running, true, ctx);
                    ctx.log.info(&format!(
                        "success: {name} entered RUNNING state, process has stayed up for > than {} seconds (startsecs)",
                        self.config.startsecs
                    ));
                }
            }
        }
        if state == ProcessState::Backoff {
            if self.backoff > self.config.startretries {
                self.give_up(ctx);
                ctx.log.info(&format!("gave up: {name} entered FATAL state, too many start retries too quickly"));
            }
        } else if state == ProcessState::Stopping {
            if self.delay.map(|d| d <= Instant::now()).unwrap_or(false) {
                ctx.log.warn(&format!("killing '{name}' ({}) with SIGKILL", self.pid));
                self.kill(libc::SIGKILL, ctx);
            }
        }
    }

    /// When this process next needs `transition` (None: only on events).
    pub fn next_deadline(&self, mood: SupervisorState) -> Option<Instant> {
        if self.is_finishing() {
            return None;
        }
        let tick = Duration::from_millis(1);
        match self.state {
            ProcessState::Starting => self.laststart_at.map(|t| t + Duration::from_secs(self.config.startsecs) + tick),
            ProcessState::Backoff => {
                if self.backoff > self.config.startretries {
                    Some(Instant::now())
                } else if mood > SupervisorState::Restarting {
                    self.delay.map(|d| d + tick).or(Some(Instant::now()))
                } else {
                    None
                }
            }
            ProcessState::Stopping => self.delay,
            _ => None,
        }
    }
}

/// Python's str(OSError): `[Errno 3] No such process`.
fn python_oserror(err: &std::io::Error) -> String {
    match err.raw_os_error() {
        Some(code) => {
            let text = nix::errno::Errno::from_raw(code).desc();
            format!("[Errno {code}] {text}")
        }
        None => err.to_string(),
    }
}
