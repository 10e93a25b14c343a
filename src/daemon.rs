//! supervisord's entry point: command line, config loading, daemonizing,
//! and wiring the supervisor task to the HTTP servers and signals.
//!
//! Order of startup, as 4.3.0: drop privileges (or warn when root), raise
//! rlimits, open the main log and write the messages gathered so far, clean
//! old AUTO child logs, add the groups, open the HTTP servers, daemonize,
//! write the pidfile, then run. Daemonizing forks before the async runtime
//! exists; the parent waits for the child to report that its servers are
//! up, so startup errors still reach the terminal with exit code 2.

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::path::PathBuf;

use tokio::sync::mpsc;

use crate::config::cli::{help_text, load_for_daemon, parse_daemon_args_for, run_check_config, DaemonArgs, Exit};
use crate::config::model::{Config, LogTarget};
use crate::logs::mainlog::{Level, MainLog};
use crate::supervisor::{Control, Outcome, Supervisor, SupervisorHandle};

/// A startup failure: supervisord's `Error: ...` / `For help` lines, exit 2.
fn usage_error(argv0: &str, msg: &str) -> Exit {
    Exit { message: format!("Error: {msg}\nFor help, use {argv0} -h\n"), code: 2 }
}

/// Entry point of the `supervisord` binary; returns the exit code.
pub fn main() -> i32 {
    let argv: Vec<String> = std::env::args().collect();
    let argv0 = argv.first().cloned().unwrap_or_else(|| "supervisord".to_string());
    let mut args = match parse_daemon_args_for(argv.get(1..).unwrap_or(&[]), &argv0) {
        Ok(a) => a,
        Err(e) => return print_exit(&e),
    };
    if args.help {
        print!("{}", help_text(&argv0));
        return 0;
    }
    if args.version {
        println!("{}", crate::supervisor::rpc::SUPERVISOR_VERSION);
        return 0;
    }
    if args.check_config {
        return run_check_config(&args, &argv0);
    }
    let config = match load_for_daemon(&args, &argv0) {
        Ok(c) => c,
        Err(e) => return print_exit(&e),
    };
    // A restart (SIGHUP) re-reads the file after daemonizing may have changed
    // the directory; 4.3.0 then looks for a relative -c path in the wrong place.
    args.configuration = Some(config.path.clone());
    let mut messages = StartupMessages::default();
    if let Err(e) = set_uid_or_exit(&config, &argv0, &mut messages) {
        return print_exit(&e);
    }
    if let Err(e) = set_rlimits_or_exit(&config, &argv0, &mut messages) {
        return print_exit(&e);
    }
    let mut ready_pipe = None;
    if !config.daemon.nodaemon {
        match daemonize_fork() {
            Ok(Some(pipe)) => ready_pipe = Some(pipe),
            Ok(None) => unreachable_parent(),
            Err(e) => return print_exit(&usage_error(&argv0, &format!("could not fork: {e}"))),
        }
    }
    // Each process holds up to 5 fds (3 pipe ends, 2 log files).
    let processes: usize = config.groups.iter().map(|g| g.processes.len()).sum();
    crate::process::spawn::presize_fd_table(processes * 5 + 64);
    // One malloc arena: the daemon's few short-lived helper threads (AUTO
    // log creation) would otherwise each leave an arena of their own behind.
    // A fixed mmap threshold: glibc otherwise raises it to the largest block
    // freed so far, and after a burst of big answers (200 clients fetching
    // 1000 processes' info at once) that memory stayed in the heap for good.
    // SAFETY: plain libc calls before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            let exit = usage_error(&argv0, &format!("could not start the runtime: {e}"));
            if ready_pipe.is_some() {
                report_ready(&mut ready_pipe, Err(&exit));
                return exit.code;
            }
            return print_exit(&exit);
        }
    };
    let code = runtime.block_on(run(args, argv0, config, messages, ready_pipe));
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    code
}

fn print_exit(e: &Exit) -> i32 {
    if e.code == 0 {
        print!("{}", e.message);
        let _ = std::io::stdout().flush();
    } else {
        eprint!("{}", e.message);
        if !e.message.ends_with('\n') {
            eprintln!();
        }
    }
    e.code
}

fn unreachable_parent() -> ! {
    std::process::exit(0)
}

/// Messages gathered before the main log exists, written when it opens.
#[derive(Default)]
struct StartupMessages {
    criticals: Vec<String>,
    warnings: Vec<String>,
    infos: Vec<String>,
}

/// The pipe on which a daemonized child tells its waiting parent whether
/// startup worked ("" = ok, else the text to print on stderr).
struct ReadyPipe(std::fs::File);

fn report_ready(pipe: &mut Option<ReadyPipe>, result: Result<(), &Exit>) {
    if let Some(ReadyPipe(mut f)) = pipe.take() {
        let msg = match result {
            Ok(()) => String::from("OK"),
            Err(e) => format!("{}{}", e.code, e.message),
        };
        let _ = f.write_all(msg.as_bytes());
    }
}

/// Forks: the parent waits for the child's report and exits with its
/// outcome; the child becomes a session leader with stdio on /dev/null.
fn daemonize_fork() -> std::io::Result<Option<ReadyPipe>> {
    let (rd, wr) = crate::sys::pipe(libc::O_CLOEXEC)?;
    // SAFETY: single-threaded here (no runtime yet).
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if pid > 0 {
        drop(wr);
        let mut f = std::fs::File::from(rd);
        let mut report = String::new();
        let _ = f.read_to_string(&mut report);
        if report == "OK" {
            std::process::exit(0);
        }
        if report.is_empty() {
            std::process::exit(0);
        }
        let code: i32 = report.chars().take_while(|c| c.is_ascii_digit()).collect::<String>().parse().unwrap_or(2);
        let msg: String = report.chars().skip_while(|c| c.is_ascii_digit()).collect();
        eprint!("{msg}");
        std::process::exit(code);
    }
    drop(rd);
    Ok(Some(ReadyPipe(std::fs::File::from(wr))))
}

/// The child side of daemonizing, done once the log is open (so the
/// messages land in it): chdir, stdio to /dev/null, setsid, umask.
fn daemonize_child(config: &Config, sup: &mut Supervisor) {
    sup.log().info("daemonizing the supervisord process");
    if let Some(dir) = &config.daemon.directory {
        let shown = crate::process::pyrepr::py_repr(&dir.to_string_lossy());
        match std::env::set_current_dir(dir) {
            Ok(()) => sup.log().info(&format!("set current directory: {shown}")),
            Err(e) => sup.log().critical(&format!(
                "can't chdir into {shown}: [Errno {}] {}: {shown}",
                e.raw_os_error().unwrap_or(0),
                e.raw_os_error().map(|c| nix::errno::Errno::from_raw(c).desc()).unwrap_or("error")
            )),
        }
    }
    if let Ok(null) = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null") {
        for fd in 0..3 {
            // SAFETY: dup2 onto the standard fds.
            unsafe { libc::dup2(null.as_raw_fd(), fd) };
        }
    }
    // SAFETY: plain syscalls.
    unsafe {
        libc::setsid();
        libc::umask(config.daemon.umask as libc::mode_t);
    }
}

fn main_log_for(config: &Config) -> Result<Option<MainLog>, String> {
    let level = Level::from_name(&config.daemon.loglevel).unwrap_or(Level::Info);
    let path: Option<PathBuf> = match &config.daemon.logfile {
        LogTarget::File(p) => Some(p.clone()),
        _ => None,
    };
    let echo = config.daemon.nodaemon && !config.daemon.silent;
    MainLog::open(path.as_deref(), config.daemon.logfile_maxbytes, config.daemon.logfile_backups, level, echo)
        .map(Some)
        .map_err(|e| format!("could not open the log file: {e}"))
}

/// One life of the daemon per loop turn: a SIGHUP or restart() re-reads the
/// config and starts over without forking again.
async fn run(
    args: DaemonArgs,
    argv0: String,
    mut config: Config,
    mut messages: StartupMessages,
    mut ready_pipe: Option<ReadyPipe>,
) -> i32 {
    let (control_tx, mut control_rx) = mpsc::unbounded_channel();
    forward_signals(control_tx);
    let mut first = true;
    loop {
        match run_once(&mut config, &argv0, &mut messages, &mut ready_pipe, first, &mut control_rx).await {
            Err(e) => {
                // A daemonized child hands the error to its waiting parent,
                // which prints it; printing here too would show it twice.
                if ready_pipe.is_some() {
                    report_ready(&mut ready_pipe, Err(&e));
                    return e.code;
                }
                return print_exit(&e);
            }
            Ok(Outcome::Shutdown) => return 0,
            Ok(Outcome::Restart) => {}
        }
        first = false;
        config = match load_for_daemon(&args, &argv0) {
            Ok(c) => c,
            Err(e) => return print_exit(&e),
        };
        messages = StartupMessages::default();
        if let Err(e) = set_uid_or_exit(&config, &argv0, &mut messages) {
            return print_exit(&e);
        }
    }
}

async fn run_once(
    config: &mut Config,
    argv0: &str,
    messages: &mut StartupMessages,
    ready_pipe: &mut Option<ReadyPipe>,
    first: bool,
    control: &mut mpsc::UnboundedReceiver<Control>,
) -> Result<Outcome, Exit> {
    let log = main_log_for(config).map_err(|m| usage_error(argv0, &m))?;
    // The supervisor keeps the only copy of the groups; the rest of this
    // function needs just the daemon-wide settings (a restart re-reads all).
    let groups = std::mem::take(&mut config.groups);
    let mut sup = Supervisor::new(Config { groups, ..config.clone() }, log);
    let config: &Config = config;
    for m in messages.criticals.drain(..) {
        sup.log().critical(&m);
    }
    for m in config.warnings.iter().chain(messages.warnings.iter()) {
        sup.log().warn(m);
    }
    messages.warnings.clear();
    for m in messages.infos.drain(..) {
        sup.log().info(&m);
    }
    // A previous life's AUTO logs may still be being created.
    crate::supervisor::autologs::wait_idle();
    if !config.daemon.nocleanup {
        for w in crate::logs::childlog::clear_auto_logs(&config.daemon.childlogdir, &config.daemon.identifier) {
            sup.log().warn(&w);
        }
    }
    sup.add_initial_groups().map_err(|m| usage_error(argv0, &m))?;

    let (handle, requests) = SupervisorHandle::channel();
    // Without any [*_http_server] section there is nothing to serve (4.3.0
    // then runs with no servers at all).
    let has_servers = config.unix_http_server.is_some() || config.inet_http_server.is_some();
    let servers = if has_servers {
        Some(crate::http::serve(config, handle).await.map_err(|m| usage_error(argv0, &m))?)
    } else {
        drop(handle);
        None
    };
    for line in crate::http::startup_log_lines(config) {
        match line.level {
            "CRIT" => sup.log().critical(&line.message),
            _ => sup.log().info(&line.message),
        }
    }
    if first && !config.daemon.nodaemon {
        daemonize_child(config, &mut sup);
    }
    let pidfile_written = write_pidfile(config, &mut sup);
    report_ready(ready_pipe, Ok(()));

    let outcome = sup.run(requests, control).await;

    // Let replies to shutdown()/restart() reach their clients first.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    if let Some(servers) = servers {
        servers.shutdown().await;
    }
    if pidfile_written {
        let _ = std::fs::remove_file(&config.daemon.pidfile);
    }
    Ok(outcome)
}

fn write_pidfile(config: &Config, sup: &mut Supervisor) -> bool {
    let pid = std::process::id();
    match std::fs::write(&config.daemon.pidfile, format!("{pid}\n")) {
        Ok(()) => {
            sup.log().info(&format!("supervisord started with pid {pid}"));
            true
        }
        Err(_) => {
            sup.log().critical(&format!("could not write pidfile {}", config.daemon.pidfile.display()));
            false
        }
    }
}

/// Turns the signals supervisord handles into messages for the supervisor.
fn forward_signals(tx: mpsc::UnboundedSender<Control>) {
    use tokio::signal::unix::{signal, SignalKind};
    for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGQUIT, libc::SIGHUP, libc::SIGUSR2] {
        let Ok(mut stream) = signal(SignalKind::from_raw(sig)) else { continue };
        let tx = tx.clone();
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                if tx.send(Control::Signal(sig)).is_err() {
                    break;
                }
            }
        });
    }
}

/// 4.3.0's set_uid_or_exit: switch to `user=` or note that root keeps root.
fn set_uid_or_exit(config: &Config, argv0: &str, messages: &mut StartupMessages) -> Result<(), Exit> {
    match &config.daemon.user {
        None => {
            // SAFETY: getuid has no preconditions.
            if unsafe { libc::getuid() } == 0 {
                messages.criticals.push(
                    "Supervisor is running as root.  Privileges were not dropped because no user is \
                     specified in the config file.  If you intend to run as root, you can set user=root \
                     in the config file to avoid this message."
                        .to_string(),
                );
            }
            Ok(())
        }
        Some(user) => match drop_privileges(user) {
            None => {
                messages.infos.push(format!("Set uid to user {} succeeded", uid_of(user).unwrap_or_default()));
                Ok(())
            }
            Some(msg) => Err(usage_error(argv0, &msg)),
        },
    }
}

fn uid_of(user: &str) -> Option<u32> {
    match user.parse::<u32>() {
        Ok(u) => Some(u),
        Err(_) => nix::unistd::User::from_name(user).ok().flatten().map(|u| u.uid.as_raw()),
    }
}

/// 4.3.0's drop_privileges: None on success, else the message.
pub fn drop_privileges(user: &str) -> Option<String> {
    use nix::unistd::{Uid, User};
    let rec = match user.parse::<u32>() {
        Ok(uid) => match User::from_uid(Uid::from_raw(uid)) {
            Ok(Some(u)) => u,
            _ => return Some(format!("Can't find uid {uid}")),
        },
        Err(_) => match User::from_name(user) {
            Ok(Some(u)) => u,
            _ => return Some(format!("Can't find username {}", crate::process::pyrepr::py_repr(user))),
        },
    };
    // SAFETY: getuid has no preconditions.
    let current = unsafe { libc::getuid() };
    if current == rec.uid.as_raw() {
        return None;
    }
    if current != 0 {
        return Some("Can't drop privilege as nonroot user".to_string());
    }
    let cname = match std::ffi::CString::new(rec.name.as_bytes()) {
        Ok(c) => c,
        Err(_) => return Some("Could not set groups of effective user".to_string()),
    };
    let mut groups: Vec<libc::gid_t> = vec![0; 256];
    let mut n: libc::c_int = groups.len() as libc::c_int;
    // SAFETY: buffer and count are valid; getgrouplist fills at most n.
    let rc = unsafe { libc::getgrouplist(cname.as_ptr(), rec.gid.as_raw(), groups.as_mut_ptr(), &mut n) };
    if rc < 0 {
        groups.truncate(0);
        groups.push(rec.gid.as_raw());
    } else {
        groups.truncate(n as usize);
    }
    // SAFETY: plain syscalls with valid arguments.
    unsafe {
        if libc::setgroups(groups.len(), groups.as_ptr()) != 0 {
            return Some("Could not set groups of effective user".to_string());
        }
        if libc::setgid(rec.gid.as_raw()) != 0 {
            return Some("Could not set group id of effective user".to_string());
        }
        if libc::setuid(rec.uid.as_raw()) != 0 {
            return Some("Could not set user id of effective user".to_string());
        }
    }
    None
}

/// 4.3.0's set_rlimits_or_exit: raise RLIMIT_NOFILE/NPROC to minfds/minprocs.
fn set_rlimits_or_exit(config: &Config, argv0: &str, messages: &mut StartupMessages) -> Result<(), Exit> {
    let limits = [
        (
            libc::RLIMIT_NOFILE,
            "RLIMIT_NOFILE",
            config.daemon.minfds,
            "The minimum number of file descriptors required to run this process is {min} as per the \
             \"minfds\" command-line argument or config file setting. The current environment will only \
             allow you to open {hard} file descriptors.  Either raise the number of usable file descriptors \
             in your environment (see README.rst) or lower the minfds setting in the config file to allow \
             the process to start.",
        ),
        (
            libc::RLIMIT_NPROC,
            "RLIMIT_NPROC",
            config.daemon.minprocs,
            "The minimum number of available processes required to run this program is {min} as per the \
             \"minprocs\" command-line argument or config file setting. The current environment will only \
             allow you to open {hard} processes.  Either raise the number of usable processes in your \
             environment (see README.rst) or lower the minprocs setting in the config file to allow the \
             program to start.",
        ),
    ];
    for (res, name, min, msg) in limits {
        let mut rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit fills rl.
        if unsafe { libc::getrlimit(res, &mut rl) } != 0 {
            continue;
        }
        let soft = rl.rlim_cur;
        let mut hard = rl.rlim_max;
        if soft != libc::RLIM_INFINITY && soft < min {
            if hard != libc::RLIM_INFINITY && hard < min {
                hard = min;
            }
            let new = libc::rlimit { rlim_cur: min, rlim_max: hard };
            // SAFETY: setrlimit with a valid struct.
            if unsafe { libc::setrlimit(res, &new) } == 0 {
                messages.infos.push(format!("Increased {name} limit to {min}"));
            } else {
                let text = msg.replace("{min}", &min.to_string()).replace("{hard}", &hard.to_string());
                return Err(usage_error(argv0, &text));
            }
        }
    }
    Ok(())
}
