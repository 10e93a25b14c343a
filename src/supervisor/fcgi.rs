//! fcgi-program sockets: created once per group by the daemon (tcp:// or
//! unix://, with socket_owner, socket_mode, socket_backlog and
//! socket_reuseaddr) and handed to every process of the group as fd 0.

use std::ffi::CString;
use std::io;
use std::net::ToSocketAddrs;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use crate::config::model::FcgiSocketConfig;

fn cvt(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// Creates, binds and listens on the group's socket.
pub fn create_socket(cfg: &FcgiSocketConfig) -> io::Result<OwnedFd> {
    let backlog = cfg.backlog.unwrap_or(libc::SOMAXCONN);
    if let Some(path) = cfg.url.strip_prefix("unix://") {
        create_unix(path, cfg, backlog)
    } else if let Some(addr) = cfg.url.strip_prefix("tcp://") {
        create_tcp(addr, cfg.reuseaddr, backlog)
    } else {
        Err(io::Error::new(io::ErrorKind::InvalidInput, format!("unsupported socket url {}", cfg.url)))
    }
}

fn new_socket(domain: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: socket(2) returns a new fd we take ownership of.
    let fd: RawFd = cvt(unsafe { libc::socket(domain, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) })?;
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn create_tcp(addr: &str, reuseaddr: bool, backlog: i32) -> io::Result<OwnedFd> {
    use std::os::fd::AsRawFd;
    let sa = addr
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address"))?;
    let sock = socket2_like(&sa)?;
    if reuseaddr {
        let one: libc::c_int = 1;
        // SAFETY: setsockopt with a valid int option.
        cvt(unsafe {
            libc::setsockopt(
                sock.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_REUSEADDR,
                &one as *const _ as *const libc::c_void,
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        })?;
    }
    let (storage, len) = sockaddr_of(&sa);
    // SAFETY: storage holds a valid sockaddr of length len.
    cvt(unsafe { libc::bind(sock.as_raw_fd(), &storage as *const _ as *const libc::sockaddr, len) })?;
    cvt(unsafe { libc::listen(sock.as_raw_fd(), backlog) })?;
    Ok(sock)
}

fn socket2_like(sa: &std::net::SocketAddr) -> io::Result<OwnedFd> {
    new_socket(if sa.is_ipv4() { libc::AF_INET } else { libc::AF_INET6 })
}

fn sockaddr_of(sa: &std::net::SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: zeroed sockaddr_storage is a valid starting value.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    match sa {
        std::net::SocketAddr::V4(v4) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: v4.port().to_be(),
                sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(v4.ip().octets()) },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_in fits in sockaddr_storage.
            unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in, sin) };
            (storage, std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t)
        }
        std::net::SocketAddr::V6(v6) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: v6.port().to_be(),
                sin6_flowinfo: v6.flowinfo(),
                sin6_addr: libc::in6_addr { s6_addr: v6.ip().octets() },
                sin6_scope_id: v6.scope_id(),
            };
            // SAFETY: sockaddr_in6 fits in sockaddr_storage.
            unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in6, sin6) };
            (storage, std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t)
        }
    }
}

fn create_unix(path: &str, cfg: &FcgiSocketConfig, backlog: i32) -> io::Result<OwnedFd> {
    use std::os::fd::AsRawFd;
    let _ = std::fs::remove_file(path);
    let sock = new_socket(libc::AF_UNIX)?;
    // SAFETY: zeroed sockaddr_un is valid; we copy at most sun_path.len()-1 bytes.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let bytes = path.as_bytes();
    if bytes.len() >= addr.sun_path.len() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "socket path too long"));
    }
    for (i, b) in bytes.iter().enumerate() {
        addr.sun_path[i] = *b as libc::c_char;
    }
    let len = std::mem::size_of::<libc::sa_family_t>() + bytes.len() + 1;
    cvt(unsafe { libc::bind(sock.as_raw_fd(), &addr as *const _ as *const libc::sockaddr, len as libc::socklen_t) })?;
    cvt(unsafe { libc::listen(sock.as_raw_fd(), backlog) })?;
    let cpath = CString::new(path).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in path"))?;
    if let Some(mode) = cfg.mode {
        cvt(unsafe { libc::chmod(cpath.as_ptr(), mode as libc::mode_t) })?;
    }
    if let Some((uid, gid)) = cfg.owner {
        cvt(unsafe { libc::chown(cpath.as_ptr(), uid, gid) })?;
    }
    Ok(sock)
}
