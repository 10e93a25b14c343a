//! Child processes: spawning (fork/exec with supervisord's setup), states,
//! signal names, wait statuses and command checks. The per-process state
//! machine itself lives in `supervisor::subprocess`, beside the task that
//! owns it.

pub mod command;
pub mod pyrepr;
pub mod signals;
pub mod spawn;
pub mod state;
pub mod waitstatus;
