//! The listener side of the eventlistener protocol, one state machine per
//! listener process, as supervisord 4.3.0's PEventListenerDispatcher runs it:
//! `READY\n` from the listener makes it ready, the supervisor sends one
//! event (BUSY), the listener answers `RESULT <len>\n<body>`; `OK` means
//! processed, anything else means rejected (the event is re-queued). A
//! listener that breaks the protocol goes to UNKNOWN and gets no more events.
//!
//! Deliberate differences from 4.3.0, for robustness: a RESULT body is
//! counted, not stored (only its first bytes matter for `OK`); a negative
//! length is a bad result line (4.3.0 leaves the listener stuck BUSY); a
//! result line longer than `MAX_RESULT_LINE` without a newline is a bad
//! result line (4.3.0 buffers forever).

use super::bus::Action;
use super::pool::PoolEvent;
use super::pyfmt::{decode_or_undecodable, python_int, ParsedLen};
use crate::logs::mainlog::Level;

const READY_TOKEN: &[u8] = b"READY\n";
const RESULT_TOKEN_LEN: usize = b"RESULT ".len();
/// Longest RESULT line accepted while waiting for its newline.
pub const MAX_RESULT_LINE: usize = 64 * 1024;

/// Where rejected events go: back to the head of the pool's buffer.
pub type Requeue<'a> = dyn FnMut(PoolEvent, &mut Vec<Action>) + 'a;

/// A listener's protocol state (names as 4.3.0's EventListenerStates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerState {
    /// Waiting for `READY\n` (after start or after a result).
    Acknowledged,
    /// May be sent an event.
    Ready,
    /// Processing an event; a RESULT is expected.
    Busy,
    /// Broke the protocol; gets no events until restarted.
    Unknown,
}

impl ListenerState {
    pub fn name(self) -> &'static str {
        match self {
            ListenerState::Acknowledged => "ACKNOWLEDGED",
            ListenerState::Ready => "READY",
            ListenerState::Busy => "BUSY",
            ListenerState::Unknown => "UNKNOWN",
        }
    }
    /// The numeric codes 4.3.0 uses (states.EventListenerStates).
    pub fn code(self) -> i32 {
        match self {
            ListenerState::Ready => 10,
            ListenerState::Busy => 20,
            ListenerState::Acknowledged => 30,
            ListenerState::Unknown => 40,
        }
    }
}

/// One listener process's protocol state.
#[derive(Debug)]
pub struct Listener {
    pub name: String,
    pub state: ListenerState,
    /// The event sent and not yet answered.
    pub in_flight: Option<PoolEvent>,
    buffer: Vec<u8>,
    result_len: Option<u64>,
    result_received: u64,
    /// The first bytes of the RESULT body (enough to tell `OK` apart).
    result_head: Vec<u8>,
}

impl Listener {
    pub fn new(name: &str) -> Listener {
        Listener {
            name: name.to_string(),
            state: ListenerState::Acknowledged,
            in_flight: None,
            buffer: Vec::new(),
            result_len: None,
            result_received: 0,
            result_head: Vec::new(),
        }
    }

    /// Back to the start state for a freshly spawned process.
    pub fn reset(&mut self) {
        let name = std::mem::take(&mut self.name);
        *self = Listener::new(&name);
    }

    fn change_state(&mut self, new: ListenerState, out: &mut Vec<Action>) {
        out.push(Action::log(
            Level::Debug,
            format!("{}: {} -> {}", self.name, self.state.name(), new.name()),
        ));
        self.state = new;
        if new == ListenerState::Unknown {
            out.push(Action::log(
                Level::Warn,
                format!(
                    "{}: has entered the UNKNOWN state and will no longer receive events, \
                     this usually indicates the process violated the eventlistener protocol",
                    self.name
                ),
            ));
        }
    }

    /// Feeds bytes the listener wrote to its stdout. Events it rejects are
    /// handed to `requeue` (back to the head of the pool's buffer) at once.
    pub fn feed(&mut self, data: &[u8], out: &mut Vec<Action>, requeue: &mut Requeue<'_>) {
        let rejected = requeue;
        self.buffer.extend_from_slice(data);
        while !self.buffer.is_empty() {
            match self.state {
                ListenerState::Unknown => {
                    self.buffer.clear();
                }
                ListenerState::Acknowledged => {
                    if self.buffer.len() < READY_TOKEN.len() {
                        break;
                    }
                    if self.buffer.starts_with(READY_TOKEN) {
                        self.change_state(ListenerState::Ready, out);
                        self.buffer.drain(..READY_TOKEN.len());
                    } else {
                        self.change_state(ListenerState::Unknown, out);
                        self.buffer.clear();
                    }
                    self.in_flight = None;
                }
                ListenerState::Ready => {
                    // Output while nothing was asked of it breaks the protocol.
                    self.change_state(ListenerState::Unknown, out);
                    self.buffer.clear();
                    self.in_flight = None;
                }
                ListenerState::Busy => {
                    if !self.busy_step(out, rejected) {
                        break;
                    }
                }
            }
        }
    }

    /// One step of BUSY handling; false when more data is needed.
    fn busy_step(&mut self, out: &mut Vec<Action>, rejected: &mut Requeue<'_>) -> bool {
        match self.result_len {
            None => {
                let Some(pos) = self.buffer.iter().position(|&b| b == b'\n') else {
                    if self.buffer.len() > MAX_RESULT_LINE {
                        let line: Vec<u8> = self.buffer[..200].to_vec();
                        self.bad_result_line(&line, out, rejected);
                    }
                    return false;
                };
                let line: Vec<u8> = self.buffer[..pos].to_vec();
                self.buffer.drain(..=pos);
                let field = line.get(RESULT_TOKEN_LEN..).unwrap_or(&[]);
                match python_int(field) {
                    ParsedLen::Len(n) => {
                        self.result_len = Some(n);
                        self.result_received = 0;
                        self.result_head.clear();
                        true
                    }
                    ParsedLen::Negative | ParsedLen::Invalid => {
                        self.bad_result_line(&line, out, rejected);
                        false
                    }
                }
            }
            Some(len) => {
                let needed = len - self.result_received;
                if needed > 0 {
                    let take = usize::try_from(needed).unwrap_or(usize::MAX).min(self.buffer.len());
                    let room = 3usize.saturating_sub(self.result_head.len()).min(take);
                    self.result_head.extend_from_slice(&self.buffer[..room]);
                    self.buffer.drain(..take);
                    self.result_received += take as u64;
                }
                if self.result_received == len {
                    let ok = len == 2 && self.result_head == b"OK";
                    self.handle_result(ok, out, rejected);
                    self.result_len = None;
                    self.result_received = 0;
                    self.result_head.clear();
                }
                true
            }
        }
    }

    fn bad_result_line(&mut self, line: &[u8], out: &mut Vec<Action>, rejected: &mut Requeue<'_>) {
        out.push(Action::log(
            Level::Warn,
            format!("{}: bad result line: '{}'", self.name, decode_or_undecodable(line)),
        ));
        self.change_state(ListenerState::Unknown, out);
        self.buffer.clear();
        if let Some(ev) = self.in_flight.take() {
            rejected(ev, out);
        }
    }

    fn handle_result(&mut self, ok: bool, out: &mut Vec<Action>, rejected: &mut Requeue<'_>) {
        if ok {
            out.push(Action::log(Level::Debug, format!("{}: event was processed", self.name)));
            self.change_state(ListenerState::Acknowledged, out);
        } else {
            out.push(Action::log(Level::Warn, format!("{}: event was rejected", self.name)));
            self.change_state(ListenerState::Acknowledged, out);
            if let Some(ev) = self.in_flight.take() {
                rejected(ev, out);
            }
        }
        self.in_flight = None;
    }
}
