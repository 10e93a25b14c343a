//! Opening the listening sockets the way supervisord 4.3.0 does: the unix
//! socket is bound under a temporary name, chmod'ed, then hard-linked into
//! place (so a live server's socket is never replaced), a stale socket is
//! removed, and the socket is chown'ed; the TCP socket accepts every address
//! form of `[inet_http_server] port=`. Errors carry supervisord's messages.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::socket::{self, AddressFamily, Backlog, SockFlag, SockType, UnixAddr};
use tokio::net::{TcpListener, TcpSocket, UnixListener};

use crate::config::{InetHttpConfig, UnixHttpConfig};

/// supervisord listens with this backlog.
const BACKLOG: i32 = 1024;

/// How often a stale socket is removed and the bind retried before giving up
/// (supervisord retries forever, which hangs on an unremovable file).
const STALE_RETRIES: usize = 5;

/// The message supervisord prints when a port or socket is taken.
pub const ADDRESS_IN_USE: &str = "Another program is already listening on a port that one of our HTTP \
servers is configured to use.  Shut this program down first before starting supervisord.";

/// supervisord's message for any other socket error.
fn socket_error(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(n) if n == libc::EADDRINUSE => ADDRESS_IN_USE.to_string(),
        Some(n) => {
            let name = format!("{:?}", Errno::from_raw(n));
            if name == "UnknownErrno" {
                format!("Cannot open an HTTP server: socket.error reported {n}")
            } else {
                format!("Cannot open an HTTP server: socket.error reported errno.{name} ({n})")
            }
        }
        None => format!("Cannot open an HTTP server: {e}"),
    }
}

fn errno_error(e: Errno) -> String {
    socket_error(&std::io::Error::from_raw_os_error(e as i32))
}

/// Binds `[inet_http_server]`: an empty or `*` host means every IPv4
/// interface, as in supervisord; a name is resolved.
pub async fn bind_tcp(cfg: &InetHttpConfig) -> Result<TcpListener, String> {
    let host = cfg.host.trim();
    let addr: SocketAddr = if host.is_empty() || host == "*" {
        SocketAddr::from(([0, 0, 0, 0], cfg.port))
    } else {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let mut addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, cfg.port))
            .await
            .map_err(|_| format!("Cannot open an HTTP server: could not resolve host {host:?}"))?
            .collect();
        // supervisord is IPv4-only; prefer an IPv4 address when a name has both.
        addrs.sort_by_key(|a| !a.is_ipv4());
        *addrs.first().ok_or_else(|| format!("Cannot open an HTTP server: could not resolve host {host:?}"))?
    };
    let sock = if addr.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() }.map_err(|e| socket_error(&e))?;
    sock.set_reuseaddr(true).map_err(|e| socket_error(&e))?;
    sock.bind(addr).map_err(|e| socket_error(&e))?;
    sock.listen(BACKLOG as u32).map_err(|e| socket_error(&e))
}

/// Binds `[unix_http_server]` at its final path, with its mode and owner.
/// A socket file nobody answers on is replaced (supervisord prints
/// "Unlinking stale socket <path>" on stderr); one that answers is an
/// "already listening" error.
pub async fn bind_unix(cfg: &UnixHttpConfig) -> Result<UnixListener, String> {
    let path = cfg.file.as_path();
    let tempname = format!("{}.{}", path.display(), std::process::id());
    let tempname = Path::new(&tempname);
    let _ = std::fs::remove_file(tempname);
    let mut attempts = 0;
    let listener = loop {
        let bound = bind_temp_and_link(tempname, path, cfg.chmod);
        let _ = std::fs::remove_file(tempname);
        match bound? {
            Some(listener) => break listener,
            None => {
                if socket_in_use(path).await {
                    return Err(ADDRESS_IN_USE.to_string());
                }
                attempts += 1;
                if attempts > STALE_RETRIES {
                    return Err(format!(
                        "Cannot open an HTTP server: could not replace the stale socket file {}",
                        path.display()
                    ));
                }
                eprintln!("Unlinking stale socket {}", path.display());
                let _ = std::fs::remove_file(path);
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    };
    if let Some((uid, gid)) = cfg.chown {
        chown_socket(path, uid, gid)?;
    }
    Ok(listener)
}

/// Binds and listens on `tempname`, sets its mode, and hard-links it to
/// `path`. None when `path` already exists (a live or stale socket).
fn bind_temp_and_link(tempname: &Path, path: &Path, mode: u32) -> Result<Option<UnixListener>, String> {
    let fd = socket::socket(
        AddressFamily::Unix,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
        None,
    )
    .map_err(errno_error)?;
    let addr = UnixAddr::new(tempname).map_err(|e| match e {
        // Python's socket module words this one itself.
        Errno::ENAMETOOLONG => "Cannot open an HTTP server: socket.error reported AF_UNIX path too long".to_string(),
        other => errno_error(other),
    })?;
    socket::bind(std::os::fd::AsRawFd::as_raw_fd(&fd), &addr).map_err(errno_error)?;
    std::fs::set_permissions(tempname, std::fs::Permissions::from_mode(mode)).map_err(|e| socket_error(&e))?;
    let backlog = Backlog::new(BACKLOG).map_err(errno_error)?;
    socket::listen(&fd, backlog).map_err(errno_error)?;
    if let Err(e) = std::fs::hard_link(tempname, path) {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            return Ok(None);
        }
        return Err(socket_error(&e));
    }
    let std_listener = std::os::unix::net::UnixListener::from(fd);
    UnixListener::from_std(std_listener).map(Some).map_err(|e| socket_error(&e))
}

/// Whether something listens on the socket at `path`. supervisord sends a
/// request and waits for a byte; a successful connect already proves a
/// listener (a stale socket file refuses connections), and not waiting
/// keeps a hung server from being mistaken for a stale file.
async fn socket_in_use(path: &Path) -> bool {
    let connect = tokio::net::UnixStream::connect(path);
    matches!(tokio::time::timeout(Duration::from_secs(5), connect).await, Ok(Ok(_)))
}

/// chown's the socket; `u32::MAX` for either id leaves it unchanged (the
/// `-1` of `chown=user` without a group).
fn chown_socket(path: &Path, uid: u32, gid: u32) -> Result<(), String> {
    let user = (uid != u32::MAX).then(|| nix::unistd::Uid::from_raw(uid));
    let group = (gid != u32::MAX).then(|| nix::unistd::Gid::from_raw(gid));
    match nix::unistd::chown(path, user, group) {
        Ok(()) => Ok(()),
        Err(Errno::EPERM) => {
            let me = nix::unistd::User::from_uid(nix::unistd::geteuid())
                .ok()
                .flatten()
                .map(|u| u.name)
                .unwrap_or_else(|| nix::unistd::geteuid().to_string());
            let show = |id: u32| if id == u32::MAX { "-1".to_string() } else { id.to_string() };
            let _ = std::fs::remove_file(path);
            Err(format!(
                "Not permitted to chown {} to uid/gid ({}, {}); adjust \"sockchown\" value in config file or on \
                 command line to values that the current user ({}) can successfully chown",
                path.display(),
                show(uid),
                show(gid),
                me
            ))
        }
        Err(e) => {
            let _ = std::fs::remove_file(path);
            Err(errno_error(e))
        }
    }
}
