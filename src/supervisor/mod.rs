//! The supervisor: the one task that owns all process state. Child exits,
//! timers, pipe output and control requests reach it as messages.

pub mod handle;

pub use handle::{Channel, Notice, Request, SupervisorHandle};
