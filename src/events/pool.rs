//! One eventlistener pool (`[eventlistener:x]`): its subscriptions, its
//! bounded event buffer, its serial counter and its listener processes.
//! Dispatch sends the oldest buffered event to the first listener (in
//! process order) that is RUNNING and READY, as 4.3.0's EventListenerPool.

use std::collections::VecDeque;
use std::sync::Arc;

use super::bus::Action;
use super::event::Event;
use super::protocol::{Listener, ListenerState};
use super::pyfmt::char_len;
use super::types::EventType;
use crate::logs::mainlog::Level;

/// An event as queued in one pool: shared body plus its serials.
#[derive(Debug, Clone)]
pub struct PoolEvent {
    pub event: Arc<Event>,
    /// Global serial (the same in every pool that got the event).
    pub serial: u64,
    /// This pool's serial for the event.
    pub pool_serial: u64,
}

#[derive(Debug)]
pub(crate) struct ListenerSlot {
    pub listener: Listener,
    /// The process is in the RUNNING state (only then it gets events).
    pub running: bool,
}

/// One listener pool.
#[derive(Debug)]
pub struct Pool {
    pub name: String,
    pub buffer_size: usize,
    pub subscriptions: Vec<EventType>,
    /// Last serial handed out; None before the first.
    serial: Option<u64>,
    pub(crate) buffer: VecDeque<PoolEvent>,
    pub(crate) listeners: Vec<ListenerSlot>,
}

/// Serials wrap to 0 after Python's sys.maxsize, as 4.3.0's do.
const MAX_SERIAL: u64 = i64::MAX as u64;

pub(crate) fn next_serial(last: &mut Option<u64>) -> u64 {
    let next = match *last {
        Some(s) if s < MAX_SERIAL => s + 1,
        _ => 0,
    };
    *last = Some(next);
    next
}

impl Pool {
    pub fn new(name: &str, buffer_size: usize, subscriptions: &[EventType], listeners: &[String]) -> Pool {
        Pool {
            name: name.to_string(),
            buffer_size,
            subscriptions: subscriptions.to_vec(),
            serial: None,
            buffer: VecDeque::new(),
            listeners: listeners
                .iter()
                .map(|n| ListenerSlot { listener: Listener::new(n), running: false })
                .collect(),
        }
    }

    /// Whether an event of this type is delivered to this pool. An event is
    /// delivered once even when several subscriptions match it.
    pub fn accepts(&self, etype: EventType) -> bool {
        self.subscriptions.iter().any(|&s| etype.is_a(s))
    }

    pub fn next_pool_serial(&mut self) -> u64 {
        next_serial(&mut self.serial)
    }

    /// The number of events waiting.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// A new event for this pool: appended, dropping the oldest when full.
    pub fn accept(&mut self, ev: PoolEvent, out: &mut Vec<Action>) {
        discard_if_full(&mut self.buffer, &self.name, self.buffer_size, out);
        self.buffer.push_back(ev);
    }

    /// An event that could not be sent or was rejected: back to the head.
    pub fn rebuffer(&mut self, ev: PoolEvent, out: &mut Vec<Action>) {
        rebuffer_into(&mut self.buffer, &self.name, self.buffer_size, ev, out);
    }

    fn any_ready(&self) -> bool {
        self.listeners.iter().any(|s| s.running && s.listener.state == ListenerState::Ready)
    }

    /// Sends buffered events to ready listeners, oldest first, until none
    /// is ready. Does nothing when no listener is ready.
    pub fn dispatch(&mut self, identifier: &str, out: &mut Vec<Action>) {
        if !self.any_ready() {
            return;
        }
        while let Some(ev) = self.buffer.pop_front() {
            let Some(slot) = self
                .listeners
                .iter_mut()
                .find(|s| s.running && s.listener.state == ListenerState::Ready)
            else {
                self.rebuffer(ev, out);
                break;
            };
            let bytes = envelope(identifier, &self.name, &ev).into_bytes();
            slot.listener.state = ListenerState::Busy;
            let process = slot.listener.name.clone();
            let serial = ev.serial;
            slot.listener.in_flight = Some(ev);
            out.push(Action::Write { pool: self.name.clone(), process: process.clone(), bytes });
            out.push(Action::log(Level::Debug, format!("event {} sent to listener {}", serial, process)));
        }
    }

    pub(crate) fn slot_mut(&mut self, process: &str) -> Option<&mut ListenerSlot> {
        self.listeners.iter_mut().find(|s| s.listener.name == process)
    }

    pub(crate) fn slot(&self, process: &str) -> Option<&ListenerSlot> {
        self.listeners.iter().find(|s| s.listener.name == process)
    }
}

fn discard_if_full(buffer: &mut VecDeque<PoolEvent>, pool: &str, size: usize, out: &mut Vec<Action>) {
    if buffer.len() >= size {
        if let Some(discarded) = buffer.pop_front() {
            out.push(Action::log(
                Level::Error,
                format!("pool {} event buffer overflowed, discarding event {}", pool, discarded.serial),
            ));
        }
    }
}

/// Puts an event back at the head of a pool's buffer (logged as 4.3.0 does).
pub(crate) fn rebuffer_into(
    buffer: &mut VecDeque<PoolEvent>,
    pool: &str,
    size: usize,
    ev: PoolEvent,
    out: &mut Vec<Action>,
) {
    out.push(Action::log(
        Level::Debug,
        format!(
            "rebuffering event {} for pool {} (buf size={}, max={})",
            ev.serial,
            pool,
            buffer.len(),
            size
        ),
    ));
    discard_if_full(buffer, pool, size, out);
    buffer.push_front(ev);
}

/// The header line and payload written to a listener's stdin.
pub fn envelope(identifier: &str, pool: &str, ev: &PoolEvent) -> String {
    format!(
        "ver:3.0 server:{} serial:{} pool:{} poolserial:{} eventname:{} len:{}\n{}",
        identifier,
        ev.serial,
        pool,
        ev.pool_serial,
        ev.event.etype.name(),
        char_len(&ev.event.payload),
        ev.event.payload
    )
}
