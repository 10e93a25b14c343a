//! The supervisor: the one task that owns all process state. Child exits,
//! timers, pipe output and control requests reach it as messages.
//!
//! - `core`: the task, its loop, groups, shutdown order, and the hooks
//!   (`on_state_change`, `on_output`, ...) where events plug in.
//! - `events_glue`: those hooks' event side (publishing, listener
//!   protocol I/O, capture mode, ticks) on top of `crate::events`.
//! - `subprocess`: one process's state machine (4.3.0's Subprocess).
//! - `rpc`: the `supervisor.*` methods; `waits`: their `wait=true` answers;
//!   `info`: the info structs they return.
//! - `output`: pipe reader and stdin writer tasks; `fcgi`: fcgi-program
//!   sockets; `logger`: main log helpers; `autologs`: AUTO log files
//!   created by a helper thread.

pub mod autologs;
pub mod core;
pub mod events_glue;
pub mod fcgi;
pub mod handle;
pub mod info;
pub mod logger;
pub mod output;
pub mod rpc;
pub mod subprocess;
pub mod waits;

pub use self::core::{Control, Outcome, Supervisor};
pub use handle::{Channel, Notice, Request, SupervisorHandle};
