//! supervisorctl's commands, grouped by what they act on. Each is a method
//! on `Controller` named `do_<command>`, as in 4.3.0.

pub mod config;
pub mod daemon;
pub mod help;
pub mod logs;
pub mod multi;
pub mod process;
