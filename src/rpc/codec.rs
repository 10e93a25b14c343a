//! The XML-RPC wire format, both directions, on quick-xml: parsing calls and
//! writing responses (server), writing calls and parsing responses (client).
//!
//! Output follows the layout Python's `xmlrpc.client.dumps` produces (one
//! element per line, integers always as `<int>`), so that byte-level diffs
//! against the real supervisord stay small. Input accepts everything Python's
//! client and supervisord send or accept: a `<value>` with no type tag is a
//! string, `<i4>`/`<i8>`/`<int>`, `<boolean>`, `<double>`, `<string>`,
//! `<dateTime.iso8601>`, `<base64>`, `<array>`, `<struct>` and `<nil/>`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use base64::Engine as _;
use quick_xml::events::Event;
use quick_xml::Reader;

use super::value::{Fault, RpcResult, Value};

/// The fault code given for a request body that is not a well-formed
/// `<methodCall>` (the XML-RPC "parse error" code used by Python's own
/// servers). supervisord itself answers such bodies with HTTP 400, which
/// the HTTP layer does too; the fault carries the reason for logs and for
/// callers that use the codec directly.
pub const PARSE_ERROR: i32 = -32700;

/// A parsed `<methodCall>`.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodCall {
    pub method: String,
    pub params: Vec<Value>,
}

/// Parses a request body. A body that is not a valid methodCall gives the
/// fault supervisord's XML-RPC layer gives for it.
pub fn parse_call(body: &[u8]) -> Result<MethodCall, Fault> {
    parse_call_inner(body).map_err(|why| Fault::raw(PARSE_ERROR, format!("PARSE_ERROR: {why}")))
}

/// Writes a `<methodResponse>` holding the value or the fault.
pub fn write_response(result: &RpcResult) -> Vec<u8> {
    let mut w = XmlOut::new();
    w.start("methodResponse");
    w.nl();
    match result {
        Ok(value) => {
            w.start("params");
            w.nl();
            w.start("param");
            w.nl();
            w.value(value);
            w.end("param");
            w.nl();
            w.end("params");
            w.nl();
        }
        Err(fault) => {
            w.start("fault");
            w.nl();
            w.value(&fault.to_value());
            w.end("fault");
            w.nl();
        }
    }
    w.end("methodResponse");
    w.nl();
    w.finish()
}

/// Writes a `<methodCall>` (client side).
pub fn write_call(method: &str, params: &[Value]) -> Vec<u8> {
    let mut w = XmlOut::new();
    w.start("methodCall");
    w.nl();
    w.start("methodName");
    w.text(method);
    w.end("methodName");
    w.nl();
    w.start("params");
    w.nl();
    for p in params {
        w.start("param");
        w.nl();
        w.value(p);
        w.end("param");
        w.nl();
    }
    w.end("params");
    w.nl();
    w.end("methodCall");
    w.nl();
    w.finish()
}

/// Parses a `<methodResponse>` (client side). The outer error is a malformed
/// response; the inner result is the server's value or fault.
pub fn parse_response(body: &[u8]) -> Result<RpcResult, String> {
    let mut p = Parser::new(body)?;
    p.expect_root("methodResponse")?;
    let result = match p.next_tag()? {
        Tag::Start(name) if name == "params" => {
            p.expect_start("param")?;
            let v = p.value_or_end("param")?.ok_or("<param> without a <value>")?;
            p.expect_end("param")?;
            p.expect_end("params")?;
            Ok(v)
        }
        Tag::Start(name) if name == "fault" => {
            p.expect_start("value")?;
            let v = p.value_body()?;
            p.expect_end("fault")?;
            Err(fault_from_value(v)?)
        }
        other => return Err(format!("expected <params> or <fault> in methodResponse, found {other}")),
    };
    p.expect_end("methodResponse")?;
    p.expect_eof()?;
    Ok(result)
}

fn fault_from_value(v: Value) -> Result<Fault, String> {
    let Value::Struct(mut members) = v else {
        return Err("fault value is not a struct".to_string());
    };
    let code = match members.remove("faultCode") {
        Some(Value::Int(c)) => i32::try_from(c).map_err(|_| "faultCode out of range".to_string())?,
        _ => return Err("fault has no integer faultCode".to_string()),
    };
    let string = match members.remove("faultString") {
        Some(Value::String(s)) => s,
        _ => return Err("fault has no string faultString".to_string()),
    };
    Ok(Fault { code, string })
}

fn parse_call_inner(body: &[u8]) -> Result<MethodCall, String> {
    let mut p = Parser::new(body)?;
    p.expect_root("methodCall")?;
    let mut method: Option<String> = None;
    let mut params: Vec<Value> = Vec::new();
    loop {
        match p.next_tag()? {
            Tag::Start(name) if name == "methodName" => {
                let text = p.text_until_end("methodName")?;
                method = Some(text);
            }
            Tag::Empty(name) if name == "methodName" => method = Some(String::new()),
            // Clients may leave out <params> or send it empty for no arguments.
            Tag::Empty(name) if name == "params" => {}
            Tag::Start(name) if name == "params" => loop {
                match p.next_tag()? {
                    Tag::Start(n) if n == "param" => {
                        match p.value_or_end("param")? {
                            Some(v) => params.push(v),
                            None => return Err("<param> without a <value>".to_string()),
                        }
                        p.expect_end("param")?;
                    }
                    Tag::End(n) if n == "params" => break,
                    other => return Err(format!("expected <param> in params, found {other}")),
                }
            },
            Tag::End(name) if name == "methodCall" => break,
            other => return Err(format!("unexpected {other} in methodCall")),
        }
    }
    p.expect_eof()?;
    let method = method.unwrap_or_default();
    if method.is_empty() {
        return Err("no method name".to_string());
    }
    Ok(MethodCall { method, params })
}

// ---------------------------------------------------------------- reading

/// A structural event: element names are decoded, text is unescaped.
#[derive(Debug)]
enum Tag {
    Start(String),
    End(String),
    Empty(String),
    Eof,
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tag::Start(n) => write!(f, "<{n}>"),
            Tag::End(n) => write!(f, "</{n}>"),
            Tag::Empty(n) => write!(f, "<{n}/>"),
            Tag::Eof => write!(f, "end of document"),
        }
    }
}

/// A token: a tag, or a run of character data (text and CDATA merged).
enum Token {
    Tag(Tag),
    Text(String),
}

/// How deeply values may nest; deeper input is refused instead of
/// exhausting the stack.
const MAX_DEPTH: usize = 100;

struct Parser<'a> {
    reader: Reader<&'a [u8]>,
    pending: Option<Token>,
    depth: usize,
}

fn element_name(raw: &[u8]) -> Result<String, String> {
    std::str::from_utf8(raw)
        .map(str::to_string)
        .map_err(|_| "element name is not valid UTF-8".to_string())
}

impl<'a> Parser<'a> {
    fn new(body: &'a [u8]) -> Result<Parser<'a>, String> {
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            return Err("empty request body".to_string());
        }
        // Python's client always sends UTF-8; anything else is refused here
        // rather than mis-decoded later.
        let text = std::str::from_utf8(body).map_err(|e| format!("body is not valid UTF-8 ({e})"))?;
        let mut reader = Reader::from_str(text);
        let cfg = reader.config_mut();
        cfg.trim_text(false);
        cfg.check_end_names = true;
        cfg.expand_empty_elements = false;
        Ok(Parser { reader, pending: None, depth: 0 })
    }

    fn xml_err(&self, e: impl std::fmt::Display) -> String {
        format!("malformed XML at byte {}: {e}", self.reader.buffer_position())
    }

    /// The next raw token, with comments, declarations and processing
    /// instructions skipped and adjacent text/CDATA merged.
    fn token(&mut self) -> Result<Token, String> {
        if let Some(t) = self.pending.take() {
            return Ok(t);
        }
        let mut text: Option<String> = None;
        loop {
            let ev = self.reader.read_event().map_err(|e| self.xml_err(e))?;
            let tag = match ev {
                Event::Text(t) => {
                    let raw = std::str::from_utf8(&t).map_err(|e| self.xml_err(e))?;
                    let s = quick_xml::escape::unescape(&normalize_line_ends(raw))
                        .map_err(|e| self.xml_err(e))?
                        .into_owned();
                    text.get_or_insert_with(String::new).push_str(&s);
                    continue;
                }
                Event::CData(c) => {
                    let s = c.decode().map_err(|e| self.xml_err(e))?;
                    text.get_or_insert_with(String::new).push_str(&normalize_line_ends(&s));
                    continue;
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => continue,
                Event::Start(s) => Tag::Start(element_name(s.name().as_ref())?),
                Event::End(e) => Tag::End(element_name(e.name().as_ref())?),
                Event::Empty(s) => Tag::Empty(element_name(s.name().as_ref())?),
                Event::Eof => Tag::Eof,
            };
            return Ok(match text {
                Some(t) => {
                    self.pending = Some(Token::Tag(tag));
                    Token::Text(t)
                }
                None => Token::Tag(tag),
            });
        }
    }

    /// The next tag, skipping character data between structural elements
    /// (Python's parser ignores it too).
    fn next_tag(&mut self) -> Result<Tag, String> {
        loop {
            match self.token()? {
                Token::Text(_) => continue,
                Token::Tag(t) => return Ok(t),
            }
        }
    }

    fn expect_root(&mut self, name: &str) -> Result<(), String> {
        match self.next_tag()? {
            Tag::Start(n) if n == name => Ok(()),
            other => Err(format!("expected <{name}>, found {other}")),
        }
    }

    fn expect_start(&mut self, name: &str) -> Result<(), String> {
        match self.next_tag()? {
            Tag::Start(n) if n == name => Ok(()),
            other => Err(format!("expected <{name}>, found {other}")),
        }
    }

    fn expect_end(&mut self, name: &str) -> Result<(), String> {
        match self.next_tag()? {
            Tag::End(n) if n == name => Ok(()),
            other => Err(format!("expected </{name}>, found {other}")),
        }
    }

    fn expect_eof(&mut self) -> Result<(), String> {
        match self.next_tag()? {
            Tag::Eof => Ok(()),
            other => Err(format!("unexpected {other} after the document element")),
        }
    }

    /// The character data of an element whose start tag was just read,
    /// up to and including its end tag. Child elements are an error.
    fn text_until_end(&mut self, name: &str) -> Result<String, String> {
        let mut out = String::new();
        loop {
            match self.token()? {
                Token::Text(t) => out.push_str(&t),
                Token::Tag(Tag::End(n)) if n == name => return Ok(out),
                Token::Tag(other) => return Err(format!("unexpected {other} inside <{name}>")),
            }
        }
    }

    /// The contents of a `<value>` whose start tag was just read, up to and
    /// including `</value>`.
    fn value_body(&mut self) -> Result<Value, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("values nested deeper than {MAX_DEPTH} levels"));
        }
        let mut text = String::new();
        let result = loop {
            match self.token()? {
                Token::Text(t) => text.push_str(&t),
                // No type tag: the text is a string.
                Token::Tag(Tag::End(n)) if n == "value" => break Value::String(text),
                Token::Tag(Tag::Start(tag)) => {
                    let v = self.typed(&tag)?;
                    self.expect_end("value")?;
                    break v;
                }
                Token::Tag(Tag::Empty(tag)) => {
                    let v = empty_typed(&tag)?;
                    self.expect_end("value")?;
                    break v;
                }
                Token::Tag(other) => return Err(format!("unexpected {other} inside <value>")),
            }
        };
        self.depth -= 1;
        Ok(result)
    }

    /// A value, or the end of the enclosing element; `<value/>` is "".
    fn value_or_end(&mut self, end: &str) -> Result<Option<Value>, String> {
        match self.next_tag()? {
            Tag::Start(n) if n == "value" => Ok(Some(self.value_body()?)),
            Tag::Empty(n) if n == "value" => Ok(Some(Value::String(String::new()))),
            Tag::End(n) if n == end => Ok(None),
            other => Err(format!("expected <value> or </{end}>, found {other}")),
        }
    }

    /// A typed value whose start tag `tag` was just read, through its end tag.
    fn typed(&mut self, tag: &str) -> Result<Value, String> {
        match tag {
            "int" | "i4" | "i8" | "ex:i8" => {
                let t = self.text_until_end(tag)?;
                parse_int(&t).map(Value::Int)
            }
            "boolean" => {
                let t = self.text_until_end(tag)?;
                match t.trim() {
                    "1" | "true" => Ok(Value::Bool(true)),
                    "0" | "false" => Ok(Value::Bool(false)),
                    other => Err(format!("invalid boolean {other:?}")),
                }
            }
            "string" => self.text_until_end(tag).map(Value::String),
            "double" => {
                let t = self.text_until_end(tag)?;
                t.trim().parse::<f64>().map(Value::Double).map_err(|_| format!("invalid double {t:?}"))
            }
            "dateTime.iso8601" => self.text_until_end(tag).map(|t| Value::DateTime(t.trim().to_string())),
            "base64" => {
                let t = self.text_until_end(tag)?;
                decode_base64(&t).map(Value::Base64)
            }
            "nil" | "ex:nil" => {
                self.text_until_end(tag)?;
                Ok(Value::Nil)
            }
            "array" => {
                let mut items = Vec::new();
                match self.next_tag()? {
                    Tag::Empty(n) if n == "data" => {}
                    Tag::Start(n) if n == "data" => {
                        while let Some(v) = self.value_or_end("data")? {
                            items.push(v);
                        }
                    }
                    other => return Err(format!("expected <data> in array, found {other}")),
                }
                self.expect_end("array")?;
                Ok(Value::Array(items))
            }
            "struct" => {
                let mut members = BTreeMap::new();
                loop {
                    match self.next_tag()? {
                        Tag::End(n) if n == "struct" => break,
                        Tag::Start(n) if n == "member" => {
                            let (k, v) = self.member()?;
                            members.insert(k, v);
                        }
                        other => return Err(format!("expected <member> in struct, found {other}")),
                    }
                }
                Ok(Value::Struct(members))
            }
            other => Err(format!("unknown value type <{other}>")),
        }
    }

    /// A struct member's name and value, through `</member>`.
    fn member(&mut self) -> Result<(String, Value), String> {
        let mut name = None;
        let mut value = None;
        loop {
            match self.next_tag()? {
                Tag::Start(n) if n == "name" => name = Some(self.text_until_end("name")?),
                Tag::Empty(n) if n == "name" => name = Some(String::new()),
                Tag::Start(n) if n == "value" => value = Some(self.value_body()?),
                Tag::Empty(n) if n == "value" => value = Some(Value::String(String::new())),
                Tag::End(n) if n == "member" => break,
                other => return Err(format!("unexpected {other} in struct member")),
            }
        }
        match (name, value) {
            (Some(n), Some(v)) => Ok((n, v)),
            (None, _) => Err("struct member without <name>".to_string()),
            (_, None) => Err("struct member without <value>".to_string()),
        }
    }
}

/// XML end-of-line handling, as every conforming parser (Python's expat
/// included) does: a literal `\r\n` or lone `\r` is read as `\n`. Only the
/// `&#13;` reference yields a carriage return.
fn normalize_line_ends(raw: &str) -> Cow<'_, str> {
    if raw.contains('\r') {
        Cow::Owned(raw.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(raw)
    }
}

/// A self-closed type element such as `<string/>` or `<nil/>`.
fn empty_typed(tag: &str) -> Result<Value, String> {
    match tag {
        "string" => Ok(Value::String(String::new())),
        "nil" | "ex:nil" => Ok(Value::Nil),
        "base64" => Ok(Value::Base64(Vec::new())),
        "array" => Ok(Value::Array(Vec::new())),
        "struct" => Ok(Value::Struct(BTreeMap::new())),
        "dateTime.iso8601" => Ok(Value::DateTime(String::new())),
        other => Err(format!("empty <{other}/> is not a valid value")),
    }
}

fn parse_int(text: &str) -> Result<i64, String> {
    text.trim().parse::<i64>().map_err(|_| format!("invalid integer {text:?}"))
}

fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    // Python wraps base64 at 76 columns; whitespace is not part of the data.
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| format!("invalid base64 ({e})"))
}

// ---------------------------------------------------------------- writing

/// A quick-xml writer with the handful of helpers the layouts above need.
/// Writing into a Vec cannot fail, so I/O results are dropped.
struct XmlOut {
    /// The document so far. Written byte by byte: a getAllProcessInfo
    /// answer for 1000 processes is ~60k tags, and a generic XML writer's
    /// per-event work was most of the call's cost.
    w: Vec<u8>,
}

impl XmlOut {
    fn new() -> XmlOut {
        let mut w = Vec::with_capacity(256);
        // Python writes the declaration with single quotes; match it byte for byte.
        w.extend_from_slice(b"<?xml version='1.0'?>\n");
        XmlOut { w }
    }

    fn start(&mut self, name: &str) {
        self.w.push(b'<');
        self.w.extend_from_slice(name.as_bytes());
        self.w.push(b'>');
    }

    fn end(&mut self, name: &str) {
        self.w.extend_from_slice(b"</");
        self.w.extend_from_slice(name.as_bytes());
        self.w.push(b'>');
    }

    fn empty(&mut self, name: &str) {
        self.w.push(b'<');
        self.w.extend_from_slice(name.as_bytes());
        self.w.extend_from_slice(b"/>");
    }

    fn nl(&mut self) {
        self.w.push(b'\n');
    }

    /// Character data, escaped as Python does (`&`, `<`, `>`), plus `\r`
    /// as a character reference so that XML line-end normalisation does
    /// not turn it into `\n` on the other side.
    fn text(&mut self, s: &str) {
        let bytes = s.as_bytes();
        if !bytes.iter().any(|&c| matches!(c, b'&' | b'<' | b'>' | b'\r')) {
            self.w.extend_from_slice(bytes);
            return;
        }
        let mut plain = 0;
        for (i, &c) in bytes.iter().enumerate() {
            let escaped: &[u8] = match c {
                b'&' => b"&amp;",
                b'<' => b"&lt;",
                b'>' => b"&gt;",
                b'\r' => b"&#13;",
                _ => continue,
            };
            self.w.extend_from_slice(&bytes[plain..i]);
            self.w.extend_from_slice(escaped);
            plain = i + 1;
        }
        self.w.extend_from_slice(&bytes[plain..]);
    }

    fn leaf(&mut self, tag: &str, text: &str) {
        self.start(tag);
        self.text(text);
        self.end(tag);
    }

    fn int_leaf(&mut self, i: i64) {
        use std::io::Write as _;
        self.start("int");
        let _ = write!(self.w, "{i}");
        self.end("int");
    }

    /// `<value>...</value>` followed by a newline, in Python's layout.
    fn value(&mut self, v: &Value) {
        self.start("value");
        match v {
            Value::Int(i) => self.int_leaf(*i),
            Value::Bool(b) => self.leaf("boolean", if *b { "1" } else { "0" }),
            Value::String(s) => self.leaf("string", s),
            Value::Double(d) => self.leaf("double", &format_double(*d)),
            Value::DateTime(s) => self.leaf("dateTime.iso8601", s),
            Value::Base64(bytes) => {
                let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
                self.start("base64");
                self.nl();
                self.text(&encoded);
                self.nl();
                self.end("base64");
            }
            Value::Array(items) => {
                self.start("array");
                self.start("data");
                self.nl();
                if let Some((first, rest)) = items.split_first() {
                    let before = self.w.len();
                    self.value(first);
                    // Big answers (getAllProcessInfo) are lists of alike
                    // items: size the buffer once instead of doubling it.
                    let estimate = (self.w.len() - before).saturating_mul(rest.len());
                    self.w.reserve(estimate.min(16 << 20));
                    for item in rest {
                        self.value(item);
                    }
                }
                self.end("data");
                self.end("array");
            }
            Value::Struct(members) => {
                self.start("struct");
                self.nl();
                for (k, item) in members {
                    self.start("member");
                    self.nl();
                    self.leaf("name", k);
                    self.nl();
                    self.value(item);
                    self.end("member");
                    self.nl();
                }
                self.end("struct");
            }
            Value::Nil => self.empty("nil"),
        }
        self.end("value");
        // Python writes no line break after a nil value.
        if !matches!(v, Value::Nil) {
            self.nl();
        }
    }

    fn finish(self) -> Vec<u8> {
        self.w
    }
}

/// A double as Python's `repr` would write it for the common cases
/// (`1.0`, `0.5`, `inf`, `nan`).
fn format_double(d: f64) -> String {
    if d.is_nan() {
        "nan".to_string()
    } else if d.is_infinite() {
        if d > 0.0 { "inf" } else { "-inf" }.to_string()
    } else if d == d.trunc() && d.abs() < 1e16 {
        format!("{d:.1}")
    } else {
        format!("{d}")
    }
}
