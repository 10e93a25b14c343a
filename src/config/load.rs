//! Loading one config file (with its includes) into a `Config`, in the
//! order supervisor 4.3.0's ServerOptions reads it, so that the first error
//! reported is the same one supervisord reports.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::datatypes::*;
use super::ini::Ini;
use super::model::*;
use super::pyfmt::{expand, py_repr, PyVal, Expansions};

/// A config error with supervisord's wording (see shared/spec/observed.md).
#[derive(Debug, Clone)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl From<String> for ConfigError {
    fn from(s: String) -> Self {
        ConfigError(s)
    }
}

/// The factory spec of supervisor's own XML-RPC interface.
pub const BUILTIN_RPC_FACTORY: &str = "supervisor.rpcinterface:make_main_rpcinterface";
/// The default (and only runnable) event listener result handler.
pub const DEFAULT_RESULT_HANDLER: &str = "supervisor.dispatchers:default_handler";

/// Event type names `events=` may use.
pub const EVENT_TYPES: [&str; 27] = [
    "EVENT", "PROCESS_COMMUNICATION", "PROCESS_COMMUNICATION_STDERR", "PROCESS_COMMUNICATION_STDOUT",
    "PROCESS_GROUP", "PROCESS_GROUP_ADDED", "PROCESS_GROUP_REMOVED", "PROCESS_LOG", "PROCESS_LOG_STDERR",
    "PROCESS_LOG_STDOUT", "PROCESS_STATE", "PROCESS_STATE_BACKOFF", "PROCESS_STATE_EXITED",
    "PROCESS_STATE_FATAL", "PROCESS_STATE_RUNNING", "PROCESS_STATE_STARTING", "PROCESS_STATE_STOPPED",
    "PROCESS_STATE_STOPPING", "PROCESS_STATE_UNKNOWN", "REMOTE_COMMUNICATION", "SUPERVISOR_STATE_CHANGE",
    "SUPERVISOR_STATE_CHANGE_RUNNING", "SUPERVISOR_STATE_CHANGE_STOPPING", "TICK", "TICK_3600", "TICK_5",
    "TICK_60",
];

/// `ENV_<name>` for every variable of our environment, in environ order.
pub fn environ_expansions() -> Expansions {
    let mut e = Expansions::new();
    for (k, v) in std::env::vars_os() {
        if let (Some(k), Some(v)) = (k.to_str(), v.to_str()) {
            e.set_str(&format!("ENV_{}", k), v);
        }
    }
    e
}

/// `platform.node()`.
pub fn host_node_name() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.nodename().to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `tempfile.gettempdir()`.
pub fn temp_dir() -> String {
    for var in ["TMPDIR", "TEMP", "TMP"] {
        if let Ok(v) = std::env::var(var) {
            if !v.is_empty() && Path::new(&v).is_dir() {
                return abspath(&v);
            }
        }
    }
    for d in ["/tmp", "/var/tmp", "/usr/tmp"] {
        if Path::new(d).is_dir() {
            return d.to_string();
        }
    }
    cwd()
}

/// `[supervisord]` as the file gives it (before command-line overrides).
#[derive(Debug, Clone)]
pub struct FileDaemon {
    pub minfds: i64,
    pub minprocs: i64,
    pub directory: Option<String>,
    pub user: Option<String>,
    pub umask: u32,
    pub logfile: String,
    pub logfile_maxbytes: u64,
    pub logfile_backups: i64,
    pub loglevel: String,
    pub pidfile: String,
    pub identifier: String,
    pub nodaemon: bool,
    pub silent: bool,
    pub childlogdir: String,
    pub nocleanup: bool,
    pub strip_ansi: bool,
    pub environment: Vec<(String, String)>,
}

/// Everything read from the file, before the command line is applied.
#[derive(Debug, Clone)]
pub struct FileConfig {
    pub daemon: FileDaemon,
    pub groups: Vec<GroupConfig>,
    pub unix_http_server: Option<UnixHttpConfig>,
    pub inet_http_server: Option<InetHttpConfig>,
    pub rpcinterfaces: Vec<RpcInterfaceConfig>,
    pub ctlplugins: Vec<String>,
    pub supervisorctl: CtlConfig,
    pub warnings: Vec<String>,
    pub infos: Vec<String>,
}

struct Reader {
    ini: Ini,
    here: String,
    configfile: String,
    environ: Expansions,
    host: String,
    /// supervisor's own parse warnings, in its order.
    warnings: Vec<String>,
    /// Our warnings about what we cannot do (plugins, extra servers); they
    /// follow supervisor's.
    own_warnings: Vec<String>,
    infos: Vec<String>,
}

impl Reader {
    /// `parser.saneget(section, opt, default, expansions=extra)`: the value
    /// expanded with the environment plus `extra`; None when absent.
    fn saneget(&self, section: &str, opt: &str, extra: &Expansions) -> Result<Option<String>, String> {
        match self.ini.get(section, opt) {
            None => Ok(None),
            Some(v) if !v.contains('%') => Ok(Some(v)),
            Some(v) => {
                let mut combined = self.environ.clone();
                combined.update(extra);
                expand(&v, &combined, &format!("{}.{}", section, opt)).map(Some)
            }
        }
    }

    /// A default that Python also passes through expansion.
    fn saneget_or(&self, section: &str, opt: &str, default: &str, extra: &Expansions) -> Result<String, String> {
        match self.saneget(section, opt, extra)? {
            Some(v) => Ok(v),
            None if !default.contains('%') => Ok(default.to_string()),
            None => {
                let mut combined = self.environ.clone();
                combined.update(extra);
                expand(default, &combined, &format!("{}.{}", section, opt))
            }
        }
    }

    fn here_only(&self) -> Expansions {
        let mut e = Expansions::new();
        e.set_str("here", &self.here);
        e
    }

    fn read_daemon(&mut self) -> Result<FileDaemon, String> {
        let here = self.here_only();
        let get = |r: &Reader, opt: &str, default: &str| r.saneget_or("supervisord", opt, default, &here);
        let minfds = integer(&get(self, "minfds", "1024")?)?;
        let minprocs = integer(&get(self, "minprocs", "200")?)?;
        let directory = match self.saneget("supervisord", "directory", &here)? {
            None => None,
            Some(d) => Some(existing_directory(&d)?),
        };
        let user = self.saneget("supervisord", "user", &here)?;
        let umask = octal_type(&get(self, "umask", "022")?)?;
        let logfile = existing_dirpath(&get(self, "logfile", "supervisord.log")?)?;
        let logfile_maxbytes = byte_size_u64(&get(self, "logfile_maxbytes", "50MB")?)?;
        let logfile_backups = integer(&get(self, "logfile_backups", "10")?)?;
        let loglevel = logging_level(&get(self, "loglevel", "info")?)?;
        let pidfile = existing_dirpath(&get(self, "pidfile", "supervisord.pid")?)?;
        let identifier = get(self, "identifier", "supervisor")?;
        let nodaemon = boolean(&get(self, "nodaemon", "false")?)?;
        let silent = boolean(&get(self, "silent", "false")?)?;
        let childlogdir = existing_directory(&get(self, "childlogdir", &temp_dir())?)?;
        let nocleanup = boolean(&get(self, "nocleanup", "false")?)?;
        let strip_ansi = boolean(&get(self, "strip_ansi", "false")?)?;
        let environ_str = get(self, "environment", "")?;
        let mut exps = Expansions::new();
        exps.set_str("here", &self.here);
        exps.set_str("host_node_name", &self.host);
        exps.update(&self.environ);
        let environ_str = expand(&environ_str, &exps, "environment")?;
        let environment = dict_of_key_value_pairs(&environ_str)?;
        // [supervisord] environment= becomes visible as ENV_x everywhere after.
        for (k, v) in &environment {
            self.environ.set_str(&format!("ENV_{}", k), v);
        }
        Ok(FileDaemon {
            minfds,
            minprocs,
            directory,
            user,
            umask,
            logfile,
            logfile_maxbytes,
            logfile_backups,
            loglevel,
            pidfile,
            identifier,
            nodaemon,
            silent,
            childlogdir,
            nocleanup,
            strip_ansi,
            environment,
        })
    }

    fn read_plugins(&mut self) -> Result<(Vec<RpcInterfaceConfig>, Vec<String>), String> {
        let key = "supervisor.rpcinterface_factory";
        let mut rpcs = Vec::new();
        let empty = Expansions::new();
        for section in self.ini.section_names() {
            let Some(name) = section.strip_prefix("rpcinterface:") else { continue };
            let Some(spec) = self.saneget(&section, key, &empty)? else {
                return Err(format!("section [{}] does not specify a {}", section, key));
            };
            let normalized: String = spec.split(':').map(|p| p.trim()).collect::<Vec<_>>().join(":");
            let is_builtin = normalized == BUILTIN_RPC_FACTORY;
            for opt in self.ini.options(&section) {
                if opt != key {
                    self.saneget(&section, &opt, &empty)?;
                }
            }
            if !is_builtin {
                self.own_warnings.push(format!(
                    "[{}] names the Python plugin factory {}, which rsupervisor cannot load; the section is ignored and its XML-RPC methods are not available",
                    section, spec
                ));
            }
            rpcs.push(RpcInterfaceConfig { name: name.to_string(), factory: normalized, is_builtin });
        }
        let mut ctlplugins = Vec::new();
        for section in self.ini.section_names() {
            if let Some(name) = section.strip_prefix("ctlplugin:") {
                ctlplugins.push(name.to_string());
                self.own_warnings.push(format!(
                    "[{}] names a Python supervisorctl plugin, which rsupervisor ignores",
                    section
                ));
            }
        }
        Ok((rpcs, ctlplugins))
    }

    fn section_file(&self, section: &str) -> String {
        self.ini.file_of(section).map(|s| s.to_string()).unwrap_or_else(|| self.configfile.clone())
    }

    /// The processes of one program-like section, each in its one shared
    /// copy (see `GroupConfig::processes`); errors get supervisor's
    /// `in section '...' (file: '...')` suffix.
    fn processes_from_section(&mut self, section: &str, group_name: &str) -> Result<Vec<Arc<ProcessConfig>>, String> {
        self.processes_inner(section, group_name).map(shared).map_err(|e| {
            format!("{} in section {} (file: {})", e, py_repr(section), py_repr(&self.section_file(section)))
        })
    }

    fn processes_inner(&mut self, section: &str, group_name: &str) -> Result<Vec<ProcessConfig>, String> {
        let program_name = process_or_group_name(section.split_once(':').map(|x| x.1).unwrap_or(""))?;
        let mut common = Expansions::new();
        common.set_str("here", &self.here);
        common.set_str("program_name", &program_name);
        common.set_str("host_node_name", &self.host);
        common.set_str("group_name", group_name);
        let get = |r: &Reader, c: &Expansions, opt: &str| r.saneget(section, opt, c);
        let get_or = |r: &Reader, c: &Expansions, opt: &str, d: &str| r.saneget_or(section, opt, d, c);

        let priority = integer(&get_or(self, &common, "priority", "999")?)?;
        let autostart = boolean(&get_or(self, &common, "autostart", "true")?)?;
        let autorestart = auto_restart(&get_or(self, &common, "autorestart", "unexpected")?)?;
        let startsecs = integer(&get_or(self, &common, "startsecs", "1")?)?;
        let startretries = integer(&get_or(self, &common, "startretries", "3")?)?;
        let stopsignal = signal_number(&get_or(self, &common, "stopsignal", "TERM")?)?;
        let stopwaitsecs = integer(&get_or(self, &common, "stopwaitsecs", "10")?)?;
        let stopasgroup = boolean(&get_or(self, &common, "stopasgroup", "false")?)?;
        let killasgroup =
            boolean(&get_or(self, &common, "killasgroup", if stopasgroup { "true" } else { "false" })?)?;
        let exitcodes = list_of_exitcodes(&get_or(self, &common, "exitcodes", "0")?)?;
        let redirect_stderr = boolean(&get_or(self, &common, "redirect_stderr", "false")?)?;
        let numprocs = integer(&get_or(self, &common, "numprocs", "1")?)?;
        let numprocs_start = integer(&get_or(self, &common, "numprocs_start", "0")?)?;
        let environment_str = self.ini.get(section, "environment").unwrap_or_default();
        let stdout_cmax = byte_size_u64(&get_or(self, &common, "stdout_capture_maxbytes", "0")?)?;
        let stdout_events = boolean(&get_or(self, &common, "stdout_events_enabled", "false")?)?;
        let stderr_cmax = byte_size_u64(&get_or(self, &common, "stderr_capture_maxbytes", "0")?)?;
        let stderr_events = boolean(&get_or(self, &common, "stderr_events_enabled", "false")?)?;
        let mut serverurl = get(self, &common, "serverurl")?;
        if serverurl.as_deref().map(|s| s.trim().to_uppercase() == "AUTO").unwrap_or(false) {
            serverurl = None;
        }
        let serverurl: Option<Arc<str>> = serverurl.map(Arc::from);
        let user = get(self, &common, "user")?;
        let uid = match &user {
            None => None,
            Some(u) => Some(name_to_uid(u)?),
        };
        let umask = match get(self, &common, "umask")? {
            None => None,
            Some(u) => Some(octal_type(&u)?),
        };
        let process_name =
            process_or_group_name(&self.ini.get(section, "process_name").unwrap_or_else(|| "%(program_name)s".into()))?;
        if numprocs > 1 && !process_name.contains("%(process_num)") {
            return Err("%(process_num) must be present within process_name when numprocs > 1".to_string());
        }
        if stopasgroup && !killasgroup {
            return Err("Cannot set stopasgroup=true and killasgroup=false".to_string());
        }

        let mut programs = Vec::new();
        let end = numprocs_start.saturating_add(numprocs.max(0));
        let mut process_num = numprocs_start;
        while process_num < end {
            // supervisor keeps adding to one mapping across iterations.
            common.set("process_num", PyVal::Int(process_num));
            common.set("numprocs", PyVal::Int(numprocs));
            common.update(&self.environ);
            let environment = dict_of_key_value_pairs(&expand(&environment_str, &common, "environment")?)?;
            for (k, v) in &environment {
                common.set_str(&format!("ENV_{}", k), v);
            }
            let directory = get(self, &common, "directory")?;
            let mut channels = Vec::new();
            for ch in ["stdout", "stderr"] {
                let lf_key = format!("{}_logfile", ch);
                let lf = match get(self, &common, &lf_key)? {
                    None => LogfileName::Auto,
                    Some(v) => logfile_name(&expand(&v, &common, &lf_key)?)?,
                };
                let backups = integer(&get_or(self, &common, &format!("{}_logfile_backups", ch), "10")?)?;
                let maxbytes_raw = byte_size(&get_or(self, &common, &format!("{}_logfile_maxbytes", ch), "50MB")?)?;
                let maxbytes = u64::try_from(maxbytes_raw.max(0)).unwrap_or(u64::MAX);
                let sy_key = format!("{}_syslog", ch);
                let mut syslog = boolean(&get_or(self, &common, &sy_key, "false")?)?;
                let mut lf = lf;
                if lf == LogfileName::Syslog {
                    self.warnings.push(format!(
                        "For [{}], {}=syslog but this is deprecated and will be removed.  Use {}=true to enable syslog instead.",
                        section, lf_key, sy_key
                    ));
                    lf = LogfileName::None;
                    syslog = true;
                }
                if lf == LogfileName::Auto && maxbytes_raw == 0 {
                    self.warnings.push(format!(
                        "For [{}], AUTO logging used for {} without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally",
                        section, lf_key
                    ));
                }
                channels.push((lf, backups, maxbytes, syslog));
            }
            if redirect_stderr {
                if !matches!(channels[1].0, LogfileName::Auto | LogfileName::None) {
                    self.warnings.push(format!(
                        "For [{}], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored",
                        section
                    ));
                }
                channels[1].0 = LogfileName::None;
            }
            let Some(command) = get(self, &common, "command")? else {
                return Err(format!("program section {} does not specify a command", section));
            };
            let name = expand(&process_name, &common, "process_name")?;
            let chan = |i: usize, cmax: u64, events: bool| {
                let (lf, backups, maxbytes, syslog) = channels[i].clone();
                ChannelConfig {
                    logfile: match lf {
                        LogfileName::Auto => LogTarget::Auto,
                        LogfileName::None | LogfileName::Syslog => LogTarget::None,
                        LogfileName::Path(p) if p.is_empty() => LogTarget::None,
                        LogfileName::Path(p) => LogTarget::File(PathBuf::from(p)),
                    },
                    logfile_maxbytes: maxbytes,
                    logfile_backups: non_negative(backups, u32::MAX),
                    capture_maxbytes: cmax,
                    events_enabled: events,
                    syslog,
                }
            };
            programs.push(ProcessConfig {
                name,
                command,
                uid,
                user: user.clone(),
                directory: directory.map(PathBuf::from),
                umask,
                priority,
                autostart,
                autorestart,
                startsecs: non_negative(startsecs, u64::MAX),
                startretries: non_negative(startretries, u32::MAX),
                stdout: chan(0, stdout_cmax, stdout_events),
                stderr: chan(1, stderr_cmax, stderr_events),
                stopsignal,
                stopwaitsecs: non_negative(stopwaitsecs, u64::MAX),
                stopasgroup,
                killasgroup,
                exitcodes: exitcodes.clone(),
                redirect_stderr,
                environment: if environment.is_empty() { None } else { Some(environment) },
                serverurl: serverurl.clone(),
                process_num,
            });
            process_num += 1;
        }
        programs.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
        Ok(programs)
    }

    fn process_groups(&mut self) -> Result<Vec<GroupConfig>, String> {
        let mut groups = Vec::new();
        let all = self.ini.section_names();
        let mut homogeneous_exclude: Vec<String> = Vec::new();
        let here = self.here_only();

        for section in &all {
            let Some(rest) = section.strip_prefix("group:") else { continue };
            let group_name = process_or_group_name(rest)?;
            let programs = list_of_strings(&self.saneget(section, "programs", &here)?.unwrap_or_default());
            let priority = integer(&self.saneget_or(section, "priority", "999", &here)?)?;
            let mut procs = Vec::new();
            // supervisor reuses one variable for the group's section and each
            // member's, so its messages name the last member resolved so far.
            let mut named = section.clone();
            for program in programs {
                let ps = format!("program:{}", program);
                let fs = format!("fcgi-program:{}", program);
                let has_p = all.contains(&ps);
                let has_f = all.contains(&fs);
                if !has_p && !has_f {
                    return Err(format!("[{}] names unknown program or fcgi-program {}", named, program));
                }
                if has_p && has_f {
                    return Err(format!(
                        "[{}] name {} is ambiguous (exists as program and fcgi-program)",
                        named, program
                    ));
                }
                let s = if has_p { ps } else { fs };
                named = s.clone();
                homogeneous_exclude.push(s.clone());
                procs.extend(self.processes_from_section(&s, &group_name)?);
            }
            groups.push(GroupConfig { name: group_name, priority, kind: GroupKind::Programs, processes: procs });
        }

        for section in &all {
            if !section.starts_with("program:") || homogeneous_exclude.contains(section) {
                continue;
            }
            let name = process_or_group_name(&section["program:".len()..])?;
            let priority = integer(&self.saneget_or(section, "priority", "999", &here)?)?;
            let procs = self.processes_from_section(section, &name)?;
            groups.push(GroupConfig { name, priority, kind: GroupKind::Programs, processes: procs });
        }

        for section in &all {
            let Some(pool_name) = section.strip_prefix("eventlistener:") else { continue };
            let priority = integer(&self.saneget_or(section, "priority", "-1", &here)?)?;
            let buffer_size = integer(&self.saneget_or(section, "buffer_size", "10", &here)?)?;
            if buffer_size < 1 {
                return Err(format!("[{}] section sets invalid buffer_size ({})", section, buffer_size));
            }
            let result_handler = self.saneget_or(section, "result_handler", DEFAULT_RESULT_HANDLER, &here)?;
            let normalized: String = result_handler.split(':').map(|p| p.trim()).collect::<Vec<_>>().join(":");
            if normalized != DEFAULT_RESULT_HANDLER {
                self.own_warnings.push(format!(
                    "[{}] names the Python result handler {}, which rsupervisor cannot load; the default handler is used",
                    section, result_handler
                ));
            }
            let mut events: Vec<String> = list_of_strings(&self.saneget_or(section, "events", "", &here)?)
                .into_iter()
                .map(|e| e.to_uppercase())
                .collect();
            events.sort();
            events.dedup();
            if events.is_empty() {
                return Err(format!("[{}] section requires an \"events\" line", section));
            }
            for e in &events {
                if !EVENT_TYPES.contains(&e.as_str()) {
                    return Err(format!("Unknown event type {} in [{}] events", e, section));
                }
            }
            let redirect = boolean(&self.saneget_or(section, "redirect_stderr", "false", &here)?)?;
            if redirect {
                return Err(format!(
                    "[{}] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol",
                    section
                ));
            }
            let procs = self.processes_from_section(section, pool_name)?;
            groups.push(GroupConfig {
                name: pool_name.to_string(),
                priority,
                kind: GroupKind::EventListenerPool {
                    buffer_size: buffer_size as usize,
                    events,
                    result_handler,
                },
                processes: procs,
            });
        }

        for section in &all {
            if !section.starts_with("fcgi-program:") || homogeneous_exclude.contains(section) {
                continue;
            }
            let name = process_or_group_name(&section["fcgi-program:".len()..])?;
            let priority = integer(&self.saneget_or(section, "priority", "999", &here)?)?;
            let proc_uid = match self.saneget(section, "user", &here)? {
                None => None,
                Some(u) => Some(name_to_uid(&u)?),
            };
            let backlog = match self.saneget(section, "socket_backlog", &here)? {
                None => None,
                Some(b) => {
                    let b = integer(&b)?;
                    if !(1..=65535).contains(&b) {
                        return Err(format!("Invalid socket_backlog value {}", b));
                    }
                    Some(b as i32)
                }
            };
            let owner = match self.saneget(section, "socket_owner", &here)? {
                None => None,
                Some(o) => Some(colon_separated_user_group(&o).map_err(|_| format!("Invalid socket_owner value {}", o))?),
            };
            let mode = match self.saneget(section, "socket_mode", &here)? {
                None => None,
                Some(m) => Some(octal_type(&m).map_err(|_| format!("Invalid socket_mode value {}", m))?),
            };
            let mut fcgi_exp = Expansions::new();
            fcgi_exp.set_str("program_name", &name);
            fcgi_exp.update(&here);
            let sock = self.saneget(section, "socket", &fcgi_exp)?.unwrap_or_default();
            if sock.is_empty() {
                return Err(format!("[{}] section requires a \"socket\" line", section));
            }
            let socket = parse_fcgi_socket(&sock, proc_uid, owner, mode, backlog)
                .map_err(|e| format!("{} in [{}] socket", e, section))?;
            let procs = self.processes_from_section(section, &name)?;
            groups.push(GroupConfig { name, priority, kind: GroupKind::Fcgi { socket }, processes: procs });
        }

        groups.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
        Ok(groups)
    }

    fn username_password(&self, section: &str) -> Result<(Option<String>, Option<String>), String> {
        let empty = Expansions::new();
        let username = self.saneget(section, "username", &empty)?;
        let password = self.saneget(section, "password", &empty)?;
        if username.is_some() != password.is_some() {
            return Err(format!(
                "Section [{}] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified",
                section
            ));
        }
        Ok((username, password))
    }

    fn servers(&mut self) -> Result<(Option<UnixHttpConfig>, Option<InetHttpConfig>), String> {
        let all = self.ini.section_names();
        let empty = Expansions::new();
        let mut inet = None;
        for section in all.iter().filter(|s| s.starts_with("inet_http_server")) {
            let (username, password) = self.username_password(section)?;
            let Some(port) = self.saneget(section, "port", &empty)? else {
                return Err(format!("section [{}] has no port value", section));
            };
            let (host, port) = inet_address(&port)?;
            if inet.is_none() {
                inet = Some(InetHttpConfig { host, port, username, password });
            } else {
                self.own_warnings.push(format!("[{}] is an extra HTTP server section; only the first is served", section));
            }
        }
        let mut unix = None;
        for section in all.iter().filter(|s| s.starts_with("unix_http_server")) {
            let Some(file) = self.saneget(section, "file", &self.here_only())? else {
                return Err(format!("section [{}] has no file value", section));
            };
            let file = normalize_path(super::pyfmt::py_strip(&file));
            let (username, password) = self.username_password(section)?;
            let chown = match self.saneget(section, "chown", &empty)? {
                None => None,
                Some(c) => Some(colon_separated_user_group(&c).map_err(|_| format!("Invalid sockchown value {}", c))?),
            };
            let chmod = match self.saneget(section, "chmod", &empty)? {
                None => 0o700,
                Some(c) => octal_type(&c).map_err(|_| format!("Invalid chmod value {}", c))?,
            };
            if unix.is_none() {
                unix = Some(UnixHttpConfig { file: PathBuf::from(file), chmod, chown, username, password });
            } else {
                self.own_warnings.push(format!("[{}] is an extra HTTP server section; only the first is served", section));
            }
        }
        Ok((unix, inet))
    }
}

fn parse_fcgi_socket(
    sock: &str,
    proc_uid: Option<u32>,
    owner: Option<(u32, u32)>,
    mode: Option<u32>,
    backlog: Option<i32>,
) -> Result<FcgiSocketConfig, String> {
    if let Some(path) = sock.strip_prefix("unix://") {
        if !path.starts_with('/') {
            // supervisor passes the path as a second exception argument, so
            // the message is printed as a tuple.
            return Err(format!("('Unix socket path %s is not an absolute path', {})", py_repr(path)));
        }
        let path = normalize_path(path);
        let mut owner = owner;
        if owner.is_none() {
            let me = nix::unistd::getuid().as_raw();
            if let Some(u) = proc_uid {
                if u != me {
                    owner = Some((u, gid_for_uid(u).unwrap_or(u32::MAX)));
                }
            }
        }
        return Ok(FcgiSocketConfig {
            url: format!("unix://{}", path),
            owner,
            mode: Some(mode.unwrap_or(0o700)),
            backlog,
            reuseaddr: true,
        });
    }
    if owner.is_some() || mode.is_some() {
        return Err("socket_owner and socket_mode params should only be used with a Unix domain socket".to_string());
    }
    if let Some(rest) = sock.strip_prefix("tcp://") {
        if let Some((host, port)) = rest.rsplit_once(':') {
            let host_ok = !host.is_empty() && !host.contains(':') && !host.chars().any(super::pyfmt::py_isspace);
            if host_ok && !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) {
                let port: i128 = port.parse().unwrap_or(i128::MAX);
                if port < 1 {
                    return Err(format!("{} is below lower bound (1)", port));
                }
                if port > 65535 {
                    return Err(format!("{} is above upper bound (65535)", port));
                }
                return Ok(FcgiSocketConfig {
                    url: format!("tcp://{}:{}", host.to_lowercase(), port),
                    owner: None,
                    mode: None,
                    backlog,
                    reuseaddr: true,
                });
            }
        }
    }
    Err(format!("('Bad socket format %s', {})", py_repr(sock)))
}

/// Reads the file at `configfile` (the path as the user gave it) the way
/// `ServerOptions.read_config` does.
pub fn read_file_config(configfile: &str) -> Result<FileConfig, ConfigError> {
    let abs = abspath(configfile);
    let here = dirname(&abs);
    if !Path::new(configfile).exists() {
        return Err(ConfigError(format!("could not find config file {}", configfile)));
    }
    let bytes = std::fs::read(configfile).map_err(|_| ConfigError(format!("could not read config file {}", configfile)))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| ConfigError(format!("could not read config file {} (it is not valid UTF-8)", configfile)))?;
    let mut ini = Ini::default();
    ini.read_string(&text, configfile)?;
    let mut r = Reader {
        ini,
        here: here.clone(),
        configfile: configfile.to_string(),
        environ: environ_expansions(),
        host: host_node_name(),
        warnings: Vec::new(),
        own_warnings: Vec::new(),
        infos: Vec::new(),
    };

    if r.ini.has_section("include") {
        r.ini.expand_here(&here);
        let Some(files) = r.ini.get("include", "files") else {
            return Err(ConfigError(".ini file has [include] section, but no files setting".to_string()));
        };
        let mut exps = Expansions::new();
        exps.set_str("here", &here);
        exps.set_str("host_node_name", &r.host);
        exps.update(&r.environ);
        let files = expand(&files, &exps, "include.files")?;
        for pattern in files.split(is_split_space).filter(|s| !s.is_empty()) {
            let pattern = path_join(&here, pattern);
            let mut matches = glob_like_python(&pattern);
            if matches.is_empty() {
                r.warnings.push(format!("No file matches via include \"{}\"", pattern));
                continue;
            }
            matches.sort();
            for filename in matches {
                r.infos.push(format!("Included extra file \"{}\" during parsing", filename));
                r.ini.read_included(&filename)?;
                r.ini.expand_here(&dirname(&abspath(&filename)));
            }
        }
    }

    if !r.ini.has_section("supervisord") {
        return Err(ConfigError(".ini file does not include supervisord section".to_string()));
    }
    let daemon = r.read_daemon()?;
    let (rpcinterfaces, ctlplugins) = r.read_plugins()?;
    let mut groups = r.process_groups()?;
    for g in &mut groups {
        for p in &mut g.processes {
            // Unique here (the config is being built), so no copy is made.
            let p = Arc::make_mut(p);
            let mut env = daemon.environment.clone();
            for (k, v) in p.environment.take().unwrap_or_default() {
                if let Some(slot) = env.iter_mut().find(|(ek, _)| *ek == k) {
                    slot.1 = v;
                } else {
                    env.push((k, v));
                }
            }
            p.environment = if env.is_empty() { None } else { Some(env) };
        }
    }
    let (unix_http_server, inet_http_server) = r.servers()?;
    r.own_warnings.extend(name_clash_warnings(&groups));
    // supervisorctl reads only the main file, without its includes.
    let mut main_only = Ini::default();
    let supervisorctl = match main_only.read_string(&text, configfile) {
        Ok(()) => read_ctl_section(&main_only, &here).unwrap_or_else(|_| default_ctl()),
        Err(_) => default_ctl(),
    };
    Ok(FileConfig {
        daemon,
        groups,
        unix_http_server,
        inet_http_server,
        rpcinterfaces,
        ctlplugins,
        supervisorctl,
        warnings: r.warnings.into_iter().chain(r.own_warnings).collect(),
        infos: r.infos,
    })
}

/// supervisord keeps only the first group of a name and the last process
/// of a name within a group, silently; we say so.
fn name_clash_warnings(groups: &[GroupConfig]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        if groups[..i].iter().any(|o| o.name == g.name) {
            out.push(format!("There are two groups named {}; only the first one is used", g.name));
        }
        for (j, p) in g.processes.iter().enumerate() {
            if g.processes[..j].iter().any(|o| o.name == p.name) {
                out.push(format!(
                    "Group {} has two processes named {}; only the last one is used",
                    g.name, p.name
                ));
            }
        }
    }
    out
}

/// Python's `glob.glob(pattern)`: hidden names only match a pattern that
/// starts with a dot; a pattern without magic matches an existing path.
fn glob_like_python(pattern: &str) -> Vec<String> {
    let has_magic = pattern.contains(['*', '?', '[']);
    if !has_magic {
        return if Path::new(pattern).symlink_metadata().is_ok() { vec![pattern.to_string()] } else { Vec::new() };
    }
    let opts = glob::MatchOptions { case_sensitive: true, require_literal_separator: true, require_literal_leading_dot: true };
    // Python's glob is not recursive here: `**` is just `*`.
    let mut pattern = pattern.to_string();
    while pattern.contains("**") {
        pattern = pattern.replace("**", "*");
    }
    match glob::glob_with(&pattern, opts) {
        Ok(paths) => paths.filter_map(|p| p.ok()).map(|p| p.to_string_lossy().into_owned()).collect(),
        Err(_) => Vec::new(),
    }
}

pub fn default_ctl() -> CtlConfig {
    CtlConfig {
        serverurl: "http://localhost:9001".to_string(),
        username: None,
        password: None,
        prompt: "supervisor".to_string(),
        history_file: None,
    }
}

/// `ClientOptions.read_config` on an already parsed file.
fn read_ctl_section(ini: &Ini, here: &str) -> Result<CtlConfig, String> {
    if !ini.has_section("supervisorctl") {
        return Err(".ini file does not include supervisorctl section".to_string());
    }
    let environ = environ_expansions();
    let get = |opt: &str, with_here: bool| -> Result<Option<String>, String> {
        match ini.get("supervisorctl", opt) {
            None => Ok(None),
            Some(v) => {
                let mut e = environ.clone();
                if with_here {
                    e.set_str("here", here);
                }
                expand(&v, &e, &format!("supervisorctl.{}", opt)).map(Some)
            }
        }
    };
    let d = default_ctl();
    let mut serverurl = get("serverurl", true)?.unwrap_or(d.serverurl);
    if let Some(p) = serverurl.strip_prefix("unix://") {
        serverurl = format!("unix://{}", normalize_path(p));
    }
    let prompt = get("prompt", false)?.unwrap_or(d.prompt);
    let username = get("username", false)?;
    let password = get("password", false)?;
    let history_file = get("history_file", true)?.filter(|h| !h.is_empty()).map(|h| PathBuf::from(normalize_path(&h)));
    Ok(CtlConfig { serverurl, username, password, prompt, history_file })
}

/// supervisor's `Options.searchpaths` for a program at `argv0`.
pub fn search_paths(argv0: &str) -> Vec<String> {
    let here = dirname(&dirname(&super::cli::program_path(argv0)));
    vec![
        path_join(&path_join(&here, "etc"), "supervisord.conf"),
        path_join(&here, "supervisord.conf"),
        "supervisord.conf".to_string(),
        "etc/supervisord.conf".to_string(),
        "/etc/supervisord.conf".to_string(),
        "/etc/supervisor/supervisord.conf".to_string(),
    ]
}

/// The first search path that exists.
pub fn find_default_config(argv0: &str) -> Option<String> {
    search_paths(argv0).into_iter().find(|p| Path::new(p).exists())
}

/// Reads and resolves a supervisord config file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let args = super::cli::DaemonArgs { configuration: Some(path.to_path_buf()), ..Default::default() };
    super::cli::resolve(&args).map_err(ConfigError)
}

/// Reads only what supervisorctl needs (the `[supervisorctl]` section, with
/// 4.3.0's defaults) from `path`, or from the default search locations.
pub fn load_ctl(path: Option<&Path>) -> Result<CtlConfig, ConfigError> {
    let file = match path {
        Some(p) => p.to_string_lossy().into_owned(),
        None => {
            let argv0 = std::env::args().next().unwrap_or_default();
            match find_default_config(&argv0) {
                Some(f) => f,
                None => return Ok(default_ctl()),
            }
        }
    };
    let here = dirname(&normalize_path(&file));
    if !Path::new(&file).exists() {
        return Err(ConfigError(format!("could not find config file {}", file)));
    }
    let bytes = std::fs::read(&file).map_err(|_| ConfigError(format!("could not read config file {}", file)))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| ConfigError(format!("could not read config file {} (it is not valid UTF-8)", file)))?;
    let mut ini = Ini::default();
    ini.read_string(&text, &file)?;
    Ok(read_ctl_section(&ini, &here)?)
}

/// One shared copy of each process's settings (see `GroupConfig::processes`),
/// built into a new exact-size vector: collecting in place would keep the
/// (larger, growth-rounded) buffer of the settings themselves alive.
fn shared(procs: Vec<ProcessConfig>) -> Vec<Arc<ProcessConfig>> {
    let mut out = Vec::with_capacity(procs.len());
    out.extend(procs.into_iter().map(Arc::new));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn numprocs_and_process_num_formats() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            d.path(),
            "s.conf",
            "[supervisord]\n[program:w]\ncommand=run %(process_num)d of %(numprocs)d\nprocess_name=%(program_name)s_%(process_num)02d\nnumprocs=3\nnumprocs_start=9\n",
        );
        let c = load(&p).unwrap();
        let names: Vec<&str> = c.groups[0].processes.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["w_09", "w_10", "w_11"]);
        assert_eq!(c.groups[0].processes[1].command, "run 10 of 3");
        assert_eq!(c.groups[0].processes[1].process_num, 10);
    }

    #[test]
    fn process_name_must_hold_process_num() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "s.conf", "[supervisord]\n[program:w]\ncommand=x\nnumprocs=2\n");
        let e = load(&p).unwrap_err().0;
        assert_eq!(
            e,
            format!(
                "%(process_num) must be present within process_name when numprocs > 1 in section 'program:w' (file: '{}')",
                p.display()
            )
        );
    }

    #[test]
    fn here_and_env_expansion_and_server_url() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            d.path(),
            "s.conf",
            "[supervisord]\nenvironment=X=\"1 2\"\n[inet_http_server]\nport=*:9010\n[program:a]\ncommand=echo %(ENV_X)s\ndirectory=%(here)s\n",
        );
        let c = load(&p).unwrap();
        let proc = &c.groups[0].processes[0];
        assert_eq!(proc.command, "echo 1 2");
        assert_eq!(proc.directory.as_deref(), Some(d.path()));
        assert_eq!(c.server_url().as_deref(), Some("http://localhost:9010"));
        assert_eq!(proc.serverurl.as_deref(), Some("http://localhost:9010"));
        assert_eq!(proc.environment, Some(vec![("X".to_string(), "1 2".to_string())]));
    }

    #[test]
    fn groups_sorted_by_priority_then_name() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            d.path(),
            "s.conf",
            "[supervisord]\n[program:b]\ncommand=x\n[program:a]\ncommand=x\n[program:c]\ncommand=x\npriority=1\n[eventlistener:l]\ncommand=x\nevents=tick_5\n",
        );
        let c = load(&p).unwrap();
        let names: Vec<&str> = c.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, vec!["l", "c", "a", "b"]);
    }

    #[test]
    fn plugins_are_recorded_with_warnings() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            d.path(),
            "s.conf",
            "[supervisord]\n[rpcinterface:twiddler]\nsupervisor.rpcinterface_factory=supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface\n[ctlplugin:quick]\nsupervisor.ctl_factory=supervisor_quick:make_quick_controllerplugin\n",
        );
        let c = load(&p).unwrap();
        assert_eq!(c.rpcinterfaces.len(), 1);
        assert!(!c.rpcinterfaces[0].is_builtin);
        assert_eq!(c.ctlplugins, vec!["quick".to_string()]);
        assert!(c.warnings.iter().any(|w| w.contains("[rpcinterface:twiddler]") && w.contains("cannot load")));
        assert!(c.warnings.iter().any(|w| w.contains("[ctlplugin:quick]")));
    }

    #[test]
    fn includes_relative_to_the_including_file() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "main/s.conf", "[supervisord]\n[include]\nfiles=conf.d/*.conf\n");
        write(d.path(), "main/conf.d/a.conf", "[program:a]\ncommand=%(here)s/run\n");
        let c = load(&p).unwrap();
        assert_eq!(c.groups[0].processes[0].command, format!("{}/main/conf.d/run", d.path().display()));
        assert_eq!(c.infos.len(), 1);
    }

    #[test]
    fn ctl_defaults_and_section() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "c.conf", "[supervisorctl]\nserverurl=unix://%(here)s/x/../s.sock\nprompt=hi\n");
        let c = load_ctl(Some(&p)).unwrap();
        assert_eq!(c.serverurl, format!("unix://{}/s.sock", d.path().display()));
        assert_eq!(c.prompt, "hi");
        assert_eq!(c.username, None);
        let p = write(d.path(), "n.conf", "[supervisord]\n");
        assert_eq!(load_ctl(Some(&p)).unwrap_err().0, ".ini file does not include supervisorctl section");
        let missing = d.path().join("missing.conf");
        assert!(load_ctl(Some(&missing)).unwrap_err().0.starts_with("could not find config file"));
    }

    #[test]
    fn search_paths_follow_the_program_location() {
        let paths = search_paths("/opt/app/bin/supervisord");
        assert_eq!(paths[0], "/opt/app/etc/supervisord.conf");
        assert_eq!(paths[1], "/opt/app/supervisord.conf");
        assert_eq!(paths[5], "/etc/supervisor/supervisord.conf");
        assert_eq!(search_paths("supervisord")[0], "etc/supervisord.conf");
    }
}
