//! XML-RPC values and faults: the data every RPC method takes and returns.
//! The wire codec (`rpc::codec`) turns these into and out of XML.

use std::collections::BTreeMap;

/// One XML-RPC value. Integers are always written as `<int>` (Go clients
/// type-assert them); `Int` holds i64 only so that parsing `<i8>` is lossless.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Bool(bool),
    String(String),
    Double(f64),
    /// ISO 8601 text as sent (`<dateTime.iso8601>`).
    DateTime(String),
    Base64(Vec<u8>),
    Array(Vec<Value>),
    /// Member order is not significant in XML-RPC; sorted keys keep output stable.
    Struct(BTreeMap<String, Value>),
    Nil,
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// Python's truthiness for the `wait` style arguments: supervisord accepts
    /// `<boolean>` and also `<int>1</int>` (PHP clients send that).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}
impl From<i32> for Value {
    fn from(i: i32) -> Value {
        Value::Int(i as i64)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Value {
        Value::Array(v)
    }
}

/// Builds a struct value from `(key, value)` pairs.
pub fn structure<I, K>(pairs: I) -> Value
where
    I: IntoIterator<Item = (K, Value)>,
    K: Into<String>,
{
    Value::Struct(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
}

/// supervisord's fault codes (supervisor/xmlrpc.py `Faults`).
pub mod codes {
    pub const UNKNOWN_METHOD: i32 = 1;
    pub const INCORRECT_PARAMETERS: i32 = 2;
    pub const BAD_ARGUMENTS: i32 = 3;
    pub const SIGNATURE_UNSUPPORTED: i32 = 4;
    pub const SHUTDOWN_STATE: i32 = 6;
    pub const BAD_NAME: i32 = 10;
    pub const BAD_SIGNAL: i32 = 11;
    pub const NO_FILE: i32 = 20;
    pub const NOT_EXECUTABLE: i32 = 21;
    pub const FAILED: i32 = 30;
    pub const ABNORMAL_TERMINATION: i32 = 40;
    pub const SPAWN_ERROR: i32 = 50;
    pub const ALREADY_STARTED: i32 = 60;
    pub const NOT_RUNNING: i32 = 70;
    pub const SUCCESS: i32 = 80;
    pub const ALREADY_ADDED: i32 = 90;
    pub const STILL_RUNNING: i32 = 91;
    pub const CANT_REREAD: i32 = 92;
}

/// The name supervisord gives a fault code (`getFaultDescription`).
pub fn fault_name(code: i32) -> &'static str {
    use codes::*;
    match code {
        UNKNOWN_METHOD => "UNKNOWN_METHOD",
        INCORRECT_PARAMETERS => "INCORRECT_PARAMETERS",
        BAD_ARGUMENTS => "BAD_ARGUMENTS",
        SIGNATURE_UNSUPPORTED => "SIGNATURE_UNSUPPORTED",
        SHUTDOWN_STATE => "SHUTDOWN_STATE",
        BAD_NAME => "BAD_NAME",
        BAD_SIGNAL => "BAD_SIGNAL",
        NO_FILE => "NO_FILE",
        NOT_EXECUTABLE => "NOT_EXECUTABLE",
        FAILED => "FAILED",
        ABNORMAL_TERMINATION => "ABNORMAL_TERMINATION",
        SPAWN_ERROR => "SPAWN_ERROR",
        ALREADY_STARTED => "ALREADY_STARTED",
        NOT_RUNNING => "NOT_RUNNING",
        SUCCESS => "SUCCESS",
        ALREADY_ADDED => "ALREADY_ADDED",
        STILL_RUNNING => "STILL_RUNNING",
        CANT_REREAD => "CANT_REREAD",
        _ => "UNKNOWN",
    }
}

/// An XML-RPC fault as supervisord sends it: `faultString` is
/// `NAME` or `NAME: detail` (supervisor's RPCError).
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub code: i32,
    pub string: String,
}

impl Fault {
    /// A fault with supervisord's `NAME` or `NAME: detail` text.
    pub fn new(code: i32, detail: Option<&str>) -> Fault {
        let name = fault_name(code);
        let string = match detail {
            Some(d) => format!("{name}: {d}"),
            None => name.to_string(),
        };
        Fault { code, string }
    }

    /// A fault with no detail, e.g. `BAD_NAME`.
    pub fn code(code: i32) -> Fault {
        Fault::new(code, None)
    }

    /// A fault with detail, e.g. `BAD_NAME: foo`.
    pub fn with(code: i32, detail: impl AsRef<str>) -> Fault {
        Fault::new(code, Some(detail.as_ref()))
    }

    /// A fault with exactly this text (for faults not built by supervisor's
    /// RPCError, such as the unmarshalling errors of the XML-RPC layer).
    pub fn raw(code: i32, string: impl Into<String>) -> Fault {
        Fault { code, string: string.into() }
    }

    pub fn to_value(&self) -> Value {
        structure([
            ("faultCode", Value::Int(self.code as i64)),
            ("faultString", Value::String(self.string.clone())),
        ])
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Fault {}: {:?}>", self.code, self.string)
    }
}

impl std::error::Error for Fault {}

pub type RpcResult = Result<Value, Fault>;
