//! The supervisor task: owns every process group and process, and is the
//! only code that changes their state. Requests, child exits (SIGCHLD),
//! pipe events, daemon signals and timer deadlines arrive here; after each
//! one the state machines run their timed steps and pending `wait=true`
//! calls are re-checked. Between events the task sleeps until the next real
//! deadline (no periodic wake-ups).

use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::config::model::{Config, GroupConfig, GroupKind, LogTarget};
use crate::logs::mainlog::{Level, MainLog};
use crate::process::signals::signame;
use crate::process::state::{ProcessState, SupervisorState};
use crate::rpc::value::{codes, Fault, RpcResult};
use crate::supervisor::autologs::{AutoLogBatch, PendingAutoLogs};
use crate::supervisor::handle::{Channel, Notice, Request};
use crate::supervisor::logger::Logger;
use crate::supervisor::output::PipeEvent;
use crate::supervisor::subprocess::{Ctx, ProcKey, SpawnEnv, StateChange, Subprocess};
use crate::supervisor::waits::Waiter;

/// How long one step may run state machines before answering requests.
const STEP_BUDGET: Duration = Duration::from_millis(2);
/// Waiting requests handled at the top of every turn.
const REQUEST_BATCH: usize = 16;

/// A process group as it runs.
#[derive(Debug)]
pub struct Group {
    pub config: Arc<GroupConfig>,
    pub processes: Vec<Subprocess>,
    /// fcgi-program: the socket shared by the group's processes.
    pub fcgi_socket: Option<OwnedFd>,
}

impl Group {
    pub fn unstopped(&self) -> impl Iterator<Item = &Subprocess> {
        self.processes.iter().filter(|p| !p.state.is_stopped())
    }

    /// 4.3.0's stop_all: stop in descending priority; BACKOFF gives up.
    pub fn stop_all(&mut self, ctx: &mut Ctx) {
        let mut order: Vec<usize> = (0..self.processes.len()).collect();
        order.sort_by_key(|&i| self.processes[i].config.priority);
        order.reverse();
        for i in order {
            let p = &mut self.processes[i];
            match p.state {
                ProcessState::Running | ProcessState::Starting => {
                    p.stop(ctx);
                }
                ProcessState::Backoff => p.give_up(ctx),
                _ => {}
            }
        }
    }
}

/// How the supervisor task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Shutdown,
    Restart,
}

/// Messages from the daemon (signals it received).
#[derive(Debug, Clone, Copy)]
pub enum Control {
    Signal(i32),
}

/// The state owned by the supervisor task.
pub struct Supervisor {
    pub config: Config,
    /// Group configs as last read (reloadConfig replaces them); what
    /// addProcessGroup and getAllConfigInfo look at.
    pub available: Vec<Arc<GroupConfig>>,
    pub groups: Vec<Group>,
    pub ctx: Ctx,
    pub waiters: Vec<Waiter>,
    /// The earliest time a pending call needs a look without any event
    /// (its `waiting for x to stop` report), as of the last check.
    pub waiters_deadline: Option<Instant>,
    /// A request was handled since the last turn (schedules a trim).
    answered: bool,
    /// Web UI subscribers' channel, made by the first subscriber: its ring
    /// of 1024 notices is ~100 KiB allocated up front, and most daemons
    /// never have a subscriber.
    pub notices: Option<broadcast::Sender<Notice>>,
    pipe_rx: mpsc::UnboundedReceiver<PipeEvent>,
    stopping: bool,
    stop_groups: Vec<String>,
    lastshutdownreport: Option<Instant>,
    outcome: Option<Outcome>,
    /// Whether the main log wants child output (loglevel debug or lower).
    log_output: bool,
    /// The last step ran out of its time budget; continue right away.
    more_work: bool,
    /// Where the interrupted transition pass resumes.
    pass_cursor: usize,
    /// Event pools, serials and ticks (see events_glue).
    pub events: crate::events::EventBus,
    pub(crate) glue: crate::supervisor::events_glue::EventGlue,
    /// Where each process was last found. Only a hint: every hit is checked
    /// against the names, and a miss rebuilds it, so it can never be wrong
    /// after groups change. Without it, stopAllProcesses(wait) on 1000
    /// processes re-checked 1000 pending keys by linear name search after
    /// every event (4 s of memcmp).
    find_index: std::cell::RefCell<std::collections::HashMap<ProcKey, (usize, usize)>>,
    /// Some process may still have AUTO logs being created (see autologs).
    auto_pending: bool,
}

impl std::fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervisor").field("groups", &self.groups.len()).finish()
    }
}

impl Supervisor {
    /// A supervisor for `config` logging to `log`. Groups are added by
    /// `add_initial_groups` (so startup messages can come first).
    pub fn new(mut config: Config, log: Option<MainLog>) -> Supervisor {
        let (pipe_tx, pipe_rx) = mpsc::unbounded_channel();
        let logger = Logger::new(log);
        let log_output = logger.enabled(Level::Debug);
        let copy_all = Arc::new(AtomicBool::new(log_output));
        let env = SpawnEnv {
            environment: config.daemon.environment.clone().unwrap_or_default(),
            server_url: config.server_url(),
            strip_ansi: config.daemon.strip_ansi,
            copy_all: copy_all.clone(),
        };
        let mut events = crate::supervisor::events_glue::new_bus(&config.daemon.identifier);
        events.set_log_output(log_output);
        Supervisor {
            events,
            glue: Default::default(),
            // The groups live here (shared with the running groups), not in `config`.
            available: std::mem::take(&mut config.groups).into_iter().map(Arc::new).collect(),
            config,
            groups: Vec::new(),
            ctx: Ctx {
                log: logger,
                mood: SupervisorState::Running,
                changes: Vec::new(),
                hub: crate::supervisor::output::PipeHub::new(pipe_tx, copy_all),
                env,
                pids: Default::default(),
                serials: Default::default(),
                next_serial: 1,
                waits_dirty: false,
            },
            waiters: Vec::new(),
            waiters_deadline: None,
            answered: false,
            notices: None,
            pipe_rx,
            stopping: false,
            stop_groups: Vec::new(),
            lastshutdownreport: None,
            outcome: None,
            log_output,
            more_work: false,
            pass_cursor: 0,
            find_index: Default::default(),
            auto_pending: false,
        }
    }

    pub fn log(&mut self) -> &mut Logger {
        &mut self.ctx.log
    }

    /// Adds every configured group (4.3.0 does this before opening the servers).
    pub fn add_initial_groups(&mut self) -> Result<(), String> {
        for g in self.available.clone() {
            self.add_group(g)?;
        }
        Ok(())
    }

    /// Adds a group: names its AUTO logs and creates its fcgi socket.
    pub fn add_group(&mut self, config: Arc<GroupConfig>) -> Result<bool, String> {
        if self.groups.iter().any(|g| g.config.name == config.name) {
            return Ok(false);
        }
        let fcgi_socket = match &config.kind {
            GroupKind::Fcgi { socket } => Some(
                crate::supervisor::fcgi::create_socket(socket)
                    .map_err(|e| format!("Could not create FastCGI socket {}: {}", socket.url, e))?,
            ),
            _ => None,
        };
        // The AUTO log files are created by a helper thread, in this order;
        // each process waits for its own before anything uses their paths.
        let mut requests: Vec<(String, &'static str)> = Vec::new();
        let mut indices = Vec::with_capacity(config.processes.len());
        for pc in &config.processes {
            let mut want = |target: &LogTarget, channel: &'static str| {
                (*target == LogTarget::Auto).then(|| {
                    requests.push((pc.name.clone(), channel));
                    (requests.len() - 1) as u32
                })
            };
            let out = want(&pc.stdout.logfile, "stdout");
            let err = want(&pc.stderr.logfile, "stderr");
            indices.push((out, err));
        }
        let batch = (!requests.is_empty()).then(|| {
            AutoLogBatch::start(self.config.daemon.childlogdir.clone(), self.config.daemon.identifier.clone(), requests)
        });
        let mut processes = Vec::with_capacity(config.processes.len());
        for (pc, (out, err)) in config.processes.iter().zip(indices) {
            let mut p = Subprocess::new(pc.clone(), &config.name, None, None);
            if let Some(batch) = &batch {
                if out.is_some() || err.is_some() {
                    p.pending_auto = Some(PendingAutoLogs { batch: batch.clone(), stdout: out, stderr: err });
                }
            }
            p.fcgi_socket = fcgi_socket.as_ref().map(std::os::fd::AsRawFd::as_raw_fd);
            processes.push(p);
        }
        self.auto_pending = self.auto_pending || batch.is_some();
        let name = config.name.clone();
        self.groups.push(Group { config, processes, fcgi_socket });
        self.on_group_added(&name);
        Ok(true)
    }

    /// Removes a stopped group. False if some process is still running.
    pub fn remove_group(&mut self, name: &str) -> bool {
        let Some(i) = self.groups.iter().position(|g| g.config.name == name) else { return false };
        if self.groups[i].unstopped().next().is_some() {
            return false;
        }
        self.groups.remove(i);
        self.on_group_removed(name);
        true
    }

    /// Hook: a group was added (PROCESS_GROUP_ADDED event).
    fn on_group_added(&mut self, name: &str) {
        self.events_group_added(name);
    }

    /// Hook: a group was removed (PROCESS_GROUP_REMOVED event).
    fn on_group_removed(&mut self, name: &str) {
        self.events_group_removed(name);
    }

    pub fn find_group(&self, name: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.config.name == name)
    }

    pub fn find(&self, key: &(String, String)) -> Option<(usize, usize)> {
        let at = |&(g, p): &(usize, usize)| {
            self.groups.get(g).is_some_and(|grp| {
                grp.config.name == key.0 && grp.processes.get(p).is_some_and(|pr| pr.config.name == key.1)
            })
        };
        if let Some(hit) = self.find_index.borrow().get(key).copied().filter(at) {
            return Some(hit);
        }
        let gi = self.find_group(&key.0)?;
        let pi = self.groups[gi].processes.iter().position(|p| p.config.name == key.1)?;
        let mut index = self.find_index.borrow_mut();
        index.clear();
        for (g, grp) in self.groups.iter().enumerate() {
            for (p, pr) in grp.processes.iter().enumerate() {
                index.insert(pr.key(), (g, p));
            }
        }
        Some((gi, pi))
    }

    pub fn process(&self, key: &(String, String)) -> Option<&Subprocess> {
        self.find(key).map(|(g, p)| &self.groups[g].processes[p])
    }

    pub fn process_mut(&mut self, key: &(String, String)) -> Option<&mut Subprocess> {
        let (g, p) = self.find(key)?;
        Some(&mut self.groups[g].processes[p])
    }

    /// Group indices in ascending priority (stable: config order on ties).
    pub fn groups_by_priority(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.groups.len()).collect();
        order.sort_by_key(|&i| self.groups[i].config.priority);
        order
    }

    /// Runs the task until shutdown or restart.
    pub async fn run(
        mut self,
        mut requests: mpsc::UnboundedReceiver<Request>,
        control: &mut mpsc::UnboundedReceiver<Control>,
    ) -> Outcome {
        let mut sigchld = signal(SignalKind::child()).ok();
        self.events_supervisor_running();
        self.reap_all();
        self.step();
        let mut requests_open = true;
        let mut control_open = true;
        // A deadline, not a period: a second after startup (later if the
        // autostart programs are still being started) and a second after the
        // last request, give the memory freed by config parsing, the first
        // spawns or a burst of big answers back to the system (glibc keeps
        // freed chunks inside the heap otherwise: 200 clients fetching 1000
        // processes' info at once left ~300 MiB behind).
        let mut trim_at = Some(tokio::time::Instant::now() + Duration::from_secs(1));
        loop {
            if let Some(outcome) = self.outcome {
                self.events_finished(outcome);
                return outcome;
            }
            // Requests already waiting go first, every turn: with children
            // exiting all the time (a restart storm) the pipe and SIGCHLD
            // branches are always ready, and a request left to select!'s
            // random pick waited several steps.
            let mut handled = 0;
            while handled < REQUEST_BATCH {
                let Ok(r) = requests.try_recv() else { break };
                self.handle_request(r);
                handled += 1;
            }
            if handled > 0 {
                // What the requests started (and their pending answers)
                // must move now, not at the next event.
                self.step();
            }
            let deadline = self.next_deadline();
            // An interrupted step continues at once: only what is already
            // waiting gets handled in between. Going through the timer
            // instead parked this thread until a runtime worker turned the
            // timer, and during a burst of 1000 spawns the workers wait
            // behind hundreds of starting children (tens of ms per park).
            let resume_now = self.more_work;
            let sleep = async {
                match deadline {
                    _ if resume_now => {}
                    Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                req = requests.recv(), if requests_open => match req {
                    Some(r) => self.handle_request(r),
                    None => requests_open = false,
                },
                ev = self.pipe_rx.recv() => {
                    if let Some(ev) = ev {
                        self.handle_pipe(ev);
                    }
                },
                _ = async { match sigchld.as_mut() { Some(s) => { s.recv().await; } None => std::future::pending::<()>().await } } => {
                    self.reap_all();
                    self.ctx.log.debug("received SIGCHLD indicating a child quit");
                },
                c = control.recv(), if control_open => match c {
                    Some(Control::Signal(sig)) => self.handle_signal(sig),
                    None => control_open = false,
                },
                _ = sleep => {}
                _ = async { match trim_at { Some(t) => tokio::time::sleep_until(t).await, None => std::future::pending::<()>().await } } => {
                    if self.more_work {
                        // Still starting the autostart programs: wait for the end.
                        trim_at = Some(tokio::time::Instant::now() + Duration::from_secs(1));
                    } else {
                        trim_at = None;
                        // SAFETY: plain libc call; only returns free memory.
                        unsafe { libc::malloc_trim(0) };
                    }
                }
            }
            self.step();
            if std::mem::take(&mut self.answered) {
                trim_at = Some(tokio::time::Instant::now() + Duration::from_secs(1));
            }
            // The daemon runs on one thread: let the servers and the pipe hub
            // have their turn after every step. Otherwise, in a restart storm,
            // the always-ready SIGCHLD and pipe branches kept this task running
            // until tokio's budget forced a yield, and getState waited ~100 ms.
            tokio::task::yield_now().await;
        }
    }

    /// Reaps every exited child (waitpid(-1, WNOHANG) until none is left).
    pub fn reap_all(&mut self) {
        loop {
            let mut status: libc::c_int = 0;
            // SAFETY: waitpid with a valid status pointer.
            let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
            if pid <= 0 {
                if pid < 0 {
                    let err = std::io::Error::last_os_error();
                    match err.raw_os_error() {
                        Some(libc::EINTR) => {
                            self.ctx.log.blather("EINTR during reap");
                            continue;
                        }
                        Some(libc::ECHILD) | None => {}
                        Some(code) => self.ctx.log.critical(&format!(
                            "waitpid error {code}; a process may not be cleaned up properly"
                        )),
                    }
                }
                break;
            }
            match self.ctx.pids.get(&pid).cloned() {
                Some(key) => {
                    if let Some((g, p)) = self.find(&key) {
                        self.groups[g].processes[p].reaped(status, &mut self.ctx);
                    }
                }
                None => {
                    let (_, msg) = crate::process::waitstatus::decode_wait_status(status);
                    self.ctx.log.info(&format!("reaped unknown pid {pid} ({msg})"));
                }
            }
        }
    }

    fn handle_pipe(&mut self, ev: PipeEvent) {
        match ev {
            PipeEvent::Output { serial, channel, data } => {
                let Some(key) = self.ctx.serials.get(&serial).cloned() else { return };
                self.on_output(serial, &key, channel, &data);
            }
            PipeEvent::ReaderDone { serial, channel } => {
                let Some(key) = self.ctx.serials.get(&serial).cloned() else { return };
                self.events_reader_done(serial, &key, channel);
                if let Some((g, p)) = self.find(&key) {
                    self.groups[g].processes[p].reader_done(&mut self.ctx);
                }
            }
        }
    }

    /// Hook: bytes a process wrote on `channel`. Readers in direct mode have
    /// already written them to the log; routed readers (capture mode,
    /// eventlistener stdout) leave logging to this function.
    fn on_output(&mut self, serial: u64, key: &ProcKey, channel: Channel, data: &[u8]) {
        if self.events_output(serial, key, channel, data) {
            return;
        }
        self.emit_output(key, channel, data, false);
        self.events_plain_output(key, channel, data);
    }

    /// Logs output: to the channel's file when `write_file` (the reader has
    /// not), to the main log at debug level, and to subscribers.
    pub(crate) fn emit_output(&mut self, key: &ProcKey, channel: Channel, data: &[u8], write_file: bool) {
        let Some((g, p)) = self.find(key) else { return };
        let proc_ = &self.groups[g].processes[p];
        if write_file {
            let log = match channel {
                Channel::Stdout => proc_.stdout_log.clone(),
                Channel::Stderr => proc_.stderr_log.clone(),
            };
            if let Ok(mut guard) = log.lock() {
                if let Some(f) = guard.as_mut() {
                    let _ = f.write_all(data);
                }
            };
        }
        let name = proc_.config.name.clone();
        if self.log_output {
            let text = match std::str::from_utf8(data) {
                Ok(t) => t.to_string(),
                Err(_) => format!("Undecodable: {}", python_bytes_repr(data)),
            };
            self.ctx.log.debug(&format!("{} {} output:\n{}", crate::process::pyrepr::py_repr(&name), channel.as_str(), text));
        }
        if let Some(notices) = self.notices.as_ref().filter(|n| n.receiver_count() > 0) {
            let _ = notices.send(Notice::ProcessOutput {
                group: key.0.clone(),
                name: key.1.clone(),
                channel,
                text: String::from_utf8_lossy(data).into_owned(),
            });
        } else if !self.log_output {
            self.ctx.env.copy_all.store(false, Ordering::Relaxed);
        }
    }

    /// Hook: one process state change, in the order they happened.
    fn on_state_change(&mut self, change: StateChange) {
        self.events_state_change(&change);
        if let Some(notices) = self.notices.as_ref().filter(|n| n.receiver_count() > 0) {
            let _ = notices.send(Notice::ProcessState {
                group: change.group.clone(),
                name: change.name.clone(),
                state: change.to.name().to_string(),
            });
        }
    }

    fn handle_signal(&mut self, sig: i32) {
        match sig {
            libc::SIGTERM | libc::SIGINT | libc::SIGQUIT => {
                self.ctx.log.warn(&format!("received {} indicating exit request", signame(sig)));
                self.ctx.mood = SupervisorState::Shutdown;
            }
            libc::SIGHUP => {
                if self.ctx.mood == SupervisorState::Shutdown {
                    self.ctx.log.warn(&format!(
                        "ignored {} indicating restart request (shutdown in progress)",
                        signame(sig)
                    ));
                } else {
                    self.ctx.log.warn(&format!("received {} indicating restart request", signame(sig)));
                    self.ctx.mood = SupervisorState::Restarting;
                }
            }
            libc::SIGUSR2 => {
                self.ctx.log.info(&format!("received {} indicating log reopen request", signame(sig)));
                self.ctx.log.info("supervisord logreopen");
                self.ctx.log.reopen();
                for g in &self.groups {
                    for p in &g.processes {
                        for log in [&p.stdout_log, &p.stderr_log] {
                            if let Ok(mut guard) = log.lock() {
                                if let Some(f) = guard.as_mut() {
                                    let _ = f.reopen();
                                }
                            }
                        }
                    }
                }
            }
            _ => self.ctx.log.blather(&format!("received {} indicating nothing", signame(sig))),
        }
    }

    /// Runs the state machines until nothing is due now, then handles the
    /// recorded changes, pending waits and shutdown progress.
    pub fn step(&mut self) {
        let began = Instant::now();
        self.more_work = false;
        // Only requests add or remove groups, never a step, so one order
        // serves every pass of this step.
        let order: Vec<(usize, usize)> = self
            .groups_by_priority()
            .into_iter()
            .flat_map(|gi| (0..self.groups[gi].processes.len()).map(move |pi| (gi, pi)))
            .collect();
        for _ in 0..100 {
            // Spawning is the slow part (a fork each): past a small time
            // budget, leave the rest for the next turn so requests are
            // answered in between (1000 autostart programs at startup).
            // An interrupted pass resumes where it stopped, so the log
            // keeps 4.3.0's order (all spawns of a pass, then their successes).
            let from = self.pass_cursor.min(order.len());
            self.pass_cursor = 0;
            for (n, &(gi, pi)) in order.iter().enumerate().skip(from) {
                if began.elapsed() > STEP_BUDGET {
                    self.more_work = true;
                    self.pass_cursor = n;
                    break;
                }
                self.groups[gi].processes[pi].transition(&mut self.ctx);
            }
            self.flush_changes();
            if self.ctx.mood < SupervisorState::Running {
                self.shutdown_progress();
                if self.outcome.is_some() {
                    break;
                }
            }
            self.check_waiters();
            self.flush_changes();
            self.events_step();
            let now = Instant::now();
            let due = self.groups.iter().flat_map(|g| g.processes.iter()).any(|p| {
                p.next_deadline(self.ctx.mood).map(|d| d <= now).unwrap_or(false)
            });
            if !due || self.more_work {
                break;
            }
        }
        crate::process::spawn::reclaim_finished();
    }

    pub fn flush_changes(&mut self) {
        let changes = std::mem::take(&mut self.ctx.changes);
        for c in changes {
            self.on_state_change(c);
        }
    }

    /// 4.3.0's ordered shutdown: stop the highest-priority group still
    /// running, wait for it, then the next; finish when all are stopped.
    fn shutdown_progress(&mut self) {
        if !self.stopping {
            self.stopping = true;
            let order = self.groups_by_priority();
            self.stop_groups = order.iter().map(|&i| self.groups[i].config.name.clone()).collect();
            if self.on_supervisor_stopping() {
                // 4.3.0 stops the last group in this same pass and only then
                // hands the event to listeners still RUNNING; the next
                // groups follow on later passes.
                if let Some(gi) = self.stop_groups.last().and_then(|n| self.find_group(n)) {
                    self.groups[gi].stop_all(&mut self.ctx);
                }
                self.flush_changes();
                self.events_stopping_pass();
                return;
            }
        }
        while let Some(last) = self.stop_groups.last().cloned() {
            let Some(gi) = self.find_group(&last) else {
                self.stop_groups.pop();
                continue;
            };
            self.groups[gi].stop_all(&mut self.ctx);
            if self.groups[gi].unstopped().next().is_none() {
                self.stop_groups.pop();
                continue;
            }
            break;
        }
        self.flush_changes();
        let unstopped: Vec<(String, ProcessState)> = self
            .groups
            .iter()
            .flat_map(|g| g.unstopped())
            .map(|p| (p.config.name.clone(), p.state))
            .collect();
        if unstopped.is_empty() {
            self.outcome = Some(if self.ctx.mood == SupervisorState::Restarting {
                Outcome::Restart
            } else {
                Outcome::Shutdown
            });
            return;
        }
        let now = Instant::now();
        let due = self.lastshutdownreport.map(|t| now > t + Duration::from_secs(3)).unwrap_or(true);
        if due {
            let names: Vec<&str> = unstopped.iter().map(|(n, _)| n.as_str()).collect();
            self.ctx.log.info(&format!("waiting for {} to die", names.join(", ")));
            self.lastshutdownreport = Some(now);
            for (n, s) in &unstopped {
                self.ctx.log.blather(&format!("{n} state: {}", s.name()));
            }
        }
    }

    /// Hook: supervisord started stopping (SUPERVISOR_STATE_CHANGE_STOPPING).
    /// Returns true when some pool takes the event.
    fn on_supervisor_stopping(&mut self) -> bool {
        self.events_supervisor_stopping()
    }

    fn next_deadline(&self) -> Option<Instant> {
        if self.more_work {
            return Some(Instant::now());
        }
        let mut best: Option<Instant> = None;
        let mut consider = |d: Option<Instant>| {
            if let Some(d) = d {
                best = Some(best.map_or(d, |b| b.min(d)));
            }
        };
        for g in &self.groups {
            for p in &g.processes {
                consider(p.next_deadline(self.ctx.mood));
            }
        }
        consider(self.waiters_deadline);
        consider(self.events_next_deadline());
        if self.stopping {
            consider(self.lastshutdownreport.map(|t| t + Duration::from_millis(3001)));
        }
        best
    }

    /// Waits for every AUTO log still being created and records it, so
    /// that requests see the same paths 4.3.0 would have created at once.
    pub fn resolve_auto_logs(&mut self) {
        if !self.auto_pending {
            return;
        }
        self.auto_pending = false;
        for g in &mut self.groups {
            for p in &mut g.processes {
                p.resolve_auto_logs(&mut self.ctx);
            }
        }
    }

    fn handle_request(&mut self, req: Request) {
        // Pending calls get a look at the next step: this request may add
        // one that is decided already, or change what others wait on
        // (a removed group) without any state change.
        self.ctx.waits_dirty = true;
        self.answered = true;
        self.resolve_auto_logs();
        match req {
            Request::Rpc { method, params, reply } => {
                let name = method.strip_prefix("supervisor.").unwrap_or(&method).to_string();
                self.ctx.log.trace(&format!("XML-RPC method called: supervisor.{name}()"));
                let outcome = self.dispatch(&name, params);
                match &outcome {
                    Reply::Now(Err(f)) => self.ctx.log.trace(&format!(
                        "XML-RPC method supervisor.{name}() returned fault: [{}] {}",
                        f.code, f.string
                    )),
                    _ => self.ctx.log.trace(&format!("XML-RPC method supervisor.{name}() returned successfully")),
                }
                match outcome {
                    Reply::Now(result) => {
                        let _ = reply.send(result);
                    }
                    Reply::Later(kind) => self.waiters.push(Waiter { kind, reply }),
                }
            }
            Request::LogPath { process, channel, reply } => {
                let _ = reply.send(self.log_path(process.as_deref(), channel));
            }
            Request::Subscribe { reply } => {
                self.ctx.env.copy_all.store(true, Ordering::Relaxed);
                let notices = self.notices.get_or_insert_with(|| broadcast::channel(1024).0);
                let _ = reply.send(notices.subscribe());
            }
        }
    }

    fn log_path(&self, process: Option<&str>, channel: Channel) -> Result<std::path::PathBuf, Fault> {
        match process {
            None => self.ctx.log.path().ok_or_else(|| Fault::code(codes::NO_FILE)),
            Some(name) => self.process_log_path(name, channel)?.ok_or_else(|| Fault::with(codes::NO_FILE, name)),
        }
    }

    /// `name`, `group:name` or `group:*` → (group index, process index or
    /// None for the whole group), as 4.3.0's split_namespec reads it.
    pub fn lookup(&self, namespec: &str) -> Result<(usize, Option<usize>), Fault> {
        let (group, process) = match namespec.split_once(':') {
            Some((g, p)) => (g, if p.is_empty() || p == "*" { None } else { Some(p) }),
            None => (namespec, Some(namespec)),
        };
        let gi = self.find_group(group).ok_or_else(|| Fault::with(codes::BAD_NAME, namespec))?;
        match process {
            None => Ok((gi, None)),
            Some(p) => {
                let pi = self.groups[gi]
                    .processes
                    .iter()
                    .position(|x| x.config.name == p)
                    .ok_or_else(|| Fault::with(codes::BAD_NAME, namespec))?;
                Ok((gi, Some(pi)))
            }
        }
    }
}

/// What a method call produced: an answer now, or a wait to re-check.
pub enum Reply {
    Now(RpcResult),
    Later(crate::supervisor::waits::WaitKind),
}

/// Python's repr of bytes (`b'...'`) for undecodable output lines.
fn python_bytes_repr(data: &[u8]) -> String {
    let mut s = String::from("b'");
    for &b in data {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'\'' => s.push_str("\\'"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('\'');
    s
}

/// A oneshot reply channel (re-exported for waits).
pub type ReplyTx = oneshot::Sender<RpcResult>;
