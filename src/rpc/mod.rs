//! XML-RPC: values and faults, the wire codec, the table of published
//! methods, and the `system.*` layer that dispatches calls.
//! `supervisor.*` methods are answered by the supervisor task.

pub mod codec;
pub mod methods;
pub mod system;
pub mod value;
