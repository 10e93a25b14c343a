//! XML-RPC: values and faults, the wire codec, and the `system.*` methods.
//! `supervisor.*` methods are answered by the supervisor task.

pub mod codec;
pub mod value;
