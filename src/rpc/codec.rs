//! The XML-RPC wire format, both directions, on quick-xml: parsing calls and
//! writing responses (server), writing calls and parsing responses (client).

use super::value::{Fault, RpcResult, Value};

/// A parsed `<methodCall>`.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodCall {
    pub method: String,
    pub params: Vec<Value>,
}

/// Parses a request body. A body that is not a valid methodCall gives the
/// fault supervisord's XML-RPC layer gives for it.
pub fn parse_call(_body: &[u8]) -> Result<MethodCall, Fault> {
    todo!("transport helper")
}

/// Writes a `<methodResponse>` holding the value or the fault.
pub fn write_response(_result: &RpcResult) -> Vec<u8> {
    todo!("transport helper")
}

/// Writes a `<methodCall>` (client side).
pub fn write_call(_method: &str, _params: &[Value]) -> Vec<u8> {
    todo!("transport helper")
}

/// Parses a `<methodResponse>` (client side). The outer error is a malformed
/// response; the inner result is the server's value or fault.
pub fn parse_response(_body: &[u8]) -> Result<RpcResult, String> {
    todo!("transport helper")
}
