//! Method dispatch for one XML-RPC call: the `system.*` methods are answered
//! here (listMethods, methodHelp, methodSignature, multicall), every other
//! published method goes to the supervisor task, and anything unpublished
//! (other namespaces, `supervisor.` names that do not exist, methods of a
//! Python `[rpcinterface:x]` plugin) is UNKNOWN_METHOD.

use super::methods::{self, METHODS};
use super::value::{codes, structure, Fault, RpcResult, Value};
use crate::supervisor::SupervisorHandle;

/// Answers one call, as received at /RPC2.
pub async fn dispatch(handle: &SupervisorHandle, method: &str, params: Vec<Value>) -> RpcResult {
    if method == "system.multicall" {
        return multicall(handle, params).await;
    }
    call_one(handle, method, params).await
}

/// Answers one call that is not a multicall.
async fn call_one(handle: &SupervisorHandle, method: &str, params: Vec<Value>) -> RpcResult {
    let Some(info) = methods::find(method) else {
        return Err(Fault::code(codes::UNKNOWN_METHOD));
    };
    // supervisord answers a wrong argument count (a Python TypeError) this way.
    if !info.accepts_arity(params.len()) {
        return Err(Fault::code(codes::INCORRECT_PARAMETERS));
    }
    match method {
        "system.listMethods" => Ok(list_methods()),
        "system.methodHelp" => {
            let info = named_method(&params)?;
            Ok(Value::String(info.help()))
        }
        "system.methodSignature" => {
            let info = named_method(&params)?;
            Ok(Value::Array(info.signature().into_iter().map(Value::str).collect()))
        }
        _ => handle.call(method, params).await,
    }
}

/// `system.listMethods`: every published name, sorted.
pub fn list_methods() -> Value {
    Value::Array(METHODS.iter().map(|m| Value::str(m.name)).collect())
}

/// The method named by the single argument of methodHelp/methodSignature;
/// an unknown (or non-string) name is SIGNATURE_UNSUPPORTED as in 4.3.0.
fn named_method(params: &[Value]) -> Result<&'static methods::MethodInfo, Fault> {
    params
        .first()
        .and_then(Value::as_str)
        .and_then(methods::find)
        .ok_or_else(|| Fault::code(codes::SIGNATURE_UNSUPPORTED))
}

/// `system.multicall`: runs the calls in order, each to completion (a
/// `wait=true` start inside a multicall finishes before the next call
/// starts, as in supervisord). Each result is the call's value itself, or
/// a `{faultCode, faultString}` struct: 4.3.0 does not wrap successful
/// values in one-element arrays, whatever the XML-RPC multicall convention
/// says, and clients written against it expect the bare value.
async fn multicall(handle: &SupervisorHandle, params: Vec<Value>) -> RpcResult {
    let calls = match <[Value; 1]>::try_from(params) {
        Ok([Value::Array(calls)]) => calls,
        _ => return Err(Fault::code(codes::INCORRECT_PARAMETERS)),
    };
    // An entry that is not a struct makes the whole batch malformed; it is
    // refused before any call runs, so no call has effects whose result is
    // lost. (supervisord answers it with HTTP 500 after running the calls
    // before it.)
    if calls.iter().any(|c| !matches!(c, Value::Struct(_))) {
        return Err(Fault::code(codes::INCORRECT_PARAMETERS));
    }
    let mut results = Vec::with_capacity(calls.len());
    for call in calls {
        let result = match one_of_multicall(call) {
            Ok((method, params)) => call_one(handle, &method, params).await,
            Err(fault) => Err(fault),
        };
        results.push(match result {
            Ok(v) => v,
            Err(fault) => structure([
                ("faultCode", Value::Int(fault.code as i64)),
                ("faultString", Value::String(fault.string)),
            ]),
        });
    }
    Ok(Value::Array(results))
}

/// The method name and parameters of one multicall entry, or the fault
/// that entry gets.
fn one_of_multicall(call: Value) -> Result<(String, Vec<Value>), Fault> {
    let Value::Struct(mut entry) = call else {
        return Err(Fault::code(codes::INCORRECT_PARAMETERS));
    };
    let method = match entry.remove("methodName") {
        None => return Err(Fault::with(codes::INCORRECT_PARAMETERS, "No methodName")),
        Some(Value::String(m)) => m,
        Some(_) => return Err(Fault::with(codes::INCORRECT_PARAMETERS, "methodName must be a string")),
    };
    if method == "system.multicall" {
        return Err(Fault::with(codes::INCORRECT_PARAMETERS, "Recursive system.multicall forbidden"));
    }
    let params = match entry.remove("params") {
        None => Vec::new(),
        Some(Value::Array(p)) => p,
        Some(_) => return Err(Fault::code(codes::INCORRECT_PARAMETERS)),
    };
    Ok((method, params))
}
