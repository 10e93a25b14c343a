//! The event bus the supervisor task owns: every pool, the global serial,
//! the tick clock. The supervisor publishes events and reports listener
//! output, starts and exits; the bus answers with actions (bytes to write to
//! a listener's stdin, main-log lines) collected in an outbox that the
//! supervisor drains. The bus itself does no I/O.
//!
//! Timing follows 4.3.0's main loop: published events are only buffered;
//! `dispatch()` (which the supervisor calls once per round of work, as
//! supervisord does once per loop) hands them to ready listeners.

use std::sync::Arc;

use super::event::Event;
use super::pool::{next_serial, rebuffer_into, Pool, PoolEvent};
use super::protocol::ListenerState;
use super::pyfmt::{bytes_repr, str_repr};
use super::types::{EventType, TICKS};
use crate::logs::mainlog::Level;

/// Something the supervisor must do on the bus's behalf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write these bytes to the stdin of listener `process` of `pool`.
    Write { pool: String, process: String, bytes: Vec<u8> },
    /// Write a line to the main log at this level.
    Log { level: Level, message: String },
}

impl Action {
    pub fn log(level: Level, message: String) -> Action {
        Action::Log { level, message }
    }
}

/// All pools and the event bookkeeping shared between them.
#[derive(Debug)]
pub struct EventBus {
    identifier: String,
    global_serial: Option<u64>,
    pools: Vec<Pool>,
    /// Per tick period: start of the current period, once tracking began.
    ticks: [Option<u64>; 3],
    outbox: Vec<Action>,
    /// Whether DEBG lines about listener output are wanted (rendering a
    /// chatty listener's output as a Python bytes repr is not free).
    log_output: bool,
}

impl EventBus {
    /// `identifier` is `[supervisord] identifier=` (the envelope's `server:`).
    pub fn new(identifier: &str) -> EventBus {
        EventBus {
            identifier: identifier.to_string(),
            global_serial: None,
            pools: Vec::new(),
            ticks: [None; 3],
            outbox: Vec::new(),
            log_output: true,
        }
    }

    /// The last global serial handed out, if any.
    pub fn last_serial(&self) -> Option<u64> {
        self.global_serial
    }

    /// Makes the next global serial follow `last` (after a restart).
    pub fn continue_serial_after(&mut self, last: u64) {
        self.global_serial = Some(last);
    }

    /// Whether the main log takes DEBG lines (listener output is only
    /// rendered for it when it does).
    pub fn set_log_output(&mut self, on: bool) {
        self.log_output = on;
    }

    pub fn set_identifier(&mut self, identifier: &str) {
        self.identifier = identifier.to_string();
    }

    /// Adds a pool (when its group is added). Pools receive events in the
    /// order they were added. Listener names are in process order.
    /// A pool of the same name is replaced.
    pub fn add_pool(&mut self, name: &str, buffer_size: usize, events: &[EventType], listeners: &[String]) {
        self.remove_pool(name);
        self.pools.push(Pool::new(name, buffer_size, events, listeners));
    }

    /// Removes a pool (when its group is removed); its buffer is dropped.
    pub fn remove_pool(&mut self, name: &str) {
        self.pools.retain(|p| p.name != name);
    }

    pub fn pool(&self, name: &str) -> Option<&Pool> {
        self.pools.iter().find(|p| p.name == name)
    }

    fn pool_mut(&mut self, name: &str) -> Option<&mut Pool> {
        self.pools.iter_mut().find(|p| p.name == name)
    }

    /// Whether any pool would receive an event of this type (lets the
    /// supervisor skip building events nobody wants).
    pub fn wants(&self, etype: EventType) -> bool {
        self.pools.iter().any(|p| p.accepts(etype))
    }

    /// Queues an event in every pool subscribed to its type. An event no
    /// pool wants is dropped and uses no serial.
    pub fn publish(&mut self, event: Event) {
        if !self.wants(event.etype) {
            return;
        }
        let serial = next_serial(&mut self.global_serial);
        let event = Arc::new(event);
        for pool in self.pools.iter_mut().filter(|p| p.accepts(event.etype)) {
            let pool_serial = pool.next_pool_serial();
            let ev = PoolEvent { event: Arc::clone(&event), serial, pool_serial };
            pool.accept(ev, &mut self.outbox);
        }
    }

    /// Hands buffered events to ready listeners in every pool.
    pub fn dispatch(&mut self) {
        for pool in self.pools.iter_mut() {
            pool.dispatch(&self.identifier, &mut self.outbox);
        }
    }

    /// A listener process was spawned (new pipes): it starts ACKNOWLEDGED.
    pub fn listener_spawned(&mut self, pool: &str, process: &str) {
        if let Some(slot) = self.pool_mut(pool).and_then(|p| p.slot_mut(process)) {
            slot.listener.reset();
            slot.running = false;
        }
    }

    /// A listener process entered (true) or left (false) the RUNNING state.
    pub fn listener_running(&mut self, pool: &str, process: &str, running: bool) {
        if let Some(slot) = self.pool_mut(pool).and_then(|p| p.slot_mut(process)) {
            slot.running = running;
        }
    }

    /// Bytes a listener wrote to its stdout (the protocol channel).
    pub fn listener_output(&mut self, pool_name: &str, process: &str, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        if self.log_output {
            self.outbox.push(Action::log(
                Level::Debug,
                format!("{} stdout output:\n{}", str_repr(process), bytes_repr(data)),
            ));
        }
        let Some(pool) = self.pools.iter_mut().find(|p| p.name == pool_name) else { return };
        let Pool { name, buffer_size, buffer, listeners, .. } = pool;
        let Some(slot) = listeners.iter_mut().find(|s| s.listener.name == process) else { return };
        let mut requeue = |ev, out: &mut Vec<Action>| rebuffer_into(buffer, name, *buffer_size, ev, out);
        slot.listener.feed(data, &mut self.outbox, &mut requeue);
    }

    /// A listener process exited: the event it was processing, if any, goes
    /// back to the head of its pool's buffer.
    pub fn listener_exited(&mut self, pool_name: &str, process: &str) {
        let Some(pool) = self.pools.iter_mut().find(|p| p.name == pool_name) else { return };
        let Some(slot) = pool.slot_mut(process) else { return };
        slot.running = false;
        if let Some(ev) = slot.listener.in_flight.take() {
            pool.rebuffer(ev, &mut self.outbox);
        }
    }

    /// Writing the event to the listener's stdin failed (its stdin is
    /// closed): the event goes back to the head of the buffer for another
    /// listener. The listener itself gets no more events until it is
    /// restarted (4.3.0 would keep offering them to it).
    pub fn write_failed(&mut self, pool_name: &str, process: &str) {
        let Some(pool) = self.pools.iter_mut().find(|p| p.name == pool_name) else { return };
        let Some(slot) = pool.slot_mut(process) else { return };
        if let Some(ev) = slot.listener.in_flight.take() {
            self.outbox.push(Action::log(
                Level::Debug,
                format!(
                    "epipe occurred while sending event {} to listener {}, listener state unchanged",
                    ev.serial, process
                ),
            ));
            pool.rebuffer(ev, &mut self.outbox);
        }
    }

    pub fn listener_state(&self, pool: &str, process: &str) -> Option<ListenerState> {
        self.pool(pool).and_then(|p| p.slot(process)).map(|s| s.listener.state)
    }

    /// Publishes TICK_* events for periods that rolled over since the last
    /// call. Only periods some pool subscribes to are tracked; the first
    /// call for a period only notes the current period, as at startup.
    pub fn tick(&mut self, now: f64) {
        for (i, &(etype, period)) in TICKS.iter().enumerate() {
            if !self.wants(etype) {
                self.ticks[i] = None;
                continue;
            }
            let this = timeslice(period, now);
            match self.ticks[i] {
                None => self.ticks[i] = Some(this),
                Some(last) if last != this => {
                    self.ticks[i] = Some(this);
                    self.publish(Event::tick(etype, this));
                }
                Some(_) => {}
            }
        }
    }

    /// When `tick` next has work: None when no pool subscribes to a tick,
    /// so the supervisor need not wake up periodically.
    pub fn next_tick_at(&self, now: f64) -> Option<f64> {
        TICKS
            .iter()
            .enumerate()
            .filter(|(_, &(etype, _))| self.wants(etype))
            .map(|(i, &(_, period))| match self.ticks[i] {
                None => now,
                Some(last) => (last + period) as f64,
            })
            .reduce(f64::min)
    }

    /// Puts actions back at the front of the outbox (after inspecting them).
    pub fn push_actions(&mut self, mut actions: Vec<Action>) {
        actions.append(&mut self.outbox);
        self.outbox = actions;
    }

    /// Takes the actions produced so far, in order.
    pub fn take_actions(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.outbox)
    }
}

/// The start of the period of `period` seconds containing `now`.
fn timeslice(period: u64, now: f64) -> u64 {
    let now = if now.is_finite() && now > 0.0 { now as u64 } else { 0 };
    now - now % period
}
