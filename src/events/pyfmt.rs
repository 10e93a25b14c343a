//! Python's text renderings that leak into supervisord's event payloads and
//! log lines: `repr()` of bytes and of str, the `Undecodable: b'...'`
//! fallback, and `int()` of a listener's RESULT length.

/// Python's `repr(bytes)`: `b'...'` with `\n`, `\r`, `\t`, `\\`, `\xNN`.
pub fn bytes_repr(data: &[u8]) -> String {
    let has_single = data.contains(&b'\'');
    let has_double = data.contains(&b'"');
    let quote = if has_single && !has_double { b'"' } else { b'\'' };
    let mut out = String::with_capacity(data.len() + 3);
    out.push('b');
    out.push(quote as char);
    for &b in data {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ if b == quote => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{:02x}", b)),
        }
    }
    out.push(quote as char);
    out
}

/// Python's `repr(str)` for the names that appear in log lines.
pub fn str_repr(s: &str) -> String {
    let has_single = s.contains('\'');
    let has_double = s.contains('"');
    let quote = if has_single && !has_double { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ if c == quote => {
                out.push('\\');
                out.push(c);
            }
            _ if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            _ => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Child output as text the way supervisord renders it in payloads and the
/// main log: UTF-8 when valid, else `Undecodable: b'...'`.
pub fn decode_or_undecodable(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(s) => s.to_string(),
        Err(_) => format!("Undecodable: {}", bytes_repr(data)),
    }
}

/// The length Python's `len()` gives a str: its number of code points.
/// The envelope's `len:` counts these (a Python listener reads that many
/// characters from its text-mode stdin), not UTF-8 bytes.
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// What `int()` makes of a RESULT line's length field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParsedLen {
    /// A non-negative length (saturated at u64::MAX for absurd values).
    Len(u64),
    /// `int()` accepts it but it is below zero.
    Negative,
    /// `int()` raises ValueError.
    Invalid,
}

/// Python `int(bytes)`: surrounding ASCII whitespace, an optional sign,
/// decimal digits with single underscores between them.
pub fn python_int(raw: &[u8]) -> ParsedLen {
    let is_ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let start = raw.iter().position(|b| !is_ws(b)).unwrap_or(raw.len());
    let end = raw.iter().rposition(|b| !is_ws(b)).map(|p| p + 1).unwrap_or(start);
    let mut s = &raw[start..end.max(start)];
    let mut negative = false;
    if let Some((&first, rest)) = s.split_first() {
        if first == b'+' || first == b'-' {
            negative = first == b'-';
            s = rest;
        }
    }
    if s.is_empty() || s[0] == b'_' || s[s.len() - 1] == b'_' {
        return ParsedLen::Invalid;
    }
    let mut value: u64 = 0;
    let mut prev_underscore = false;
    let mut nonzero = false;
    for &b in s {
        match b {
            b'0'..=b'9' => {
                prev_underscore = false;
                nonzero |= b != b'0';
                value = value.saturating_mul(10).saturating_add(u64::from(b - b'0'));
            }
            b'_' if !prev_underscore => prev_underscore = true,
            _ => return ParsedLen::Invalid,
        }
    }
    if negative && nonzero {
        ParsedLen::Negative
    } else {
        ParsedLen::Len(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reprs_match_python() {
        assert_eq!(bytes_repr(b"READY\n"), "b'READY\\n'");
        assert_eq!(bytes_repr(b"a'b"), "b\"a'b\"");
        assert_eq!(bytes_repr(b"a'b\""), "b'a\\'b\"'");
        assert_eq!(bytes_repr(b"\xff\x00\\"), "b'\\xff\\x00\\\\'");
        assert_eq!(str_repr("cat"), "'cat'");
        assert_eq!(decode_or_undecodable(b"\xffx"), "Undecodable: b'\\xffx'");
        assert_eq!(char_len("é"), 1);
    }

    #[test]
    fn int_parsing_matches_python() {
        assert_eq!(python_int(b"2"), ParsedLen::Len(2));
        assert_eq!(python_int(b" 2\r"), ParsedLen::Len(2));
        assert_eq!(python_int(b"+1_0"), ParsedLen::Len(10));
        assert_eq!(python_int(b"-0"), ParsedLen::Len(0));
        assert_eq!(python_int(b"-3"), ParsedLen::Negative);
        assert_eq!(python_int(b"1__0"), ParsedLen::Invalid);
        assert_eq!(python_int(b"_1"), ParsedLen::Invalid);
        assert_eq!(python_int(b""), ParsedLen::Invalid);
        assert_eq!(python_int(b"x"), ParsedLen::Invalid);
        assert_eq!(python_int(b"99999999999999999999999999"), ParsedLen::Len(u64::MAX));
    }
}
