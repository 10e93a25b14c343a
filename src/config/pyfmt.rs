//! Python's `%`-formatting with a mapping (`'...' % {...}`), which is how
//! supervisor 4.3.0 expands `%(name)s` in option values, plus Python's
//! `repr()` of strings, which its error messages quote values with.
//!
//! Only what a config value can meet is modelled: named and unnamed specs,
//! flags, width, precision, and the s r a d i u o x X c e E f F g G
//! conversions, with Python's error texts for the failures.

/// A value an expansion name can stand for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PyVal {
    Str(String),
    Int(i64),
}

impl PyVal {
    fn repr(&self) -> String {
        match self {
            PyVal::Str(s) => py_repr(s),
            PyVal::Int(i) => i.to_string(),
        }
    }
    fn type_name(&self) -> &'static str {
        match self {
            PyVal::Str(_) => "str",
            PyVal::Int(_) => "int",
        }
    }
}

/// An insertion-ordered map with Python dict semantics: re-inserting a key
/// keeps its position and replaces its value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansions {
    items: Vec<(String, PyVal)>,
    index: std::collections::HashMap<String, usize>,
}

impl Expansions {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn set(&mut self, key: &str, val: PyVal) {
        if let Some(&i) = self.index.get(key) {
            self.items[i].1 = val;
        } else {
            self.index.insert(key.to_string(), self.items.len());
            self.items.push((key.to_string(), val));
        }
    }
    pub fn set_str(&mut self, key: &str, val: &str) {
        self.set(key, PyVal::Str(val.to_string()));
    }
    pub fn get(&self, key: &str) -> Option<&PyVal> {
        self.index.get(key).map(|&i| &self.items[i].1)
    }
    /// `dict.update(other)`.
    pub fn update(&mut self, other: &Expansions) {
        for (k, v) in &other.items {
            self.set(k, v.clone());
        }
    }
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.items.iter().map(|(k, _)| k)
    }
    /// Python's `repr(dict)`.
    fn repr(&self) -> String {
        let parts: Vec<String> = self
            .items
            .iter()
            .map(|(k, v)| format!("{}: {}", py_repr(k), v.repr()))
            .collect();
        format!("{{{}}}", parts.join(", "))
    }
}

/// Python's `str.isspace()` for one character.
pub fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Python's `str.strip()` (no arguments).
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(py_isspace)
}

fn py_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || py_isspace(c) {
        return false;
    }
    let u = c as u32;
    // Format characters and separators Python treats as unprintable.
    !matches!(u, 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e
        | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x206f | 0xfeff
        | 0xfff9..=0xfffb | 0xe000..=0xf8ff | 0xd800..=0xdfff)
}

/// Python's `repr()` of a str.
pub fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if py_printable(c) => out.push(c),
            c => {
                let u = c as u32;
                if u < 0x100 {
                    out.push_str(&format!("\\x{:02x}", u));
                } else if u < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", u));
                } else {
                    out.push_str(&format!("\\U{:08x}", u));
                }
            }
        }
    }
    out.push(quote);
    out
}

/// Python's `repr()` of a list of str.
pub fn py_list_repr(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| py_repr(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// Why a format failed, as Python would raise it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// `KeyError`: the name is not in the mapping.
    MissingKey(String),
    /// Any other error, with Python's message.
    Bad(String),
}

/// The largest width or precision we format.
const MAX_WIDTH: usize = 1 << 16;

struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
}

fn pad(body: String, spec: &Spec, numeric_zero: bool) -> String {
    let len = body.chars().count();
    if len >= spec.width {
        return body;
    }
    let fill = spec.width - len;
    if spec.left {
        format!("{}{}", body, " ".repeat(fill))
    } else if numeric_zero && spec.zero {
        // Zero padding goes after the sign and any 0x prefix.
        let mut prefix_len = 0;
        let b = body.as_bytes();
        if !b.is_empty() && (b[0] == b'-' || b[0] == b'+' || b[0] == b' ') {
            prefix_len = 1;
        }
        if b.len() >= prefix_len + 2
            && b[prefix_len] == b'0'
            && matches!(b[prefix_len + 1], b'x' | b'X' | b'o')
        {
            prefix_len += 2;
        }
        format!("{}{}{}", &body[..prefix_len], "0".repeat(fill), &body[prefix_len..])
    } else {
        format!("{}{}", " ".repeat(fill), body)
    }
}

fn format_int(n: i64, conv: char, spec: &Spec) -> String {
    let neg = n < 0;
    let mag = n.unsigned_abs();
    let mut digits = match conv {
        'o' => format!("{:o}", mag),
        'x' => format!("{:x}", mag),
        'X' => format!("{:X}", mag),
        _ => mag.to_string(),
    };
    if let Some(p) = spec.precision {
        if digits.len() < p {
            digits = format!("{}{}", "0".repeat(p - digits.len()), digits);
        }
    }
    if spec.alt {
        match conv {
            'o' => digits = format!("0o{}", digits),
            'x' => digits = format!("0x{}", digits),
            'X' => digits = format!("0X{}", digits),
            _ => {}
        }
    }
    let sign = if neg {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    pad(format!("{}{}", sign, digits), spec, true)
}

fn format_float(x: f64, conv: char, spec: &Spec) -> String {
    let p = spec.precision.unwrap_or(6);
    let mut body = match conv {
        'f' | 'F' => format!("{:.*}", p, x.abs()),
        'e' | 'E' => {
            let s = format!("{:.*e}", p, x.abs());
            // Rust writes 1e0; Python writes 1e+00.
            let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
            let ev: i32 = e.parse().unwrap_or(0);
            let s = format!("{}e{}{:02}", m, if ev < 0 { '-' } else { '+' }, ev.abs());
            if conv == 'E' {
                s.to_uppercase()
            } else {
                s
            }
        }
        _ => {
            // %g for the integral values a config can hold.
            let s = format!("{}", x.abs());
            if conv == 'G' {
                s.to_uppercase()
            } else {
                s
            }
        }
    };
    if x < 0.0 {
        body = format!("-{}", body);
    } else if spec.plus {
        body = format!("+{}", body);
    } else if spec.space {
        body = format!(" {}", body);
    }
    pad(body, spec, true)
}

fn convert(val: Option<&PyVal>, dict: &Expansions, conv: char, spec: &Spec) -> Result<String, FormatError> {
    // `val` is None when an unnamed spec receives the whole mapping.
    let bad = |m: String| Err(FormatError::Bad(m));
    match conv {
        's' | 'r' | 'a' => {
            let mut text = match (val, conv) {
                (None, _) => dict.repr(),
                (Some(PyVal::Str(s)), 's') => s.clone(),
                (Some(v), _) => v.repr(),
            };
            if conv == 'a' {
                text = text
                    .chars()
                    .map(|c| {
                        let u = c as u32;
                        if u < 0x80 {
                            c.to_string()
                        } else if u < 0x100 {
                            format!("\\x{:02x}", u)
                        } else if u < 0x10000 {
                            format!("\\u{:04x}", u)
                        } else {
                            format!("\\U{:08x}", u)
                        }
                    })
                    .collect();
            }
            if let Some(p) = spec.precision {
                text = text.chars().take(p).collect();
            }
            Ok(pad(text, spec, false))
        }
        'd' | 'i' | 'u' | 'o' | 'x' | 'X' => match val {
            Some(PyVal::Int(n)) => Ok(format_int(*n, conv, spec)),
            other => {
                let tn = other.map(|v| v.type_name()).unwrap_or("dict");
                if matches!(conv, 'd' | 'i' | 'u') {
                    bad(format!("%{} format: a real number is required, not {}", conv, tn))
                } else {
                    bad(format!("%{} format: an integer is required, not {}", conv, tn))
                }
            }
        },
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => match val {
            Some(PyVal::Int(n)) => Ok(format_float(*n as f64, conv, spec)),
            other => bad(format!(
                "must be real number, not {}",
                other.map(|v| v.type_name()).unwrap_or("dict")
            )),
        },
        'c' => match val {
            Some(PyVal::Int(n)) => match u32::try_from(*n).ok().and_then(char::from_u32) {
                Some(c) => Ok(pad(c.to_string(), spec, false)),
                None => bad("%c arg not in range(0x110000)".to_string()),
            },
            Some(PyVal::Str(s)) if s.chars().count() == 1 => Ok(pad(s.clone(), spec, false)),
            _ => bad("%c requires int or char".to_string()),
        },
        _ => unreachable!("conversion checked by caller"),
    }
}

/// `fmt % mapping`, with Python's results and errors.
pub fn percent_format(fmt: &str, dict: &Expansions) -> Result<String, FormatError> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::with_capacity(fmt.len());
    let mut i = 0;
    // Python hands the whole mapping to the first unnamed spec, and nothing
    // to any later one.
    let mut specs_seen = 0usize;
    let incomplete = || FormatError::Bad("incomplete format".to_string());
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        if i >= chars.len() {
            return Err(incomplete());
        }
        if chars[i] == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        let mut value: Option<PyVal> = None;
        let mut named = false;
        if chars[i] == '(' {
            let mut depth = 1;
            let start = i + 1;
            i += 1;
            while i < chars.len() && depth > 0 {
                if chars[i] == ')' {
                    depth -= 1;
                } else if chars[i] == '(' {
                    depth += 1;
                }
                i += 1;
            }
            if depth > 0 {
                return Err(FormatError::Bad("incomplete format key".to_string()));
            }
            let key: String = chars[start..i - 1].iter().collect();
            match dict.get(&key) {
                Some(v) => value = Some(v.clone()),
                None => return Err(FormatError::MissingKey(key)),
            }
            named = true;
        }
        let mut spec = Spec {
            left: false,
            plus: false,
            space: false,
            alt: false,
            zero: false,
            width: 0,
            precision: None,
        };
        while i < chars.len() {
            match chars[i] {
                '-' => spec.left = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '#' => spec.alt = true,
                '0' => spec.zero = true,
                _ => break,
            }
            i += 1;
        }
        let star_error = |specs_seen: usize, named: bool| {
            if specs_seen == 0 && !named {
                FormatError::Bad("* wants int".to_string())
            } else {
                FormatError::Bad("not enough arguments for format string".to_string())
            }
        };
        if i < chars.len() && chars[i] == '*' {
            return Err(star_error(specs_seen, named));
        }
        while i < chars.len() && chars[i].is_ascii_digit() {
            spec.width = spec.width.saturating_mul(10).saturating_add(chars[i] as usize - '0' as usize);
            i += 1;
        }
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            if i < chars.len() && chars[i] == '*' {
                return Err(star_error(specs_seen, named));
            }
            let mut p = 0usize;
            while i < chars.len() && chars[i].is_ascii_digit() {
                p = p.saturating_mul(10).saturating_add(chars[i] as usize - '0' as usize);
                i += 1;
            }
            spec.precision = Some(p);
        }
        while i < chars.len() && matches!(chars[i], 'h' | 'l' | 'L') {
            i += 1;
        }
        if i >= chars.len() {
            return Err(incomplete());
        }
        // Python would build the padded string whatever its size; a config
        // value has no use for megabytes of padding, so refuse it.
        if spec.width > MAX_WIDTH || spec.precision.unwrap_or(0) > MAX_WIDTH {
            return Err(FormatError::Bad("width too big".to_string()));
        }
        let conv = chars[i];
        if !matches!(conv, 's' | 'r' | 'a' | 'd' | 'i' | 'u' | 'o' | 'x' | 'X' | 'c' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G') {
            let shown = if (conv as u32) < 128 { conv } else { '?' };
            return Err(FormatError::Bad(format!(
                "unsupported format character '{}' (0x{:x}) at index {}",
                shown, conv as u32, i
            )));
        }
        if !named && specs_seen > 0 {
            return Err(FormatError::Bad("not enough arguments for format string".to_string()));
        }
        out.push_str(&convert(value.as_ref(), dict, conv, &spec)?);
        specs_seen += 1;
        i += 1;
    }
    Ok(out)
}

/// supervisor's `expand(s, expansions, name)`: the error texts name the
/// option and, for an unknown name, list every name that was available.
pub fn expand(s: &str, expansions: &Expansions, name: &str) -> Result<String, String> {
    if !s.contains('%') {
        // Formatting with a mapping leaves such text unchanged.
        return Ok(s.to_string());
    }
    match percent_format(s, expansions) {
        Ok(v) => Ok(v),
        Err(FormatError::MissingKey(key)) => {
            let mut available: Vec<&String> = expansions.keys().collect();
            available.sort();
            let available: Vec<&str> = available.iter().map(|s| s.as_str()).collect();
            Err(format!(
                "Format string {} for {} contains names ({}) which cannot be expanded. Available names: {}",
                py_repr(s),
                py_repr(name),
                py_repr(&key),
                available.join(", ")
            ))
        }
        Err(FormatError::Bad(msg)) => Err(format!(
            "Format string {} for {} is badly formatted: {}",
            py_repr(s),
            py_repr(name),
            msg
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> Expansions {
        let mut e = Expansions::new();
        e.set("a", PyVal::Int(1));
        e.set_str("b", "x");
        e
    }

    fn f(s: &str) -> Result<String, FormatError> {
        percent_format(s, &d())
    }

    fn bad(s: &str) -> String {
        match f(s) {
            Err(FormatError::Bad(m)) => m,
            other => panic!("expected error for {s:?}, got {other:?}"),
        }
    }

    #[test]
    fn named_conversions_match_python() {
        assert_eq!(f("%(a)02d").unwrap(), "01");
        assert_eq!(f("%(a)r %(b)r").unwrap(), "1 'x'");
        assert_eq!(f("%(a)5.2f").unwrap(), " 1.00");
        assert_eq!(f("%(a)-5d|").unwrap(), "1    |");
        assert_eq!(f("%(a)+d").unwrap(), "+1");
        assert_eq!(f("%(a)#x").unwrap(), "0x1");
        assert_eq!(f("%(b)10s|").unwrap(), "         x|");
        assert_eq!(f("%(a)e").unwrap(), "1.000000e+00");
        assert_eq!(f("%(a)ld").unwrap(), "1");
        assert_eq!(f("100%%").unwrap(), "100%");
        assert_eq!(f("%(a).3d").unwrap(), "001");
    }

    #[test]
    fn unnamed_spec_gets_the_whole_mapping() {
        assert_eq!(f("%s").unwrap(), "{'a': 1, 'b': 'x'}");
        assert_eq!(f("%s %(a)s").unwrap(), "{'a': 1, 'b': 'x'} 1");
        assert_eq!(bad("%s %s"), "not enough arguments for format string");
        assert_eq!(bad("%(a)s %s"), "not enough arguments for format string");
        assert_eq!(bad("%d"), "%d format: a real number is required, not dict");
    }

    #[test]
    fn errors_match_python() {
        assert_eq!(bad("%"), "incomplete format");
        assert_eq!(bad("%(a)"), "incomplete format");
        assert_eq!(bad("%(a"), "incomplete format key");
        assert_eq!(bad("%z"), "unsupported format character 'z' (0x7a) at index 1");
        assert_eq!(bad("%(a)%"), "unsupported format character '%' (0x25) at index 4");
        assert_eq!(bad("%(b)d"), "%d format: a real number is required, not str");
        assert_eq!(bad("%(b)x"), "%x format: an integer is required, not str");
        assert_eq!(f("%(nosuch)s"), Err(FormatError::MissingKey("nosuch".into())));
    }

    #[test]
    fn expand_messages() {
        let e = expand("sleep %(nosuch)s", &d(), "program:a.command").unwrap_err();
        assert_eq!(
            e,
            "Format string 'sleep %(nosuch)s' for 'program:a.command' contains names ('nosuch') which cannot be expanded. Available names: a, b"
        );
        let e = expand("50%", &d(), "x").unwrap_err();
        assert_eq!(e, "Format string '50%' for 'x' is badly formatted: incomplete format");
    }

    /// Random values and what supervisor 4.3.0's expand() made of them
    /// (generated by compat-tests/config/gen_value_corpus.py).
    #[test]
    fn matches_supervisors_expand_on_the_corpus() {
        let corpus: serde_json::Value =
            serde_json::from_str(include_str!("../../compat-tests/config/value-corpus.json")).unwrap();
        let mut e = Expansions::new();
        e.set_str("here", "/h");
        e.set_str("program_name", "p");
        e.set("process_num", PyVal::Int(7));
        e.set("numprocs", PyVal::Int(12));
        e.set_str("ENV_X", "x y");
        let mut failures = Vec::new();
        for case in corpus["fmt"].as_array().unwrap() {
            let input = case["in"].as_str().unwrap();
            let got = match expand(input, &e, "sec.opt") {
                Ok(v) => serde_json::json!({ "ok": v }),
                Err(m) => serde_json::json!({ "error": m }),
            };
            if got != case["out"] {
                failures.push(format!("{:?}: want {} got {}", input, case["out"], got));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn repr_matches_python() {
        assert_eq!(py_repr("a"), "'a'");
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("a'\"b"), "'a\\'\"b'");
        assert_eq!(py_repr("x\n"), "'x\\n'");
        assert_eq!(py_repr("\u{1}é"), "'\\x01é'");
    }
}
