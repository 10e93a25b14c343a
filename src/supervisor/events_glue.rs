//! Where the supervisor task meets the event bus (`crate::events`): it
//! publishes PROCESS_STATE_*, PROCESS_GROUP_*, SUPERVISOR_STATE_CHANGE_*,
//! REMOTE_COMMUNICATION, PROCESS_LOG_* and PROCESS_COMMUNICATION_* events,
//! feeds listener stdout into the protocol, runs capture mode on routed
//! channels, and carries out the bus's actions (stdin writes, log lines).
//! core.rs calls these from its hooks; the bus itself does no I/O.

use std::collections::HashMap;

use crate::config::model::GroupKind;
use crate::events::capture::{comm_event_log_message, OutputCapture, OutputItem};
use crate::events::{Action, Event, EventBus, EventType, ProcessStateInfo};
use crate::logs::mainlog::Level;
use crate::process::state::ProcessState;
use crate::supervisor::core::Supervisor;
use crate::supervisor::handle::Channel;
use crate::supervisor::subprocess::{wall_now, ProcKey, StateChange};

/// Event state the supervisor keeps besides the bus: capture mode per
/// reader (a new spawn gets new readers, so new capture state, as 4.3.0
/// makes new dispatchers).
#[derive(Debug, Default)]
pub struct EventGlue {
    pub captures: HashMap<(u64, &'static str), OutputCapture>,
    /// End of the first shutdown pass: the loop runs again by then at the
    /// latest, even if no child exit or listener output wakes it.
    pub stopping_grace: Option<std::time::Instant>,
}

/// How long at most the shutdown waits after sending the stopping event
/// (4.3.0's main loop polls with a 1 second timeout).
const STOPPING_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// The last global serial of the previous life of the daemon (set only
/// when the supervisor task ends with a restart).
static CARRIED_SERIAL: std::sync::Mutex<Option<u64>> = std::sync::Mutex::new(None);

/// A new bus for a daemon with this identifier, continuing the global
/// serial after a restart.
pub fn new_bus(identifier: &str) -> EventBus {
    let mut bus = EventBus::new(identifier);
    if let Some(last) = CARRIED_SERIAL.lock().ok().and_then(|mut c| c.take()) {
        bus.continue_serial_after(last);
    }
    bus
}

impl Supervisor {
    /// Carries out what the bus asked for, in order.
    pub(crate) fn apply_event_actions(&mut self) {
        for action in self.events.take_actions() {
            match action {
                Action::Log { level, message } => self.ctx.log.log(level, &message),
                Action::Write { pool, process, bytes } => {
                    let key = (pool.clone(), process.clone());
                    let ok = self
                        .process(&key)
                        .and_then(|p| p.live.as_ref())
                        .and_then(|l| l.stdin.as_ref())
                        .map(|stdin| stdin.write(&bytes).is_ok())
                        .unwrap_or(false);
                    if !ok {
                        self.events.write_failed(&pool, &process);
                        let more = self.events.take_actions();
                        for a in more {
                            if let Action::Log { level, message } = a {
                                self.ctx.log.log(level, &message);
                            }
                        }
                    }
                }
            }
        }
    }

    fn publish(&mut self, event: Event) {
        self.events.publish(event);
        self.apply_event_actions();
    }

    /// A group was added: its pool (for [eventlistener:x]) subscribes first,
    /// so it receives its own PROCESS_GROUP_ADDED, as in 4.3.0.
    pub(crate) fn events_group_added(&mut self, name: &str) {
        if let Some(gi) = self.find_group(name) {
            if let GroupKind::EventListenerPool { buffer_size, events, .. } = &self.groups[gi].config.kind {
                let types: Vec<EventType> = events.iter().filter_map(|e| EventType::from_name(e)).collect();
                let listeners: Vec<String> =
                    self.groups[gi].processes.iter().map(|p| p.config.name.clone()).collect();
                let size = *buffer_size;
                self.events.add_pool(name, size, &types, &listeners);
                // The listener's stdout is the protocol channel: the
                // supervisor reads all of it.
                for p in self.groups[gi].processes.iter_mut() {
                    p.route_stdout = true;
                }
            }
        }
        self.publish(Event::group_added(name));
    }

    /// A group was removed: its pool unsubscribes first.
    pub(crate) fn events_group_removed(&mut self, name: &str) {
        self.events.remove_pool(name);
        self.publish(Event::group_removed(name));
    }

    pub(crate) fn events_supervisor_running(&mut self) {
        self.publish(Event::supervisor_running());
    }

    /// Returns whether some pool takes the event (the shutdown then gives
    /// listeners a pass to receive it, as 4.3.0's loop does).
    pub(crate) fn events_supervisor_stopping(&mut self) -> bool {
        let wanted = self.events.wants(EventType::SupervisorStateChangeStopping);
        self.publish(Event::supervisor_stopping());
        wanted
    }

    /// The first shutdown pass ends here: the loop comes back within
    /// `STOPPING_GRACE` even if nothing else happens.
    pub(crate) fn events_stopping_pass(&mut self) {
        self.glue.stopping_grace = Some(std::time::Instant::now() + STOPPING_GRACE);
    }

    /// The task ends. On a restart the global serial carries over to the
    /// next life of the daemon, as 4.3.0's (a process-wide counter) does.
    pub(crate) fn events_finished(&mut self, outcome: crate::supervisor::core::Outcome) {
        if outcome == crate::supervisor::core::Outcome::Restart {
            if let Ok(mut carried) = CARRIED_SERIAL.lock() {
                *carried = self.events.last_serial();
            }
        }
    }

    pub(crate) fn events_remote_comm(&mut self, kind: &str, data: &str) {
        self.publish(Event::remote_communication(kind, data));
    }

    /// One process state change: its PROCESS_STATE_* event, and for a
    /// listener the protocol bookkeeping (fresh pipes on start, dispatch
    /// only while RUNNING, in-flight event re-queued when it is gone).
    pub(crate) fn events_state_change(&mut self, c: &StateChange) {
        let listener = self.events.pool(&c.group).is_some();
        if listener && c.to == ProcessState::Starting {
            self.events.listener_spawned(&c.group, &c.name);
        }
        let info = ProcessStateInfo {
            process: &c.name,
            group: &c.group,
            from_state: c.from.name(),
            tries: c.tries,
            expected: c.expected,
            pid: u32::try_from(c.pid).unwrap_or(0),
        };
        let wanted = EventType::for_process_state(c.to.name()).is_some_and(|t| self.events.wants(t));
        if wanted {
            if let Some(ev) = Event::process_state(c.to.name(), &info) {
                self.events.publish(ev);
            }
        }
        if listener {
            self.events.listener_running(&c.group, &c.name, c.to == ProcessState::Running);
            if matches!(
                c.to,
                ProcessState::Exited | ProcessState::Stopped | ProcessState::Backoff | ProcessState::Fatal | ProcessState::Unknown
            ) {
                self.events.listener_exited(&c.group, &c.name);
            }
        }
        self.apply_event_actions();
    }

    /// Output from a process. Returns true when handled here entirely
    /// (listener stdout, capture mode); otherwise the caller logs it as
    /// plain output and calls `events_plain_output`.
    pub(crate) fn events_output(&mut self, serial: u64, key: &ProcKey, channel: Channel, data: &[u8]) -> bool {
        let Some(p) = self.process(key) else { return true };
        if channel == Channel::Stdout && self.events.pool(&key.0).is_some() {
            if let Ok(mut guard) = p.stdout_log.lock() {
                if let Some(f) = guard.as_mut() {
                    let bytes = if self.ctx.env.strip_ansi {
                        crate::events::capture::strip_escapes(data)
                    } else {
                        data.to_vec()
                    };
                    let _ = f.write_all(&bytes);
                }
            }
            self.events.listener_output(&key.0, &key.1, data);
            self.apply_event_actions();
            return true;
        }
        let routed = match channel {
            Channel::Stdout => p.route_stdout,
            Channel::Stderr => p.route_stderr,
        };
        if !routed {
            return false;
        }
        let maxbytes = match channel {
            Channel::Stdout => p.config.stdout.capture_maxbytes,
            Channel::Stderr => p.config.stderr.capture_maxbytes,
        };
        let strip = self.ctx.env.strip_ansi;
        let items = self
            .glue
            .captures
            .entry((serial, channel.as_str()))
            .or_insert_with(|| OutputCapture::new(maxbytes, strip))
            .feed(data);
        self.capture_items(key, channel, items);
        true
    }

    /// The reader of a channel finished: output held back by capture mode
    /// is logged (4.3.0 loses it).
    pub(crate) fn events_reader_done(&mut self, serial: u64, key: &ProcKey, channel: Channel) {
        if let Some(mut cap) = self.glue.captures.remove(&(serial, channel.as_str())) {
            let items = cap.finish();
            self.capture_items(key, channel, items);
        }
    }

    fn capture_items(&mut self, key: &ProcKey, channel: Channel, items: Vec<OutputItem>) {
        for item in items {
            match item {
                OutputItem::Data { bytes, captured } => {
                    self.emit_output(key, channel, &bytes, !captured);
                    self.events_plain_output(key, channel, &bytes);
                }
                OutputItem::Comm(bytes) => {
                    let Some(p) = self.process(key) else { return };
                    let pid = u32::try_from(p.pid).unwrap_or(0);
                    let ev = Event::process_communication(&key.1, &key.0, pid, channel, &bytes);
                    self.publish(ev);
                    self.ctx.log.log(Level::Debug, &comm_event_log_message(&key.1, channel));
                }
            }
        }
    }

    /// PROCESS_LOG_* for output a child wrote, when *_events_enabled.
    pub(crate) fn events_plain_output(&mut self, key: &ProcKey, channel: Channel, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let Some(p) = self.process(key) else { return };
        let enabled = match channel {
            Channel::Stdout => p.config.stdout.events_enabled,
            Channel::Stderr => p.config.stderr.events_enabled,
        };
        if !enabled {
            return;
        }
        let pid = u32::try_from(p.pid).unwrap_or(0);
        let ev = Event::process_log(&key.1, &key.0, pid, channel, data);
        self.publish(ev);
    }

    /// End of a round of work: tick events that are due, then hand buffered
    /// events to ready listeners (4.3.0 does both once per main loop pass).
    pub(crate) fn events_step(&mut self) {
        if self.glue.stopping_grace.is_some_and(|t| t <= std::time::Instant::now()) {
            self.glue.stopping_grace = None;
        }
        self.events.tick(wall_now());
        self.events.dispatch();
        self.apply_event_actions();
    }

    /// When the next TICK event is due, if any pool subscribes to one.
    pub(crate) fn events_next_deadline(&self) -> Option<std::time::Instant> {
        let now_wall = wall_now();
        let tick = self.events.next_tick_at(now_wall).map(|at| {
            let wait = (at - now_wall).max(0.0);
            std::time::Instant::now() + std::time::Duration::from_secs_f64(wait)
        });
        match (tick, self.glue.stopping_grace) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
