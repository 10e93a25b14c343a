//! Spawning children: environment, directory, umask, process group, fds,
//! PATH lookup, supervisord's error texts, redirect_stderr, fcgi stdin.

use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::PathBuf;

use rsupervisor::process::spawn::{spawn, SpawnError, SpawnSpec, SpawnedChild};

fn spec(command: &str) -> SpawnSpec {
    SpawnSpec {
        command: command.to_string(),
        process_name: "proc".into(),
        group_name: "grp".into(),
        directory: None,
        umask: None,
        user: None,
        environment: vec![],
        server_url: None,
        extra_env: vec![],
        separate_stderr: true,
        stdin_socket: None,
    }
}

/// Reads a non-blocking pipe to EOF, polling with a deadline.
fn read_all(fd: &OwnedFd) -> String {
    let mut out = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut buf = [0u8; 4096];
    loop {
        let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n > 0 {
            out.extend_from_slice(&buf[..n as usize]);
        } else if n == 0 {
            break;
        } else {
            let e = std::io::Error::last_os_error();
            assert_eq!(e.raw_os_error(), Some(libc::EAGAIN), "read failed: {e}");
            assert!(std::time::Instant::now() < deadline, "child output never ended");
            let mut pfd = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
            unsafe { libc::poll(&mut pfd, 1, 100) };
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Output of a child that runs to completion, and its exit code.
struct Finished {
    stdout: String,
    stderr: String,
    code: i32,
}

fn wait(pid: i32) -> i32 {
    let mut status = 0;
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status), "child did not exit normally: {status}");
    libc::WEXITSTATUS(status)
}

fn finish(child: SpawnedChild) -> Finished {
    drop(child.stdin);
    let stdout = read_all(&child.stdout);
    let stderr = child.stderr.as_ref().map(read_all).unwrap_or_default();
    Finished { stdout, stderr, code: wait(child.pid) }
}

fn run(s: &SpawnSpec) -> Finished {
    finish(spawn(s).expect("spawn failed"))
}

#[test]
fn sh_child_output_and_exit_code() {
    let r = run(&spec("sh -c 'echo out; echo err >&2; exit 3'"));
    assert_eq!(r.stdout, "out\n");
    assert_eq!(r.stderr, "err\n");
    assert_eq!(r.code, 3);
}

#[test]
fn environment_has_supervisor_variables_and_config_values() {
    let mut s = spec("sh -c 'env'");
    s.environment = vec![("FOO".into(), "bar baz".into()), ("SUPERVISOR_GROUP_NAME".into(), "over".into())];
    s.server_url = Some("unix:///tmp/x.sock".into());
    s.extra_env = vec![("SUPERVISOR_USERNAME".into(), "u".into())];
    let r = run(&s);
    let lines: Vec<&str> = r.stdout.lines().collect();
    for want in [
        "SUPERVISOR_ENABLED=1",
        "SUPERVISOR_PROCESS_NAME=proc",
        "SUPERVISOR_GROUP_NAME=over",
        "SUPERVISOR_SERVER_URL=unix:///tmp/x.sock",
        "FOO=bar baz",
        "SUPERVISOR_USERNAME=u",
    ] {
        assert!(lines.contains(&want), "missing {want} in {lines:?}");
    }
    // Inherited from the daemon.
    let path = std::env::var("PATH").unwrap();
    assert!(lines.contains(&format!("PATH={path}").as_str()));
    // No server URL given: not set.
    let r = run(&spec("sh -c 'env'"));
    assert!(!r.stdout.contains("SUPERVISOR_SERVER_URL="));
    assert!(r.stdout.lines().any(|l| l == "SUPERVISOR_GROUP_NAME=grp"));
}

#[test]
fn directory_and_umask() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec("sh -c 'pwd; umask'");
    s.directory = Some(dir.path().to_path_buf());
    s.umask = Some(0o027);
    let r = run(&s);
    let canon = dir.path().canonicalize().unwrap();
    assert_eq!(r.stdout, format!("{}\n0027\n", canon.display()));
}

#[test]
fn bad_directory_is_reported_by_the_child() {
    let mut s = spec("/bin/true");
    s.directory = Some(PathBuf::from("/nonexistent/dir"));
    let r = run(&s);
    assert_eq!(r.code, 127);
    assert_eq!(
        r.stderr,
        "supervisor: couldn't chdir to /nonexistent/dir: ENOENT\n\
         supervisor: child process was not spawned\n"
    );
}

#[test]
fn child_leads_its_own_process_group() {
    let child = spawn(&spec("sh -c 'cat /proc/self/stat'")).unwrap();
    let pid = child.pid;
    let r = finish(child);
    // Fields after the command name: state ppid pgrp session ...
    let after = r.stdout.rsplit_once(')').unwrap().1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // `sh` execs `cat` as its last command, so this is our child.
    assert_eq!(fields[2], pid.to_string(), "pgrp should be the child's pid: {}", r.stdout);
}

#[test]
fn only_fds_0_1_2_reach_the_child() {
    // Open an fd without CLOEXEC in the parent to make sure it is not leaked.
    let leaky = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY) };
    assert!(leaky >= 0);
    let r = run(&spec("sh -c 'ls /proc/$$/fd'"));
    unsafe { libc::close(leaky) };
    let mut fds: Vec<i32> = r.stdout.split_whitespace().map(|f| f.parse().unwrap()).collect();
    fds.sort();
    // ls itself opens the directory (one more fd) in its own process, not sh's.
    assert_eq!(fds, vec![0, 1, 2], "{}", r.stdout);
}

#[test]
fn only_fds_0_1_2_for_a_sleeping_child() {
    let child = spawn(&spec("sleep 30")).unwrap();
    let mut fds: Vec<i32> = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    // Poll until exec has happened (comm becomes "sleep").
    loop {
        let comm = std::fs::read_to_string(format!("/proc/{}/comm", child.pid)).unwrap_or_default();
        if comm.trim() == "sleep" {
            break;
        }
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // Right after exec the dynamic loader briefly opens the libraries (fd 3
    // for a moment): look until the list settles.
    loop {
        fds.clear();
        for e in std::fs::read_dir(format!("/proc/{}/fd", child.pid)).unwrap() {
            fds.push(e.unwrap().file_name().to_str().unwrap().parse().unwrap());
        }
        fds.sort();
        if fds == [0, 1, 2] || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    unsafe { libc::kill(child.pid, libc::SIGKILL) };
    let mut status = 0;
    unsafe { libc::waitpid(child.pid, &mut status, 0) };
    assert_eq!(fds, vec![0, 1, 2]);
    // Parent ends are non-blocking and close-on-exec.
    for fd in [Some(&child.stdout), child.stdin.as_ref(), child.stderr.as_ref()].into_iter().flatten() {
        let fl = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
        assert!(fl & libc::O_NONBLOCK != 0);
        let fdfl = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
        assert!(fdfl & libc::FD_CLOEXEC != 0);
    }
}

#[test]
fn stdin_pipe_reaches_the_child() {
    let child = spawn(&spec("cat")).unwrap();
    let stdin = child.stdin.as_ref().unwrap();
    let n = unsafe { libc::write(stdin.as_raw_fd(), b"hello\n".as_ptr().cast(), 6) };
    assert_eq!(n, 6);
    let r = finish(child);
    assert_eq!(r.stdout, "hello\n");
    assert_eq!(r.code, 0);
}

#[test]
fn path_lookup_uses_the_configured_path() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("myprog");
    std::fs::write(&script, "#!/bin/sh\necho found me\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    // Not on the daemon's PATH.
    assert!(matches!(spawn(&spec("myprog")), Err(SpawnError::NotFound(m)) if m == "can't find command 'myprog'"));
    let mut s = spec("myprog");
    s.environment = vec![("PATH".into(), format!("/nonexistent:{}:/usr/bin:/bin", dir.path().display()))];
    let r = run(&s);
    assert_eq!(r.stdout, "found me\n");
}

#[test]
fn pre_fork_errors_have_supervisord_texts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let noexec = dir.path().join("noexec");
    std::fs::write(&noexec, "x").unwrap();
    let err = |c: &str| spawn(&spec(c)).unwrap_err().to_string();
    assert_eq!(err(""), "command is empty");
    assert_eq!(err("   "), "command is empty");
    assert_eq!(err("/no/such/thing -x"), "can't find command '/no/such/thing'");
    assert_eq!(err("no_such_prog_xyz"), "can't find command 'no_such_prog_xyz'");
    assert_eq!(err(&d), format!("command at '{d}' is a directory"));
    assert_eq!(err(&format!("{d}/noexec")), format!("command at '{d}/noexec' is not executable"));
    assert_eq!(err("echo 'unterminated"), "can't parse command \"echo 'unterminated\": No closing quotation");
    assert_eq!(err("echo x\\"), "can't parse command 'echo x\\\\': No escaped character");
    // A directory found first on PATH is reported, not skipped.
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let mut s = spec("sub");
    s.environment = vec![("PATH".into(), format!("{d}:/bin:/usr/bin"))];
    assert_eq!(spawn(&s).unwrap_err().to_string(), format!("command at '{d}/sub' is a directory"));
}

#[test]
fn no_permission_to_run_as_another_user() {
    // As root, access(X_OK) succeeds whenever any x bit is set; the
    // no-permission case needs an unprivileged user, which we check only
    // when not root.
    if unsafe { libc::geteuid() } == 0 {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("p");
    std::fs::write(&f, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(0o001)).unwrap();
    let e = spawn(&spec(f.to_str().unwrap())).unwrap_err().to_string();
    assert_eq!(e, format!("no permission to run command '{}'", f.display()));
}

#[test]
fn exec_failure_is_written_by_the_child() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("badexec");
    // Executable bit but not a valid executable format nor script.
    std::fs::write(&f, [0x7f, b'E', b'L', b'F', 0, 0, 0, 0]).unwrap();
    std::fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    // Other tests spawn children at the same time; one of them can hold a
    // copy of our just-closed write fd for a moment (until its own fds are
    // closed before exec), and exec then fails with ETXTBSY. Try again.
    let mut r = run(&spec(f.to_str().unwrap()));
    for _ in 0..20 {
        if !r.stderr.contains("ETXTBSY") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        r = run(&spec(f.to_str().unwrap()));
    }
    assert_eq!(r.code, 127);
    assert_eq!(
        r.stderr,
        format!(
            "supervisor: couldn't exec {}: ENOEXEC\nsupervisor: child process was not spawned\n",
            f.display()
        )
    );
}

#[test]
fn redirect_stderr_sends_both_to_stdout() {
    let mut s = spec("sh -c 'echo a; echo b >&2'");
    s.separate_stderr = false;
    let child = spawn(&s).unwrap();
    assert!(child.stderr.is_none());
    let r = finish(child);
    assert_eq!(r.stdout, "a\nb\n");
    // In-child failures go to stdout then.
    let mut s = spec("/bin/true");
    s.separate_stderr = false;
    s.directory = Some(PathBuf::from("/nonexistent"));
    let r = run(&s);
    assert!(r.stdout.starts_with("supervisor: couldn't chdir to /nonexistent: ENOENT\n"));
}

#[test]
fn fcgi_socket_becomes_stdin() {
    use std::os::unix::net::{UnixListener, UnixStream};
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("fcgi.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    listener.set_nonblocking(true).unwrap();
    let mut s = spec("python3 -c 'import socket,sys; s=socket.socket(fileno=0); c,_=s.accept(); c.sendall(b\"hi from fcgi\"); c.close()'");
    // Fall back to a check with /proc if python3 is absent.
    if spawn(&spec("python3 -c pass")).map(finish).map(|r| r.code).unwrap_or(1) != 0 {
        s = spec("sh -c 'readlink /proc/self/fd/0'");
    }
    s.stdin_socket = Some(listener.as_raw_fd());
    let child = spawn(&s).unwrap();
    assert!(child.stdin.is_none());
    if s.command.starts_with("python3") {
        let mut conn = UnixStream::connect(&sock).unwrap();
        conn.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
        let mut got = String::new();
        conn.read_to_string(&mut got).unwrap();
        assert_eq!(got, "hi from fcgi");
        let r = finish(child);
        assert_eq!(r.code, 0, "{}", r.stderr);
    } else {
        let r = finish(child);
        assert!(r.stdout.starts_with("socket:"), "{}", r.stdout);
    }
}

#[test]
fn user_switch_as_root() {
    if unsafe { libc::geteuid() } != 0 {
        // Not root: supervisord refuses to switch.
        let mut s = spec("/bin/true");
        s.user = Some("0".into());
        let r = run(&s);
        assert_eq!(r.code, 127);
        assert_eq!(
            r.stderr,
            "supervisor: couldn't setuid to 0: Can't drop privilege as nonroot user\n\
             supervisor: child process was not spawned\n"
        );
        return;
    }
    let Some(nobody) = nix::unistd::User::from_name("nobody").unwrap() else { return };
    let mut s = spec("sh -c 'id -u; id -g'");
    s.user = Some("nobody".into());
    let r = run(&s);
    assert_eq!(r.stdout, format!("{}\n{}\n", nobody.uid, nobody.gid), "{}", r.stderr);
    // The switch happened in the child only: this process and its other
    // threads keep their ids (the child shares our memory until exec).
    assert_eq!(unsafe { libc::geteuid() }, 0);
    assert_eq!(std::thread::spawn(|| unsafe { libc::geteuid() }).join().unwrap(), 0);
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    assert!(status.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().skip(1).all(|u| u == "0")));
    // Same user as the daemon: nothing to do.
    let mut s = spec("id -u");
    s.user = Some("root".into());
    assert_eq!(run(&s).stdout, "0\n");
}

#[test]
fn sigpipe_is_default_in_the_child() {
    let r = run(&spec("sh -c 'grep SigIgn /proc/self/status'"));
    let mask = u64::from_str_radix(r.stdout.split_whitespace().nth(1).unwrap(), 16).unwrap();
    assert_eq!(mask & (1 << (libc::SIGPIPE - 1)), 0, "{}", r.stdout);
}

#[test]
fn many_concurrent_spawns_from_several_threads() {
    let threads: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..40 {
                    let r = run(&spec(&format!("sh -c 'echo {t}-{i}'")));
                    assert_eq!(r.stdout, format!("{t}-{i}\n"));
                    assert_eq!(r.code, 0);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn burst_beyond_the_overlapped_slots() {
    // More children at once than there are overlapped-clone slots (64):
    // the excess goes through the waiting clone, and every child still gets
    // its own argv, environment and pipes.
    let children: Vec<_> = (0..150)
        .map(|i| {
            let mut s = spec(&format!("sh -c 'echo $N-{i}'"));
            s.environment = vec![("N".into(), format!("n{i}"))];
            (i, spawn(&s).expect("spawn failed"))
        })
        .collect();
    for (i, child) in children {
        let r = finish(child);
        assert_eq!(r.stdout, format!("n{i}-{i}\n"));
        assert_eq!(r.code, 0);
    }
    // Every child has exec'd or exited, so none can still be reading the
    // memory prepared for it (other tests may be spawning: poll).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while rsupervisor::process::spawn::spawns_in_flight() != 0 {
        assert!(std::time::Instant::now() < deadline, "spawn slots never released");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Runs this whole file again with `var=1` in the environment.
fn rerun_with(var: &str) {
    if std::env::var_os("RSUP_SPAWN_FORK").is_some() || std::env::var_os("RSUP_SPAWN_VFORK").is_some() {
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--test-threads=2", "--skip", "fallback_passes_the_same_tests"])
        .env(var, "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn plain_fork_fallback_passes_the_same_tests() {
    rerun_with("RSUP_SPAWN_FORK");
}

#[test]
fn waiting_clone_fallback_passes_the_same_tests() {
    rerun_with("RSUP_SPAWN_VFORK");
}
