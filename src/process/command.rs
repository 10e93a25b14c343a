//! Resolving a `command=` the way supervisord checks it before starting:
//! split it, find the program on PATH, and check it can be executed. The
//! RPC layer uses the outcome to answer startProcess with NO_FILE or
//! NOT_EXECUTABLE before anything is spawned.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::pyrepr::py_repr;

/// Why a command cannot be started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandProblem {
    /// `can't find command 'x'` (NO_FILE).
    NotFound(String),
    /// Bad syntax, a directory, not executable, no permission (NOT_EXECUTABLE).
    NotExecutable(String),
}

impl CommandProblem {
    pub fn message(&self) -> &str {
        match self {
            CommandProblem::NotFound(m) | CommandProblem::NotExecutable(m) => m,
        }
    }
}

/// The PATH supervisord searches: the program's environment PATH if set,
/// else the daemon's, else /bin:/usr/bin:/usr/local/bin.
pub fn search_path(environment: Option<&[(String, String)]>) -> Vec<String> {
    if let Some(env) = environment {
        if let Some((_, p)) = env.iter().rev().find(|(k, _)| k == "PATH") {
            return p.split(':').map(str::to_string).collect();
        }
    }
    match std::env::var("PATH") {
        Ok(p) if !p.is_empty() => p.split(':').map(str::to_string).collect(),
        _ => vec!["/bin".into(), "/usr/bin".into(), "/usr/local/bin".into()],
    }
}

/// Checks `command` as supervisord's get_execv_args does; Ok gives the
/// resolved program file name.
pub fn check_command(command: &str, path: &[String]) -> Result<String, CommandProblem> {
    let args = match shlex::split(command) {
        Some(a) => a,
        None => {
            return Err(CommandProblem::NotExecutable(format!(
                "can't parse command {}: No closing quotation",
                py_repr(command)
            )))
        }
    };
    let Some(program) = args.first() else {
        return Err(CommandProblem::NotExecutable("command is empty".to_string()));
    };
    let (filename, meta) = if program.contains('/') {
        (program.clone(), std::fs::metadata(program).ok())
    } else {
        let mut found = None;
        for dir in path {
            let candidate = Path::new(dir).join(program);
            if let Ok(m) = std::fs::metadata(&candidate) {
                found = Some((candidate.to_string_lossy().into_owned(), m));
                break;
            }
        }
        match found {
            Some((f, m)) => (f, Some(m)),
            None => (program.clone(), None),
        }
    };
    let Some(meta) = meta else {
        return Err(CommandProblem::NotFound(format!("can't find command {}", py_repr(&filename))));
    };
    if meta.is_dir() {
        return Err(CommandProblem::NotExecutable(format!("command at {} is a directory", py_repr(&filename))));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(CommandProblem::NotExecutable(format!(
            "command at {} is not executable",
            py_repr(&filename)
        )));
    }
    let c = std::ffi::CString::new(filename.as_bytes())
        .map_err(|_| CommandProblem::NotFound(format!("can't find command {}", py_repr(&filename))))?;
    // SAFETY: access() only reads the NUL-terminated path.
    if unsafe { libc::access(c.as_ptr(), libc::X_OK) } != 0 {
        return Err(CommandProblem::NotExecutable(format!(
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
    fn finds_and_rejects() {
        let path = vec!["/bin".to_string(), "/usr/bin".to_string()];
        assert!(check_command("sleep 1", &path).is_ok());
        assert_eq!(
            check_command("nosuchprog_xyz", &path),
            Err(CommandProblem::NotFound("can't find command 'nosuchprog_xyz'".into()))
        );
        assert!(matches!(check_command("/tmp", &path), Err(CommandProblem::NotExecutable(_))));
        assert!(matches!(check_command("", &path), Err(CommandProblem::NotExecutable(_))));
    }
}
