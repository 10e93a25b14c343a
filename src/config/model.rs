//! The resolved configuration: what a supervisord.conf means once parsed,
//! expanded and type-checked. The parser (the rest of `config/`) produces
//! these values; the supervisor, HTTP servers and supervisorctl consume them.
//!
//! Field names follow supervisor 4.3.0's option names so that `--check-config`
//! JSON can be compared field by field with what supervisor's own parser
//! resolves (python-harness/dump_config.py).

use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Where a child's stdout or stderr goes (`stdout_logfile=`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogTarget {
    /// `AUTO`: a file in childlogdir named by supervisord's rule, created at start.
    Auto,
    /// `NONE` (or an empty value): the output is read and discarded.
    None,
    /// A path: a regular file, or a special file such as /dev/stdout.
    File(PathBuf),
    /// `syslog` given as the logfile (4.3.0 warns it is deprecated but honours it).
    Syslog,
}

/// One output channel's options (the `stdout_*` or `stderr_*` family).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelConfig {
    pub logfile: LogTarget,
    pub logfile_maxbytes: u64,
    pub logfile_backups: u32,
    pub capture_maxbytes: u64,
    pub events_enabled: bool,
    pub syslog: bool,
}

/// `autorestart=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoRestart {
    Never,
    Unexpected,
    Always,
}

/// The options of one process (one entry of a program's numprocs expansion).
/// Equality is supervisord's: two configs are equal when every option is equal,
/// except that an `AUTO` log target on either side matches anything.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessConfig {
    pub name: String,
    pub command: String,
    /// `user=` resolved to a uid (None when not given).
    pub uid: Option<u32>,
    /// The user name as written, for messages and setgid/initgroups.
    pub user: Option<String>,
    pub directory: Option<PathBuf>,
    pub umask: Option<u32>,
    pub priority: i64,
    pub autostart: bool,
    pub autorestart: AutoRestart,
    pub startsecs: u64,
    pub startretries: u32,
    pub stdout: ChannelConfig,
    pub stderr: ChannelConfig,
    /// Signal number (e.g. 15 for TERM).
    pub stopsignal: i32,
    pub stopwaitsecs: u64,
    pub stopasgroup: bool,
    pub killasgroup: bool,
    pub exitcodes: Vec<i32>,
    pub redirect_stderr: bool,
    /// `environment=` pairs, in the order given (None when not given).
    pub environment: Option<Vec<(String, String)>>,
    /// The SUPERVISOR_SERVER_URL this process gets (None: the variable is
    /// not set): `serverurl=` when given (and not AUTO), else
    /// `Config::server_url()`; an empty `serverurl=` sets nothing. Shared
    /// (one copy for all the processes that fall back to the same URL).
    pub serverurl: Option<Arc<str>>,
    /// This process's number within its program's numprocs expansion.
    pub process_num: i64,
}

impl PartialEq for ProcessConfig {
    fn eq(&self, other: &Self) -> bool {
        fn chan_eq(a: &ChannelConfig, b: &ChannelConfig) -> bool {
            let targets = a.logfile == b.logfile
                || a.logfile == LogTarget::Auto
                || b.logfile == LogTarget::Auto;
            targets
                && a.logfile_maxbytes == b.logfile_maxbytes
                && a.logfile_backups == b.logfile_backups
                && a.capture_maxbytes == b.capture_maxbytes
                && a.events_enabled == b.events_enabled
                && a.syslog == b.syslog
        }
        self.name == other.name
            && self.command == other.command
            && self.uid == other.uid
            && self.directory == other.directory
            && self.umask == other.umask
            && self.priority == other.priority
            && self.autostart == other.autostart
            && self.autorestart == other.autorestart
            && self.startsecs == other.startsecs
            && self.startretries == other.startretries
            && chan_eq(&self.stdout, &other.stdout)
            && chan_eq(&self.stderr, &other.stderr)
            && self.stopsignal == other.stopsignal
            && self.stopwaitsecs == other.stopwaitsecs
            && self.stopasgroup == other.stopasgroup
            && self.killasgroup == other.killasgroup
            && self.exitcodes == other.exitcodes
            && self.redirect_stderr == other.redirect_stderr
            && self.environment == other.environment
            && self.serverurl == other.serverurl
    }
}

/// `[fcgi-program:x] socket=`: the socket the daemon creates and hands to
/// every process of the group as fd 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FcgiSocketConfig {
    /// As written after expansion: `tcp://host:port` or `unix:///path`.
    pub url: String,
    pub owner: Option<(u32, u32)>,
    pub mode: Option<u32>,
    pub backlog: Option<i32>,
    pub reuseaddr: bool,
}

/// What kind of group a section made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum GroupKind {
    /// `[program:x]` (a homogeneous group) or `[group:x]`.
    Programs,
    /// `[eventlistener:x]`: a listener pool.
    EventListenerPool {
        buffer_size: usize,
        /// Event type names from `events=`: upper-cased, validated, sorted,
        /// without duplicates.
        events: Vec<String>,
        result_handler: String,
    },
    /// `[fcgi-program:x]`.
    Fcgi { socket: FcgiSocketConfig },
}

/// A process group: the unit that reread/update add, change and remove.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupConfig {
    pub name: String,
    pub priority: i64,
    pub kind: GroupKind,
    /// Shared with the supervisor's running processes: one copy of each
    /// process's settings for the daemon's whole life.
    pub processes: Vec<Arc<ProcessConfig>>,
}

impl Config {
    /// The SUPERVISOR_SERVER_URL children get when their program has no
    /// `serverurl=`: the first unix socket server, else the inet server
    /// (`localhost` when it listens on all interfaces), else none.
    pub fn server_url(&self) -> Option<String> {
        if let Some(u) = &self.unix_http_server {
            return Some(format!("unix://{}", u.file.display()));
        }
        self.inet_http_server.as_ref().map(|i| {
            let host = if i.host.is_empty() { "localhost" } else { i.host.as_str() };
            format!("http://{}:{}", host, i.port)
        })
    }
}

/// `[unix_http_server]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnixHttpConfig {
    pub file: PathBuf,
    pub chmod: u32,
    /// chown=user[:group] resolved to (uid, gid); a group left out is
    /// u32::MAX, which chown(2) reads as "unchanged".
    pub chown: Option<(u32, u32)>,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// `[inet_http_server]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InetHttpConfig {
    /// Host part, lower-cased; empty (written as `*` or nothing) means all
    /// interfaces.
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// `[rpcinterface:x]` sections. Only supervisor's own factory can work in a
/// Rust daemon; others are kept so we can warn about them by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RpcInterfaceConfig {
    pub name: String,
    pub factory: String,
    pub is_builtin: bool,
}

/// `[supervisorctl]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CtlConfig {
    pub serverurl: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub prompt: String,
    pub history_file: Option<PathBuf>,
}

/// `[supervisord]` options.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DaemonConfig {
    pub logfile: LogTarget,
    pub logfile_maxbytes: u64,
    pub logfile_backups: u32,
    /// One of critical, error, warn, info, debug, trace, blather.
    pub loglevel: String,
    pub pidfile: PathBuf,
    pub umask: u32,
    pub nodaemon: bool,
    pub silent: bool,
    pub minfds: u64,
    pub minprocs: u64,
    pub nocleanup: bool,
    pub childlogdir: PathBuf,
    pub user: Option<String>,
    pub directory: Option<PathBuf>,
    pub strip_ansi: bool,
    pub environment: Option<Vec<(String, String)>>,
    pub identifier: String,
}

/// The whole resolved configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// The file it was read from (absolute).
    pub path: PathBuf,
    pub daemon: DaemonConfig,
    pub unix_http_server: Option<UnixHttpConfig>,
    pub inet_http_server: Option<InetHttpConfig>,
    pub rpcinterfaces: Vec<RpcInterfaceConfig>,
    /// `[ctlplugin:x]` names: accepted and ignored, with a warning.
    pub ctlplugins: Vec<String>,
    pub supervisorctl: CtlConfig,
    /// Sorted by (priority, name) as supervisord orders them.
    pub groups: Vec<GroupConfig>,
    /// Warnings to log at startup (plugins, deprecated syslog targets, ...).
    pub warnings: Vec<String>,
    /// Messages to log at info level at startup (which files were included).
    pub infos: Vec<String>,
    /// Extra key/values kept for tests; never read by the daemon.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}
