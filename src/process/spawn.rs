//! Starting a child the way supervisord does: split the command, find it on
//! PATH, make the pipes, fork, and in the child set up the process group,
//! umask, directory, user and environment before exec. Nothing but fds 0-2
//! reaches the child.

mod child;
mod command;
mod errno;
mod rawsys;

use std::ffi::{CString, OsStr, OsString};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use child::{ChildPlan, LaunchMode, UserPlan};
pub use command::{py_repr, shlex_split, SplitError};
pub use errno::{errno_code, errno_name};

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
    /// Found but not runnable (`command at 'x' is not executable`,
    /// `command at 'x' is a directory`, `no permission to run command 'x'`).
    NotExecutable(String),
    /// `command is empty`, `can't parse command 'x': No closing quotation`.
    BadCommand(String),
    /// pipe/fork failures (`too many open files to spawn 'x'`,
    /// `Too many processes in process table to spawn 'x'`, ...).
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
pub fn spawn(spec: &SpawnSpec) -> Result<SpawnedChild, SpawnError> {
    let argv = shlex_split(&spec.command).map_err(|e| {
        SpawnError::BadCommand(format!("can't parse command {}: {e}", py_repr(&spec.command)))
    })?;
    let Some(program) = argv.first() else {
        return Err(SpawnError::BadCommand("command is empty".into()));
    };
    let configured_path = spec
        .environment
        .iter()
        .rev()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.as_str());
    let filename = command::resolve_program(program, &command::search_path(configured_path))?;

    let nul_error = |what: &str| {
        SpawnError::BadCommand(format!("can't parse command {}: {what}", py_repr(&spec.command)))
    };
    let filename_c = CString::new(filename).map_err(|_| nul_error("embedded null byte"))?;
    let argv_c = argv
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| nul_error("embedded null byte"))?;
    let env_c = build_environment(spec)
        .into_iter()
        .filter_map(|(k, v)| {
            let mut kv = k.into_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            // A variable with a NUL byte cannot be passed; leave it out.
            CString::new(kv).ok()
        })
        .collect::<Vec<_>>();
    let directory = match &spec.directory {
        Some(dir) => Some((
            CString::new(dir.as_os_str().as_bytes())
                .map_err(|_| nul_error("directory has an embedded null byte"))?,
            dir.as_os_str().as_bytes().to_vec(),
        )),
        None => None,
    };
    let user = plan_user(spec.user.as_deref());

    let pipes = Pipes::make(spec)?;
    let stdin_socket = match spec.stdin_socket {
        Some(fd) => Some(dup_above_2(fd).map_err(|e| pipe_error(&spec.process_name, e))?),
        None => None,
    };

    let mut plan = ChildPlan::new(filename_c, argv_c, env_c);
    plan.stdin_src = match (&stdin_socket, &pipes.child_stdin) {
        (Some(sock), _) => sock.as_raw_fd(),
        (None, Some(child_stdin)) => child_stdin.as_raw_fd(),
        (None, None) => unreachable!("stdin pipe exists whenever there is no fcgi socket"),
    };
    plan.stdout_src = pipes.child_stdout.as_raw_fd();
    plan.stderr_src = pipes.child_stderr.as_ref().unwrap_or(&pipes.child_stdout).as_raw_fd();
    plan.stdin_is_socket = stdin_socket.is_some();
    plan.user = user;
    plan.directory = directory;
    plan.umask = spec.umask.map(|m| m as libc::mode_t);

    let pid = child::launch(plan, launch_mode()).map_err(|errno| {
        SpawnError::Os(if errno == libc::EAGAIN {
            format!("Too many processes in process table to spawn '{}'", spec.process_name)
        } else {
            format!("unknown error during fork for '{}': {}", spec.process_name, errno_code(errno))
        })
    })?;
    // The child's ends (and our copy of the socket) close here, on drop.
    drop(stdin_socket);
    Ok(SpawnedChild { pid, stdin: pipes.stdin, stdout: pipes.stdout, stderr: pipes.stderr })
}

/// `RSUP_SPAWN_FORK=1` in the daemon's environment makes spawns use plain
/// fork, `RSUP_SPAWN_VFORK=1` the shared-memory clone that waits for each
/// exec, instead of the overlapped clone (safety valves, and how the tests
/// cover every way).
fn launch_mode() -> LaunchMode {
    static MODE: std::sync::OnceLock<LaunchMode> = std::sync::OnceLock::new();
    *MODE.get_or_init(|| {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| v == "1");
        if set("RSUP_SPAWN_FORK") {
            LaunchMode::Fork
        } else if set("RSUP_SPAWN_VFORK") {
            LaunchMode::Vfork
        } else {
            LaunchMode::Overlapped
        }
    })
}

/// Grows this process's fd table now to hold `fds` descriptors (capped by
/// the fd limit). Call it while the process still has one thread: the
/// kernel grows a table shared by several threads only after an RCU grace
/// period, and growing it step by step while 1000 programs start cost
/// 7 such waits (about 85 ms) on the spawning thread. The table would
/// reach this size anyway; it never shrinks.
pub fn presize_fd_table(fds: usize) {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit with a valid struct.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return;
    }
    let target = (fds as u64).min(lim.rlim_cur.saturating_sub(1)).min(1 << 20) as libc::c_int;
    if target <= 64 {
        return;
    }
    // SAFETY: duplicating our own fd onto a number nothing uses (checked
    // with F_GETFD first), then closing both.
    unsafe {
        if libc::fcntl(target, libc::F_GETFD) >= 0 {
            return; // already in use, so the table is that big already
        }
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
        if null < 0 {
            return;
        }
        if libc::dup3(null, target, libc::O_CLOEXEC) == target {
            libc::close(target);
        }
        libc::close(null);
    }
}

/// Releases what children that have exec'd (or exited) no longer need: the
/// memory prepared for them and the daemon's last copies of their pipe
/// ends. Spawning does this too; the supervisor also calls it after each
/// step so those pipe ends do not outlive a burst for long.
pub fn reclaim_finished() {
    child::reclaim();
}

/// How many started children may still be reading the memory prepared for
/// them (between clone and exec); for tests and diagnostics.
pub fn spawns_in_flight() -> usize {
    child::in_flight()
}

/// The child's environment: the daemon's own, then SUPERVISOR_ENABLED,
/// SUPERVISOR_SERVER_URL, SUPERVISOR_PROCESS_NAME, SUPERVISOR_GROUP_NAME,
/// then `environment=` (which may override those, as in supervisord), then
/// the extra variables. Later settings replace earlier ones in place.
pub fn build_environment(spec: &SpawnSpec) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    let mut set = |k: &str, v: &str| {
        let (k, v) = (OsStr::new(k), OsString::from(v));
        match env.iter_mut().find(|(key, _)| key == k) {
            Some(slot) => slot.1 = v,
            None => env.push((k.to_os_string(), v)),
        }
    };
    set("SUPERVISOR_ENABLED", "1");
    if let Some(url) = spec.server_url.as_deref().filter(|u| !u.is_empty()) {
        set("SUPERVISOR_SERVER_URL", url);
    }
    set("SUPERVISOR_PROCESS_NAME", &spec.process_name);
    set("SUPERVISOR_GROUP_NAME", &spec.group_name);
    for (k, v) in spec.environment.iter().chain(spec.extra_env.iter()) {
        set(k, v);
    }
    env
}

/// Decides the user switch in the parent (passwd/group lookups are not
/// safe after fork), with supervisord's rules and failure texts.
fn plan_user(user: Option<&str>) -> UserPlan {
    let Some(user) = user else { return UserPlan::Keep };
    let lookup = match user.parse::<u32>() {
        Ok(uid) => nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
            .ok()
            .flatten()
            .ok_or("Can't find uid"),
        Err(_) => nix::unistd::User::from_name(user).ok().flatten().ok_or("Can't find username"),
    };
    let pw = match lookup {
        Ok(pw) => pw,
        Err(what) => {
            return UserPlan::Fail {
                uid_text: user.as_bytes().to_vec(),
                // `%r` of an int is the bare number, of a name it is quoted.
                reason: match user.parse::<u32>() {
                    Ok(uid) => format!("{what} {uid}"),
                    Err(_) => format!("{what} {}", py_repr(user)),
                }
                .into_bytes(),
            }
        }
    };
    let uid = pw.uid.as_raw();
    let uid_text = uid.to_string().into_bytes();
    let current = nix::unistd::getuid().as_raw();
    if current == uid {
        return UserPlan::Keep;
    }
    if current != 0 {
        return UserPlan::Fail { uid_text, reason: b"Can't drop privilege as nonroot user".to_vec() };
    }
    let gid = pw.gid.as_raw();
    let mut groups = vec![gid];
    if let Ok(name) = CString::new(pw.name.as_bytes()) {
        if let Ok(list) = nix::unistd::getgrouplist(&name, pw.gid) {
            groups.extend(list.into_iter().map(|g| g.as_raw()).filter(|&g| g != gid));
        }
    }
    UserPlan::Switch { uid, gid, groups, uid_text }
}

/// The pipes for one child: parent ends non-blocking, all CLOEXEC, child
/// ends numbered above 2.
struct Pipes {
    stdin: Option<OwnedFd>,
    child_stdin: Option<OwnedFd>,
    stdout: OwnedFd,
    child_stdout: OwnedFd,
    stderr: Option<OwnedFd>,
    child_stderr: Option<OwnedFd>,
}

impl Pipes {
    fn make(spec: &SpawnSpec) -> Result<Pipes, SpawnError> {
        let err = |e| pipe_error(&spec.process_name, e);
        let (child_stdin, stdin) = if spec.stdin_socket.is_none() {
            let (r, w) = pipe().map_err(err)?;
            (Some(r), Some(w))
        } else {
            (None, None)
        };
        let (stdout, child_stdout) = pipe().map_err(err)?;
        let (stderr, child_stderr) = if spec.separate_stderr {
            let (r, w) = pipe().map_err(err)?;
            (Some(r), Some(w))
        } else {
            (None, None)
        };
        set_nonblocking(stdout.as_raw_fd());
        for fd in [&stdin, &stderr].into_iter().flatten() {
            set_nonblocking(fd.as_raw_fd());
        }
        Ok(Pipes { stdin, child_stdin, stdout, child_stdout, stderr, child_stderr })
    }
}

fn pipe_error(process_name: &str, e: std::io::Error) -> SpawnError {
    let errno = e.raw_os_error().unwrap_or(0);
    SpawnError::Os(if errno == libc::EMFILE {
        format!("too many open files to spawn '{process_name}'")
    } else {
        format!("unknown error making dispatchers for '{process_name}': {}", errno_code(errno))
    })
}

/// pipe2(O_CLOEXEC) → (read end, write end), both numbered above 2 so the
/// child's dup2 onto 0-2 never overwrites another source fd.
fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let (r, w) = crate::sys::pipe(libc::O_CLOEXEC)?;
    Ok((above_2(r)?, above_2(w)?))
}

fn above_2(fd: OwnedFd) -> std::io::Result<OwnedFd> {
    if fd.as_raw_fd() > 2 {
        Ok(fd)
    } else {
        dup_above_2(fd.as_raw_fd())
    }
}

/// A CLOEXEC duplicate of `fd` numbered 3 or more.
fn dup_above_2(fd: RawFd) -> std::io::Result<OwnedFd> {
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if new < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fcntl just created this fd.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

fn set_nonblocking(fd: RawFd) {
    crate::sys::set_fd_flag(fd, libc::O_NONBLOCK, true);
}
