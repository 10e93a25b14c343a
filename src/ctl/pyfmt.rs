//! Small reproductions of Python behaviours that supervisorctl's output
//! depends on: `repr()` of strings, `int()` of text, `cmd.Cmd.columnize`,
//! `str.split()`, and supervisor's namespec helpers.

/// `repr(s)` of a Python 3 str (one implementation, shared with the daemon).
pub use crate::config::pyfmt::py_repr as repr_str;

/// Python's `int(text)` for base-10 text: optional surrounding whitespace,
/// optional sign, digits with single underscores between them.
pub fn py_int(text: &str) -> Option<i128> {
    let t = text.trim();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    let mut value: i128 = 0;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(10)?;
        value = value.checked_mul(10)?.checked_add(d as i128)?;
    }
    Some(if neg { -value } else { value })
}

/// Python's `str.split()` with no argument: runs of whitespace separate words.
pub fn split_words(s: &str) -> Vec<String> {
    s.split(char::is_whitespace).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// supervisor's `make_namespec`: a process alone in its same-named group is
/// called by its own name, others `group:name`.
pub fn make_namespec(group: &str, name: &str) -> String {
    if group == name {
        name.to_string()
    } else {
        format!("{group}:{name}")
    }
}

/// supervisor's `split_namespec`: `group:*` and `group:` name a whole group
/// (process part None); a bare name is both group and process.
pub fn split_namespec(spec: &str) -> (String, Option<String>) {
    match spec.split_once(':') {
        Some((group, process)) => {
            let process = if process.is_empty() || process == "*" { None } else { Some(process.to_string()) };
            (group.to_string(), process)
        }
        None => (spec.to_string(), Some(spec.to_string())),
    }
}

/// Left-justifies to `width` characters, like Python's `%-Ns` and `ljust`.
pub fn ljust(s: &str, width: usize) -> String {
    let n = s.chars().count();
    let mut out = s.to_string();
    for _ in n..width {
        out.push(' ');
    }
    out
}

/// `cmd.Cmd.columnize`: lays words out in as few rows as fit `width`,
/// filling columns top to bottom, two spaces between columns.
pub fn columnize(words: &[&str], width: usize) -> String {
    if words.is_empty() {
        return "<empty>\n".to_string();
    }
    if words.len() == 1 {
        return format!("{}\n", words[0]);
    }
    let size = words.len();
    let len = |s: &str| s.chars().count();
    let mut layout: Option<(usize, usize, Vec<usize>)> = None;
    for nrows in 1..size {
        let ncols = size.div_ceil(nrows);
        let mut colwidths = Vec::new();
        let mut total: isize = -2;
        for col in 0..ncols {
            let mut colwidth = 0;
            for row in 0..nrows {
                let i = row + nrows * col;
                if i >= size {
                    break;
                }
                colwidth = colwidth.max(len(words[i]));
            }
            colwidths.push(colwidth);
            total += colwidth as isize + 2;
            if total > width as isize {
                break;
            }
        }
        if total <= width as isize {
            layout = Some((nrows, ncols, colwidths));
            break;
        }
    }
    let (nrows, ncols, colwidths) = layout.unwrap_or((size, 1, vec![0]));
    let mut out = String::new();
    for row in 0..nrows {
        let mut texts: Vec<&str> = (0..ncols).map(|col| words.get(row + nrows * col).copied().unwrap_or("")).collect();
        while texts.last().is_some_and(|t| t.is_empty()) {
            texts.pop();
        }
        let cells: Vec<String> = texts.iter().enumerate().map(|(col, t)| ljust(t, colwidths[col])).collect();
        out.push_str(&cells.join("  "));
        out.push('\n');
    }
    out
}

/// Python's `os.path.dirname`.
pub fn dirname(path: &str) -> String {
    let i = path.rfind('/').map(|i| i + 1).unwrap_or(0);
    let head = &path[..i];
    if !head.is_empty() && head.chars().any(|c| c != '/') {
        head.trim_end_matches('/').to_string()
    } else {
        head.to_string()
    }
}

/// The scheme `urllib.parse.urlparse` finds in `url` (lower-cased), if any.
pub fn url_scheme(url: &str) -> Option<String> {
    let i = url.find(':')?;
    let scheme = &url[..i];
    let first = scheme.chars().next()?;
    if !first.is_ascii_alphabetic() {
        return None;
    }
    if scheme.chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.') {
        Some(scheme.to_ascii_lowercase())
    } else {
        None
    }
}

/// supervisor's `datatypes.url` check: a scheme and a netloc or path.
pub fn is_url(url: &str) -> bool {
    match url_scheme(url) {
        Some(scheme) => {
            let rest = &url[scheme.len() + 1..];
            let rest = rest.split(['?', '#']).next().unwrap_or("");
            !rest.is_empty()
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_matches_python() {
        assert_eq!(repr_str("stdboo"), "'stdboo'");
        assert_eq!(repr_str("it's"), "\"it's\"");
        assert_eq!(repr_str("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(repr_str("x\ty\n"), "'x\\ty\\n'");
        assert_eq!(repr_str("\u{1}"), "'\\x01'");
    }

    #[test]
    fn int_matches_python() {
        assert_eq!(py_int("100"), Some(100));
        assert_eq!(py_int("-5"), Some(-5));
        assert_eq!(py_int("+5"), Some(5));
        assert_eq!(py_int("1_000"), Some(1000));
        assert_eq!(py_int("1__0"), None);
        assert_eq!(py_int("f"), None);
        assert_eq!(py_int(""), None);
        assert_eq!(py_int("-"), None);
    }

    #[test]
    fn namespecs() {
        assert_eq!(make_namespec("a", "a"), "a");
        assert_eq!(make_namespec("g", "a"), "g:a");
        assert_eq!(split_namespec("g:*"), ("g".into(), None));
        assert_eq!(split_namespec("g:"), ("g".into(), None));
        assert_eq!(split_namespec("g:a:b"), ("g".into(), Some("a:b".into())));
        assert_eq!(split_namespec("a"), ("a".into(), Some("a".into())));
    }

    #[test]
    fn columnize_matches_cmd_module() {
        let words = [
            "add", "avail", "clear", "exit", "fg", "maintail", "open", "pid", "quit", "reload", "remove", "reread",
            "restart", "shutdown", "signal", "start", "status", "stop", "tail", "update", "version",
        ];
        let expected = "add    exit      open  reload  restart   start   tail   \n\
                        avail  fg        pid   remove  shutdown  status  update \n\
                        clear  maintail  quit  reread  signal    stop    version\n";
        assert_eq!(columnize(&words, 79), expected);
        assert_eq!(columnize(&["one"], 79), "one\n");
    }

    #[test]
    fn dirname_matches_python() {
        assert_eq!(dirname("/a/b/c"), "/a/b");
        assert_eq!(dirname("c"), "");
        assert_eq!(dirname("/c"), "/");
        assert_eq!(dirname(""), "");
        assert_eq!(dirname("a//b"), "a");
    }

    #[test]
    fn urls() {
        assert!(is_url("http://localhost:9001"));
        assert!(is_url("unix:///tmp/s"));
        assert!(!is_url("foo"));
        assert!(!is_url("unix:"));
        assert!(is_url("foo://bar"));
        assert_eq!(url_scheme("HTTP://x"), Some("http".into()));
        assert_eq!(url_scheme("1x://x"), None);
    }
}
