//! Turning `command=` into the file to exec and its argv, before any fork:
//! Python's POSIX `shlex.split`, the PATH search, and supervisord's checks on
//! the found file, with its error texts.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::SpawnError;

/// Why a command line could not be split (Python's `ValueError` texts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    NoClosingQuotation,
    NoEscapedCharacter,
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SplitError::NoClosingQuotation => "No closing quotation",
            SplitError::NoEscapedCharacter => "No escaped character",
        })
    }
}

/// Splits like Python's `shlex.split(s)` (POSIX mode, no comments): words
/// separated by space/tab/CR/LF, single quotes literal, double quotes with
/// backslash escaping only `"` and `\`, backslash escaping anything outside
/// quotes, and `''` giving an empty word.
pub fn shlex_split(s: &str) -> Result<Vec<String>, SplitError> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Space,
        Word,
        Single,
        Double,
        /// After a backslash; remembers where it was (Word or Double).
        Escape(bool),
    }
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let mut words = Vec::new();
    let mut token = String::new();
    let mut quoted = false;
    let mut state = State::Space;
    for c in s.chars() {
        match state {
            State::Space | State::Word => {
                if is_space(c) {
                    if state == State::Word || quoted {
                        words.push(std::mem::take(&mut token));
                        quoted = false;
                    }
                    state = State::Space;
                } else if c == '\\' {
                    state = State::Escape(false);
                } else if c == '\'' {
                    quoted = true;
                    state = State::Single;
                } else if c == '"' {
                    quoted = true;
                    state = State::Double;
                } else {
                    token.push(c);
                    state = State::Word;
                }
            }
            State::Single => {
                if c == '\'' {
                    state = State::Word;
                } else {
                    token.push(c);
                }
            }
            State::Double => {
                if c == '"' {
                    state = State::Word;
                } else if c == '\\' {
                    state = State::Escape(true);
                } else {
                    token.push(c);
                }
            }
            State::Escape(in_double) => {
                // Inside double quotes a backslash only escapes `"` and `\`;
                // before anything else it stays.
                if in_double && c != '"' && c != '\\' {
                    token.push('\\');
                }
                token.push(c);
                state = if in_double { State::Double } else { State::Word };
            }
        }
    }
    match state {
        State::Single | State::Double => return Err(SplitError::NoClosingQuotation),
        State::Escape(_) => return Err(SplitError::NoEscapedCharacter),
        State::Word => words.push(token),
        State::Space => {
            if quoted {
                words.push(token)
            }
        }
    }
    Ok(words)
}

/// Python's `repr()` of a str, as supervisord's `%r` messages show names.
pub use crate::config::pyfmt::py_repr;

/// The directories searched for a command without `/`: the configured
/// environment's PATH if it sets one (even empty), else the daemon's
/// non-empty PATH, else `/bin:/usr/bin:/usr/local/bin`.
pub fn search_path(configured_path: Option<&str>) -> Vec<String> {
    if let Some(p) = configured_path {
        return p.split(':').map(str::to_string).collect();
    }
    match std::env::var("PATH") {
        Ok(p) if !p.is_empty() => p.split(':').map(str::to_string).collect(),
        _ => vec!["/bin".into(), "/usr/bin".into(), "/usr/local/bin".into()],
    }
}

/// Python's `os.path.join(dir, name)` for a name without `/`.
fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() || dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Finds the file to exec for `program` (argv[0]) and checks it as
/// supervisord does: the first PATH entry where it exists wins, whatever it
/// is, and then must be a non-directory with an x bit that we may execute.
pub fn resolve_program(program: &str, path: &[String]) -> Result<String, SpawnError> {
    let (filename, meta) = if program.contains('/') {
        (program.to_string(), std::fs::metadata(program).ok())
    } else {
        let mut found = None;
        for dir in path {
            let candidate = join(dir, program);
            if let Ok(meta) = std::fs::metadata(&candidate) {
                found = Some((candidate, meta));
                break;
            }
        }
        match found {
            Some((name, meta)) => (name, Some(meta)),
            None => (program.to_string(), None),
        }
    };
    let Some(meta) = meta else {
        return Err(SpawnError::NotFound(format!("can't find command {}", py_repr(&filename))));
    };
    if meta.is_dir() {
        return Err(SpawnError::NotExecutable(format!(
            "command at {} is a directory",
            py_repr(&filename)
        )));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(SpawnError::NotExecutable(format!(
            "command at {} is not executable",
            py_repr(&filename)
        )));
    }
    let executable = CString::new(Path::new(&filename).as_os_str().as_bytes())
        .map(|c| unsafe { libc::access(c.as_ptr(), libc::X_OK) } == 0)
        .unwrap_or(false);
    if !executable {
        return Err(SpawnError::NotExecutable(format!(
            "no permission to run command {}",
            py_repr(&filename)
        )));
    }
    Ok(filename)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_python_shlex() {
        let ok = |s: &str| shlex_split(s).unwrap();
        assert_eq!(ok("a b  c"), ["a", "b", "c"]);
        assert_eq!(ok("sh -c 'echo hi; exit 3'"), ["sh", "-c", "echo hi; exit 3"]);
        assert_eq!(ok(r#"a "b \" \x" c"#), ["a", r#"b " \x"#, "c"]);
        assert_eq!(ok(r"a\ b c\d"), ["a b", "cd"]);
        assert_eq!(ok("'' x"), ["", "x"]);
        assert_eq!(ok("x ''"), ["x", ""]);
        assert_eq!(ok("a'b'\"c\"d"), ["abcd"]);
        assert!(ok("   ").is_empty());
        assert_eq!(shlex_split("a 'b"), Err(SplitError::NoClosingQuotation));
        assert_eq!(shlex_split("a \"b"), Err(SplitError::NoClosingQuotation));
        assert_eq!(shlex_split("a b\\"), Err(SplitError::NoEscapedCharacter));
    }

    #[test]
    fn repr_like_python() {
        assert_eq!(py_repr("foo"), "'foo'");
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("a'\"b"), "'a\\'\"b'");
        assert_eq!(py_repr("a\\b\n"), "'a\\\\b\\n'");
        assert_eq!(py_repr("é"), "'é'");
    }
}
