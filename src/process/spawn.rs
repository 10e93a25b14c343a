//! Starting a child the way supervisord does: split the command, find it on
//! PATH, make the pipes, fork, and in the child set up the process group,
//! umask, directory, user and environment before exec. Nothing but fds 0-2
//! reaches the child.

use std::os::fd::OwnedFd;
use std::path::PathBuf;

/// Everything needed to start one child (built from a ProcessConfig plus
/// daemon-wide values).
#[derive(Debug, Clone)]
pub struct SpawnSpec {
    /// The `command=` value as configured (after expansion).
    pub command: String,
    pub process_name: String,
    pub group_name: String,
    pub directory: Option<PathBuf>,
    pub umask: Option<u32>,
    /// `user=` (name as written) when the daemon should switch user.
    pub user: Option<String>,
    /// The daemon's [supervisord] environment= then the program's, in order.
    pub environment: Vec<(String, String)>,
    /// SUPERVISOR_SERVER_URL for the child, when known.
    pub server_url: Option<String>,
    /// Extra variables (SUPERVISOR_USERNAME/PASSWORD for listeners, ...).
    pub extra_env: Vec<(String, String)>,
    /// false: stderr goes into the stdout pipe (redirect_stderr).
    pub separate_stderr: bool,
    /// fcgi-program: this fd becomes the child's fd 0 instead of a stdin pipe.
    pub stdin_socket: Option<std::os::fd::RawFd>,
}

/// A started child and the parent's ends of its pipes (non-blocking, CLOEXEC).
#[derive(Debug)]
pub struct SpawnedChild {
    pub pid: i32,
    pub stdin: Option<OwnedFd>,
    pub stdout: OwnedFd,
    pub stderr: Option<OwnedFd>,
}

/// Why a spawn failed before the child could exec. `Display` gives
/// supervisord's text, e.g. `can't find command 'foo'`; the supervisor logs
/// it as `spawnerr: <text>` and treats it as a failed start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpawnError {
    /// The command could not be found (`can't find command 'x'`).
    NotFound(String),
    /// Found but not runnable (`command at 'x' is not executable`, ...).
    NotExecutable(String),
    /// Empty command and similar (`too few arguments`? see 4.3.0).
    BadCommand(String),
    /// pipe/fork failures (`Too many open files to spawn 'x'`, ...).
    Os(String),
}

impl std::fmt::Display for SpawnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpawnError::NotFound(s)
            | SpawnError::NotExecutable(s)
            | SpawnError::BadCommand(s)
            | SpawnError::Os(s) => f.write_str(s),
        }
    }
}

/// Starts the child. Failures after fork (chdir, setuid, exec) are written by
/// the child to its stderr (or stdout) pipe in supervisord's words, and the
/// child exits with 127, so they show up in its log as with supervisord.
pub fn spawn(_spec: &SpawnSpec) -> Result<SpawnedChild, SpawnError> {
    todo!("spawn helper")
}
