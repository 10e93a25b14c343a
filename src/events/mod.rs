//! Events: supervisord's event types and payloads, and eventlistener pools
//! speaking the listener protocol.
//!
//! - `types`: event type names and hierarchy.
//! - `event`: one event and its payload, byte-exact with 4.3.0.
//! - `pool`: a listener pool's buffer, serials and dispatch.
//! - `protocol`: one listener's READY/RESULT state machine.
//! - `bus`: what the supervisor task owns and drives (publish, dispatch,
//!   listener output/start/exit, ticks); returns actions, does no I/O.
//! - `capture`: capture mode tokens in child output.
//! - `pyfmt`: Python renderings that leak into payloads and log lines.

pub mod bus;
pub mod capture;
pub mod event;
pub mod pool;
pub mod protocol;
pub mod pyfmt;
pub mod types;

pub use bus::{Action, EventBus};
pub use capture::{OutputCapture, OutputItem};
pub use event::{Event, ProcessStateInfo};
pub use protocol::ListenerState;
pub use types::EventType;
