//! Typed option values as supervisor 4.3.0 converts them (its datatypes.py):
//! the accepted spellings, the results and the exact error messages.

use std::path::Path;

use super::pyfmt::{py_isspace, py_list_repr, py_repr, py_strip};

/// The zero of every run of Unicode decimal digits (Python's int() takes
/// any of them, e.g. Arabic-Indic digits).
const DIGIT_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10, 0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

/// A Unicode decimal digit's value.
fn decimal_value(c: char) -> Option<u32> {
    let u = c as u32;
    DIGIT_ZEROS.iter().find(|z| u >= **z && u < **z + 10).map(|z| u - z)
}

/// Python's `int(s)` for a str: optional surrounding whitespace, a sign,
/// decimal digits with single underscores between them.
pub fn py_int(s: &str) -> Result<i128, String> {
    let err = || format!("invalid literal for int() with base 10: {}", py_repr(s));
    let t = py_strip(s);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return Err(err());
    }
    let mut n: i128 = 0;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = decimal_value(c).ok_or_else(err)?;
        n = n.checked_mul(10).and_then(|n| n.checked_add(d as i128)).ok_or_else(err)?;
    }
    Ok(if neg { -n } else { n })
}

/// `integer()`: an int in i64 range.
pub fn integer(s: &str) -> Result<i64, String> {
    let n = py_int(s)?;
    i64::try_from(n).map_err(|_| format!("{} is too large", s))
}

/// A non-negative count; Python accepts negatives, which behave as 0 in
/// every place supervisor uses these, so they are clamped.
pub fn non_negative<T: TryFrom<i64> + Default + Copy>(n: i64, max: T) -> T {
    if n < 0 {
        T::default()
    } else {
        T::try_from(n).unwrap_or(max)
    }
}

const TRUTHY: [&str; 4] = ["yes", "true", "on", "1"];
const FALSY: [&str; 4] = ["no", "false", "off", "0"];

pub fn boolean(s: &str) -> Result<bool, String> {
    let l = s.to_lowercase();
    if TRUTHY.contains(&l.as_str()) {
        Ok(true)
    } else if FALSY.contains(&l.as_str()) {
        Ok(false)
    } else {
        Err(format!("not a valid boolean value: {}", py_repr(s)))
    }
}

/// `list_of_strings()`: comma-split and stripped; empty gives [].
pub fn list_of_strings(s: &str) -> Vec<String> {
    if s.is_empty() {
        return Vec::new();
    }
    s.split(',').map(|x| py_strip(x).to_string()).collect()
}

pub fn list_of_exitcodes(s: &str) -> Result<Vec<i32>, String> {
    let err = || format!("not a valid list of exit codes: {}", py_repr(s));
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for part in s.split(',') {
        let v = py_int(part).map_err(|_| err())?;
        if !(0..=255).contains(&v) {
            return Err(err());
        }
        out.push(v as i32);
    }
    Ok(out)
}

/// `byte_size()`: lower-cased, with an optional kb/mb/gb suffix.
pub fn byte_size(s: &str) -> Result<i128, String> {
    let v = s.to_lowercase();
    for (suffix, mult) in [("kb", 1024i128), ("mb", 1024 * 1024), ("gb", 1024 * 1024 * 1024)] {
        if v.len() >= 2 && v.is_char_boundary(v.len() - 2) && &v[v.len() - 2..] == suffix {
            return Ok(py_int(&v[..v.len() - 2])? * mult);
        }
    }
    py_int(&v)
}

pub fn byte_size_u64(s: &str) -> Result<u64, String> {
    let n = byte_size(s)?;
    Ok(if n < 0 { 0 } else { u64::try_from(n).unwrap_or(u64::MAX) })
}

pub fn octal_type(s: &str) -> Result<u32, String> {
    let err = || format!("{} can not be converted to an octal type", s);
    let t = py_strip(s);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits = digits.strip_prefix("0o").or_else(|| digits.strip_prefix("0O")).unwrap_or(digits);
    if neg || digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return Err(err());
    }
    let mut n: u64 = 0;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(8).ok_or_else(err)?;
        n = n.checked_mul(8).and_then(|n| n.checked_add(d as u64)).ok_or_else(err)?;
    }
    u32::try_from(n).map_err(|_| err())
}

/// `os.path.expanduser`.
pub fn expanduser(p: &str) -> String {
    if !p.starts_with('~') {
        return p.to_string();
    }
    let end = p.find('/').unwrap_or(p.len());
    let user = &p[1..end];
    let home = if user.is_empty() {
        std::env::var("HOME").ok().or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::getuid()).ok().flatten().map(|u| u.dir.to_string_lossy().into_owned())
        })
    } else {
        nix::unistd::User::from_name(user).ok().flatten().map(|u| u.dir.to_string_lossy().into_owned())
    };
    match home {
        Some(h) => {
            let h = if h.len() > 1 { h.trim_end_matches('/').to_string() } else { h };
            let joined = format!("{}{}", h, &p[end..]);
            if joined.is_empty() {
                "/".to_string()
            } else {
                joined
            }
        }
        None => p.to_string(),
    }
}

/// `os.path.dirname`.
pub fn dirname(p: &str) -> String {
    match p.rfind('/') {
        None => String::new(),
        Some(i) => {
            let head = &p[..=i];
            if head.chars().all(|c| c == '/') {
                head.to_string()
            } else {
                head.trim_end_matches('/').to_string()
            }
        }
    }
}

/// `os.path.normpath`.
pub fn normpath(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let initial = if p.starts_with("//") && !p.starts_with("///") {
        "//"
    } else if p.starts_with('/') {
        "/"
    } else {
        ""
    };
    let mut parts: Vec<&str> = Vec::new();
    for comp in p.split('/') {
        if comp.is_empty() || comp == "." {
            continue;
        }
        if comp != ".." || (initial.is_empty() && parts.is_empty()) || parts.last() == Some(&"..") {
            parts.push(comp);
        } else if !parts.is_empty() {
            parts.pop();
        }
    }
    let joined = format!("{}{}", initial, parts.join("/"));
    if joined.is_empty() {
        ".".to_string()
    } else {
        joined
    }
}

/// `os.getcwd()`.
pub fn cwd() -> String {
    std::env::current_dir()
        .map(|c| c.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "/".to_string())
}

/// `os.path.abspath`.
pub fn abspath(p: &str) -> String {
    if p.starts_with('/') {
        normpath(p)
    } else {
        normpath(&format!("{}/{}", cwd(), p))
    }
}

/// `os.path.join(a, b)` for two parts.
pub fn path_join(a: &str, b: &str) -> String {
    if b.starts_with('/') || a.is_empty() {
        b.to_string()
    } else if a.ends_with('/') {
        format!("{}{}", a, b)
    } else {
        format!("{}/{}", a, b)
    }
}

/// supervisor's `normalize_path`: expanduser, abspath, normpath.
pub fn normalize_path(p: &str) -> String {
    normpath(&abspath(&expanduser(p)))
}

fn is_dir(p: &str) -> bool {
    Path::new(p).is_dir()
}

pub fn existing_directory(v: &str) -> Result<String, String> {
    let nv = expanduser(v);
    if is_dir(&nv) {
        Ok(nv)
    } else {
        Err(format!("{} is not an existing directory", v))
    }
}

pub fn existing_dirpath(v: &str) -> Result<String, String> {
    let nv = expanduser(v);
    let dir = dirname(&nv);
    if dir.is_empty() || is_dir(&dir) {
        Ok(nv)
    } else {
        Err(format!("The directory named as part of the path {} does not exist", v))
    }
}

/// What `logfile_name()` makes of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogfileName {
    None,
    Auto,
    Syslog,
    Path(String),
}

pub fn logfile_name(v: &str) -> Result<LogfileName, String> {
    match v.to_lowercase().as_str() {
        "none" | "off" => Ok(LogfileName::None),
        "auto" => Ok(LogfileName::Auto),
        "syslog" => Ok(LogfileName::Syslog),
        _ => existing_dirpath(v).map(LogfileName::Path),
    }
}

/// Level names supervisor accepts, lower-cased.
pub const LOG_LEVELS: [&str; 7] = ["critical", "error", "warn", "info", "debug", "trace", "blather"];

pub fn logging_level(v: &str) -> Result<String, String> {
    let l = v.to_lowercase();
    if LOG_LEVELS.contains(&l.as_str()) {
        Ok(l)
    } else {
        Err(format!("bad logging level name {}", py_repr(v)))
    }
}

pub fn process_or_group_name(name: &str) -> Result<String, String> {
    let s = py_strip(name);
    for c in [' ', ':', '/'] {
        if s.contains(c) {
            return Err(format!(
                "Invalid name: {} because of character: {}",
                py_repr(name),
                py_repr(&c.to_string())
            ));
        }
    }
    Ok(s.to_string())
}

/// Signal names Python's `signal` module has on Linux, with their numbers.
const SIGNALS: [(&str, i32); 41] = [
    ("SIGABRT", 6), ("SIGALRM", 14), ("SIGBUS", 7), ("SIGCHLD", 17), ("SIGCLD", 17),
    ("SIGCONT", 18), ("SIGFPE", 8), ("SIGHUP", 1), ("SIGILL", 4), ("SIGINT", 2),
    ("SIGIO", 29), ("SIGIOT", 6), ("SIGKILL", 9), ("SIGPIPE", 13), ("SIGPOLL", 29),
    ("SIGPROF", 27), ("SIGPWR", 30), ("SIGQUIT", 3), ("SIGRTMAX", 64), ("SIGRTMIN", 34),
    ("SIGSEGV", 11), ("SIGSTKFLT", 16), ("SIGSTOP", 19), ("SIGSYS", 31), ("SIGTERM", 15),
    ("SIGTRAP", 5), ("SIGTSTP", 20), ("SIGTTIN", 21), ("SIGTTOU", 22), ("SIGURG", 23),
    ("SIGUSR1", 10), ("SIGUSR2", 12), ("SIGVTALRM", 26), ("SIGWINCH", 28), ("SIGXCPU", 24),
    ("SIGXFSZ", 25), ("SIG_BLOCK", 0), ("SIG_DFL", 0), ("SIG_IGN", 1), ("SIG_SETMASK", 2),
    ("SIG_UNBLOCK", 1),
];

/// The signal name for a number (the canonical one), e.g. 15 -> "TERM".
pub fn signal_name(num: i32) -> Option<&'static str> {
    let preferred = ["SIGABRT", "SIGCHLD", "SIGIO"];
    SIGNALS
        .iter()
        .filter(|(n, v)| *v == num && n.starts_with("SIG") && !n.starts_with("SIG_"))
        .min_by_key(|(n, _)| if preferred.contains(n) { 0 } else { 1 })
        .map(|(n, _)| &n[3..])
}

pub fn signal_number(v: &str) -> Result<i32, String> {
    let num = match py_int(v) {
        Ok(n) => n,
        Err(_) => {
            let mut name = py_strip(v).to_uppercase();
            if !name.starts_with("SIG") {
                name = format!("SIG{}", name);
            }
            match SIGNALS.iter().find(|(n, _)| *n == name) {
                Some((_, num)) => *num as i128,
                None => return Err(format!("value {} is not a valid signal name", py_repr(v))),
            }
        }
    };
    if SIGNALS.iter().any(|(_, n)| *n as i128 == num) {
        Ok(num as i32)
    } else {
        Err(format!("value {} is not a valid signal number", py_repr(v)))
    }
}

pub fn auto_restart(v: &str) -> Result<super::model::AutoRestart, String> {
    use super::model::AutoRestart;
    let l = v.to_lowercase();
    if TRUTHY.contains(&l.as_str()) {
        Ok(AutoRestart::Always)
    } else if FALSY.contains(&l.as_str()) {
        Ok(AutoRestart::Never)
    } else if l == "unexpected" {
        Ok(AutoRestart::Unexpected)
    } else {
        Err(format!("invalid 'autorestart' value {}", py_repr(&l)))
    }
}

pub fn name_to_uid(name: &str) -> Result<u32, String> {
    match py_int(name) {
        Ok(n) => {
            let ok = u32::try_from(n)
                .ok()
                .and_then(|u| nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(u)).ok().flatten())
                .is_some();
            if ok {
                Ok(n as u32)
            } else {
                Err(format!("Invalid user id {}", name))
            }
        }
        Err(_) => match nix::unistd::User::from_name(name).ok().flatten() {
            Some(u) => Ok(u.uid.as_raw()),
            None => Err(format!("Invalid user name {}", name)),
        },
    }
}

pub fn name_to_gid(name: &str) -> Result<u32, String> {
    match py_int(name) {
        Ok(n) => {
            let ok = u32::try_from(n)
                .ok()
                .and_then(|g| nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(g)).ok().flatten())
                .is_some();
            if ok {
                Ok(n as u32)
            } else {
                Err(format!("Invalid group id {}", name))
            }
        }
        Err(_) => match nix::unistd::Group::from_name(name).ok().flatten() {
            Some(g) => Ok(g.gid.as_raw()),
            None => Err(format!("Invalid group name {}", name)),
        },
    }
}

pub fn gid_for_uid(uid: u32) -> Option<u32> {
    nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)).ok().flatten().map(|u| u.gid.as_raw())
}

/// `colon_separated_user_group()`: (uid, gid); a missing group is
/// `u32::MAX`, which chown(2) reads as "leave unchanged" (Python's -1).
pub fn colon_separated_user_group(arg: &str) -> Result<(u32, u32), String> {
    let err = || format!("Invalid user:group definition {}", arg);
    match arg.split_once(':') {
        None => Ok((name_to_uid(arg).map_err(|_| err())?, u32::MAX)),
        Some((u, g)) => Ok((name_to_uid(u).map_err(|_| err())?, name_to_gid(g).map_err(|_| err())?)),
    }
}

fn port_number(s: &str) -> Result<u16, String> {
    let v = py_int(s)?;
    if v < 1 {
        return Err(format!("{} is below lower bound (1)", v));
    }
    if v > 0xffff {
        return Err(format!("{} is above upper bound (65535)", v));
    }
    Ok(v as u16)
}

/// `inet_address()`: (host, port); `*` or nothing means all interfaces ("").
pub fn inet_address(s: &str) -> Result<(String, u16), String> {
    let (mut host, port) = if let Some((h, p)) = s.rsplit_once(':') {
        if p.is_empty() {
            return Err(format!("no port number specified in {}", py_repr(p)));
        }
        (h.to_lowercase(), port_number(p)?)
    } else {
        let port = port_number(s).map_err(|_| format!("not a valid port number: {} ", py_repr(s)))?;
        (String::new(), port)
    };
    if host == "*" {
        host = String::new();
    }
    Ok((host, port))
}

/// A token of Python's non-POSIX `shlex` with supervisor's extra word chars.
fn shlex_tokens(s: &str) -> Result<Vec<String>, String> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || "_/.+-():".contains(c);
    let is_ws = |c: char| " \t\r\n".contains(c);
    let chars: Vec<char> = s.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    // Skips to the end of the line (the comment character included).
    let skip_line = |i: &mut usize| {
        while *i < chars.len() && chars[*i] != '\n' {
            *i += 1;
        }
        if *i < chars.len() {
            *i += 1;
        }
    };
    loop {
        // Whitespace state.
        let mut token = String::new();
        let state: char;
        loop {
            if i >= chars.len() {
                return Ok(tokens);
            }
            let c = chars[i];
            i += 1;
            if is_ws(c) {
                continue;
            } else if c == '#' {
                skip_line(&mut i);
            } else if is_word(c) {
                token.push(c);
                state = 'a';
                break;
            } else if c == '\'' || c == '"' {
                token.push(c);
                state = c;
                break;
            } else {
                token.push(c);
                state = ' ';
                break;
            }
        }
        if state == ' ' {
            tokens.push(token);
            continue;
        }
        if state == '\'' || state == '"' {
            loop {
                if i >= chars.len() {
                    return Err("No closing quotation".to_string());
                }
                let c = chars[i];
                i += 1;
                token.push(c);
                if c == state {
                    break;
                }
            }
            tokens.push(token);
            continue;
        }
        // Word state.
        loop {
            if i >= chars.len() {
                tokens.push(token);
                return Ok(tokens);
            }
            let c = chars[i];
            if is_ws(c) {
                i += 1;
                break;
            } else if c == '#' {
                i += 1;
                skip_line(&mut i);
            } else if is_word(c) || c == '\'' || c == '"' {
                token.push(c);
                i += 1;
            } else {
                break;
            }
        }
        tokens.push(token);
    }
}

/// `dict_of_key_value_pairs()`: `KEY=val,KEY2="v,2"` in order; a repeated
/// key keeps its first position and takes the later value.
pub fn dict_of_key_value_pairs(arg: &str) -> Result<Vec<(String, String)>, String> {
    let tokens = shlex_tokens(arg)?;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let chunk = &tokens[i..(i + 3).min(tokens.len())];
        if chunk.len() != 3 || chunk[1] != "=" {
            return Err(format!("Unexpected end of key/value pairs in value '{}'", arg));
        }
        let v = chunk[2].trim_matches(|c| c == '\'' || c == '"').to_string();
        if let Some(slot) = out.iter_mut().find(|(k, _)| *k == chunk[0]) {
            slot.1 = v;
        } else {
            out.push((chunk[0].clone(), v));
        }
        i += 4;
    }
    Ok(out)
}

/// Python's repr of a list of str (for "positional arguments" messages).
pub fn list_repr(items: &[String]) -> String {
    py_list_repr(items)
}

/// True when the char is whitespace for Python's `str.split()`.
pub fn is_split_space(c: char) -> bool {
    py_isspace(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_like_python() {
        assert_eq!(integer(" 12 ").unwrap(), 12);
        assert_eq!(integer("1_000").unwrap(), 1000);
        assert_eq!(integer("-3").unwrap(), -3);
        assert_eq!(integer("1__0").unwrap_err(), "invalid literal for int() with base 10: '1__0'");
        assert_eq!(integer("x").unwrap_err(), "invalid literal for int() with base 10: 'x'");
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(byte_size("50MB").unwrap(), 50 * 1024 * 1024);
        assert_eq!(byte_size("1kb").unwrap(), 1024);
        assert_eq!(byte_size("12XB").unwrap_err(), "invalid literal for int() with base 10: '12xb'");
        assert_eq!(byte_size("xmb").unwrap_err(), "invalid literal for int() with base 10: 'x'");
    }

    #[test]
    fn signals() {
        assert_eq!(signal_number("TERM").unwrap(), 15);
        assert_eq!(signal_number("sigkill").unwrap(), 9);
        assert_eq!(signal_number("9").unwrap(), 9);
        assert_eq!(signal_number("_DFL").unwrap(), 0);
        assert_eq!(signal_number("NOPE").unwrap_err(), "value 'NOPE' is not a valid signal name");
        assert_eq!(signal_number("99").unwrap_err(), "value '99' is not a valid signal number");
        assert_eq!(signal_name(15), Some("TERM"));
    }

    #[test]
    fn octal() {
        assert_eq!(octal_type("022").unwrap(), 0o22);
        assert_eq!(octal_type("999").unwrap_err(), "999 can not be converted to an octal type");
    }

    #[test]
    fn exitcodes() {
        assert_eq!(list_of_exitcodes("0, 2").unwrap(), vec![0, 2]);
        assert_eq!(list_of_exitcodes("").unwrap(), Vec::<i32>::new());
        assert_eq!(list_of_exitcodes("0,x").unwrap_err(), "not a valid list of exit codes: '0,x'");
        assert!(list_of_exitcodes("256").is_err());
    }

    #[test]
    fn key_value_pairs_like_shlex() {
        let kv = |s| dict_of_key_value_pairs(s).unwrap();
        assert_eq!(kv("A=1,B=\"x,y\""), vec![("A".into(), "1".into()), ("B".into(), "x,y".into())]);
        assert_eq!(kv("A=x y"), vec![("A".into(), "x".into())]);
        assert_eq!(kv("A=café"), vec![("A".into(), "caf".into())]);
        assert_eq!(kv(""), vec![]);
        assert!(dict_of_key_value_pairs("A=1 B=2").is_err());
        assert_eq!(dict_of_key_value_pairs("A='x").unwrap_err(), "No closing quotation");
    }

    /// Random environment= values and what supervisor 4.3.0 made of them
    /// (generated by compat-tests/config/gen_value_corpus.py).
    #[test]
    fn matches_supervisors_key_value_pairs_on_the_corpus() {
        let corpus: serde_json::Value =
            serde_json::from_str(include_str!("../../compat-tests/config/value-corpus.json")).unwrap();
        let mut failures = Vec::new();
        for case in corpus["kv"].as_array().unwrap() {
            let input = case["in"].as_str().unwrap();
            let got = match dict_of_key_value_pairs(input) {
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
    fn ports() {
        assert_eq!(inet_address("127.0.0.1:9001").unwrap(), ("127.0.0.1".into(), 9001));
        assert_eq!(inet_address("*:80").unwrap(), ("".into(), 80));
        assert_eq!(inet_address("9001").unwrap(), ("".into(), 9001));
        assert_eq!(inet_address("notaport").unwrap_err(), "not a valid port number: 'notaport' ");
        assert_eq!(inet_address("h:notaport").unwrap_err(), "invalid literal for int() with base 10: 'notaport'");
        assert_eq!(inet_address("h:0").unwrap_err(), "0 is below lower bound (1)");
        assert_eq!(inet_address("h:").unwrap_err(), "no port number specified in ''");
    }

    #[test]
    fn paths() {
        assert_eq!(normpath("/a/./b/../c//d/"), "/a/c/d");
        assert_eq!(dirname("/a/b"), "/a");
        assert_eq!(dirname("b"), "");
        assert_eq!(dirname("/b"), "/");
        assert_eq!(path_join("/a", "/b"), "/b");
    }
}
