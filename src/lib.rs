//! rsupervisor: a drop-in replacement for supervisord 4.3.0.
//!
//! Module map (each module's top comment says its job):
//! - `config`: reads supervisord.conf exactly as supervisord does.
//! - `supervisor`: the one task that owns all process state; others send it messages.
//! - `process`: spawning children and the per-process state machine.
//! - `logs`: child output capture, rotation, the main log, log reading.
//! - `events`: event types, payloads and eventlistener pools.
//! - `rpc`: XML-RPC values, codec and the `system.*` layer.
//! - `http`: HTTP servers (unix socket and TCP), auth, logtail, web UI.
//! - `ctl`: the Rust supervisorctl.
//! - `daemon`: supervisord's command line, daemonizing and main loop wiring.
//! - `sys`: small system-call wrappers shared by the others.

pub mod config;
pub mod ctl;
pub mod daemon;
pub mod events;
pub mod http;
pub mod logs;
pub mod process;
pub mod rpc;
pub mod supervisor;
pub mod sys;
