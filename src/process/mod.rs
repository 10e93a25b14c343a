//! Child processes: spawning (fork/exec with supervisord's setup) and the
//! per-process state machine.

pub mod spawn;
