//! The command interpreter: splits a line into command and argument as
//! Python's `cmd` module does, runs the command, and turns errors into
//! 4.3.0's messages and LSB exit codes (including the retry-once quirk
//! after `Server requires authentication`).

use std::path::PathBuf;

use crate::rpc::value::{codes, Value};

use super::console::Console;
use super::server::{CallError, Server, Target};

/// Exit codes supervisorctl uses (LSB init-script codes).
pub mod exit {
    pub const SUCCESS: i32 = 0;
    pub const GENERIC: i32 = 1;
    pub const INVALID_ARGS: i32 = 2;
    pub const UNIMPLEMENTED_FEATURE: i32 = 3;
    pub const INSUFFICIENT_PRIVILEGES: i32 = 4;
    pub const NOT_INSTALLED: i32 = 5;
    pub const NOT_RUNNING: i32 = 7;
    /// `status`: a listed process is not running.
    pub const STATUS_NOT_RUNNING: i32 = 3;
    /// `status`: an unknown name, or the server cannot be reached.
    pub const STATUS_UNKNOWN: i32 = 4;
}

/// The XML-RPC API version supervisorctl 4.3.0 insists on.
pub const API_VERSION: &str = "3.0";

/// What the client was configured with (command line over config file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The server URLs; more than one only for our combined `status`.
    pub serverurls: Vec<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// True for the shell and for `-i`: confirmations and auth prompts.
    pub interactive: bool,
    pub prompt: String,
    pub history_file: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            serverurls: vec!["http://localhost:9001".to_string()],
            username: None,
            password: None,
            interactive: false,
            prompt: "supervisor".to_string(),
            history_file: None,
        }
    }
}

impl Settings {
    pub fn serverurl(&self) -> &str {
        self.serverurls.first().map(String::as_str).unwrap_or("http://localhost:9001")
    }

    pub fn target(&self) -> Target {
        self.target_for(self.serverurl())
    }

    pub fn target_for(&self, url: &str) -> Target {
        Target { serverurl: url.to_string(), username: self.username.clone(), password: self.password.clone() }
    }
}

/// Makes a connection to the server a target names.
pub type Connector = Box<dyn Fn(&Target) -> Box<dyn Server + Send>>;

/// What a command asks of the loop running it.
pub type Step = Result<bool, CallError>;

/// supervisorctl's `Controller`.
pub struct Controller {
    pub settings: Settings,
    pub exit: i32,
    pub console: Box<dyn Console>,
    connect: Connector,
    /// Process infos fetched for tab completion, kept until the next command.
    pub complete_cache: Option<Vec<Value>>,
}

/// The commands, in the order `dir()` lists them (completion vocabulary).
pub const COMMANDS: &[&str] = &[
    "add", "avail", "clear", "exit", "fg", "help", "maintail", "open", "pid", "quit", "reload", "remove", "reread",
    "restart", "shutdown", "signal", "start", "status", "stop", "tail", "update", "version",
];

/// Python's `cmd.Cmd.parseline`: None for the command means a line that
/// cannot name one (`!x` without a shell command).
pub fn parseline(line: &str) -> (Option<String>, String, String) {
    let mut line = line.trim().to_string();
    if line.is_empty() {
        return (None, String::new(), line);
    }
    if let Some(rest) = line.strip_prefix('?') {
        line = format!("help {rest}");
    } else if line.starts_with('!') {
        return (None, String::new(), line);
    }
    let end = line.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(line.len());
    let cmd = line[..end].to_string();
    let arg = line[end..].trim().to_string();
    (Some(cmd), arg, line)
}

impl Controller {
    pub fn new(settings: Settings, console: Box<dyn Console>, connect: Connector) -> Controller {
        Controller { settings, exit: exit::SUCCESS, console, connect, complete_cache: None }
    }

    /// Prints one line (supervisorctl's `output`).
    pub fn output(&mut self, text: &str) {
        self.console.out(&format!("{text}\n"));
    }

    pub fn server(&self) -> Box<dyn Server + Send> {
        (self.connect)(&self.settings.target())
    }

    pub fn server_for(&self, url: &str) -> Box<dyn Server + Send> {
        (self.connect)(&self.settings.target_for(url))
    }

    /// One XML-RPC call to the current server.
    pub fn call(&self, method: &str, params: &[Value]) -> Result<Value, CallError> {
        self.server().call(method, params)
    }

    /// Runs one command line; true means leave the shell.
    pub fn onecmd(&mut self, line: &str) -> bool {
        let (cmd, arg, line) = parseline(line);
        if line.is_empty() {
            return false;
        }
        let cmd = match cmd {
            Some(c) if !c.is_empty() && self.knows(&c) => c,
            _ => {
                self.output(&format!("*** Unknown syntax: {line}"));
                self.exit = exit::GENERIC;
                return false;
            }
        };
        self.complete_cache = None;
        let first = self.dispatch(&cmd, &arg);
        let second = match first {
            Ok(stop) => return stop,
            Err(CallError::Http { status: 401, .. }) => {
                self.output("Server requires authentication");
                if self.settings.interactive {
                    let username = self.console.read_line("Username:").unwrap_or_default();
                    let password = self.console.read_password("Password:").unwrap_or_default();
                    self.output("");
                    self.settings.username = Some(username);
                    self.settings.password = Some(password);
                    return self.onecmd(&line);
                }
                self.exit = exit::GENERIC;
                // 4.3.0 runs the command a second time here; keep that, as
                // its output (a second error line) is what scripts see.
                self.dispatch(&cmd, &arg)
            }
            Err(e) => Err(e),
        };
        match second {
            Ok(stop) => stop,
            // Ctrl-C in the shell while a call was waiting: 4.3.0 leaves.
            Err(CallError::Io(e)) if e.kind() == std::io::ErrorKind::Interrupted => true,
            Err(e) => {
                self.report(&e);
                false
            }
        }
    }

    /// supervisorctl's catch-all for errors no command handles.
    pub fn report(&mut self, e: &CallError) {
        self.output(&format!("error: {}: file: {} line: {}", e.python_text(), file!(), line!()));
        self.exit = exit::GENERIC;
    }

    fn knows(&self, cmd: &str) -> bool {
        cmd == "EOF" || COMMANDS.contains(&cmd)
    }

    fn dispatch(&mut self, cmd: &str, arg: &str) -> Step {
        match cmd {
            "EOF" | "quit" | "exit" => {
                self.output("");
                Ok(true)
            }
            "help" => self.do_help(arg).map(|_| false),
            "add" => self.do_add(arg).map(|_| false),
            "avail" => self.do_avail(arg).map(|_| false),
            "clear" => self.do_clear(arg).map(|_| false),
            "fg" => self.do_fg(arg).map(|_| false),
            "maintail" => self.do_maintail(arg).map(|_| false),
            "open" => self.do_open(arg).map(|_| false),
            "pid" => self.do_pid(arg).map(|_| false),
            "reload" => self.do_reload(arg).map(|_| false),
            "remove" => self.do_remove(arg).map(|_| false),
            "reread" => self.do_reread(arg).map(|_| false),
            "restart" => self.do_restart(arg).map(|_| false),
            "shutdown" => self.do_shutdown(arg).map(|_| false),
            "signal" => self.do_signal(arg).map(|_| false),
            "start" => self.do_start(arg).map(|_| false),
            "status" => self.do_status(arg).map(|_| false),
            "stop" => self.do_stop(arg).map(|_| false),
            "tail" => self.do_tail(arg).map(|_| false),
            "update" => self.do_update(arg).map(|_| false),
            "version" => self.do_version(arg).map(|_| false),
            _ => {
                self.output(&format!("*** Unknown syntax: {cmd} {arg}"));
                self.exit = exit::GENERIC;
                Ok(false)
            }
        }
    }

    /// `set_exitstatus_from_xmlrpc_fault`.
    pub fn exit_from_code(&mut self, code: i64, ignored: Option<i64>) {
        if Some(code) == ignored || code == codes::SUCCESS as i64 {
            return;
        }
        if [codes::SPAWN_ERROR, codes::ABNORMAL_TERMINATION, codes::NOT_RUNNING].iter().any(|&c| c as i64 == code) {
            self.exit = exit::NOT_RUNNING;
        } else {
            self.exit = exit::GENERIC;
        }
    }

    /// Checks the server is there and speaks API 3.0. Ok(false) means a
    /// message was printed and the exit code set.
    pub fn upcheck(&mut self) -> Result<bool, CallError> {
        let url = self.settings.serverurl().to_string();
        self.upcheck_url(&url)
    }

    pub fn upcheck_url(&mut self, url: &str) -> Result<bool, CallError> {
        match self.server_for(url).call("supervisor.getVersion", &[]) {
            Ok(v) => {
                let api = py_str(&v);
                if api != API_VERSION || !matches!(v, Value::String(_)) {
                    self.output(&format!(
                        "Sorry, this version of supervisorctl expects to talk to a server with API version {API_VERSION}, but the remote version is {api}."
                    ));
                    self.exit = exit::NOT_INSTALLED;
                    return Ok(false);
                }
                Ok(true)
            }
            Err(CallError::Fault(f)) if f.code == codes::UNKNOWN_METHOD => {
                self.output("Sorry, supervisord responded but did not recognize the supervisor namespace commands that supervisorctl uses to control it.  Please check that the [rpcinterface:supervisor] section is enabled in the configuration file (see sample.conf).");
                self.exit = exit::UNIMPLEMENTED_FEATURE;
                Ok(false)
            }
            Err(e) if e.errno() == Some(libc::ECONNREFUSED) => {
                self.output(&format!("{url} refused connection"));
                self.exit = exit::INSUFFICIENT_PRIVILEGES;
                Ok(false)
            }
            Err(e) if e.errno() == Some(libc::ENOENT) => {
                self.output(&format!("{url} no such file"));
                self.exit = exit::NOT_RUNNING;
                Ok(false)
            }
            Err(e) => {
                self.exit = exit::GENERIC;
                Err(e)
            }
        }
    }
}

/// Python's `str()` of an XML-RPC value, for printing whatever came back.
pub fn py_str(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::String(s) => s.clone(),
        Value::Double(d) => {
            if d.fract() == 0.0 && d.is_finite() && d.abs() < 1e16 {
                format!("{d:.1}")
            } else {
                format!("{d}")
            }
        }
        Value::DateTime(s) => s.clone(),
        Value::Base64(b) => format!("b{}", super::pyfmt::repr_str(&String::from_utf8_lossy(b))),
        Value::Nil => "None".into(),
        Value::Array(items) => format!("[{}]", items.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        Value::Struct(m) => format!(
            "{{{}}}",
            m.iter().map(|(k, v)| format!("{}: {}", super::pyfmt::repr_str(k), py_repr(v))).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Python's `repr()` of an XML-RPC value.
pub fn py_repr(v: &Value) -> String {
    match v {
        Value::String(s) => super::pyfmt::repr_str(s),
        other => py_str(other),
    }
}

/// A struct member, or the KeyError Python would raise.
pub fn field<'a>(v: &'a Value, key: &str) -> Result<&'a Value, CallError> {
    match v {
        Value::Struct(m) => {
            m.get(key).ok_or_else(|| CallError::unexpected("KeyError", super::pyfmt::repr_str(key)))
        }
        _ => Err(CallError::unexpected("TypeError", "list indices must be integers or slices, not str")),
    }
}

/// A struct member as text.
pub fn field_str(v: &Value, key: &str) -> Result<String, CallError> {
    field(v, key).map(py_str)
}

/// A struct member as an integer (0 when it is not one).
pub fn field_int(v: &Value, key: &str) -> Result<i64, CallError> {
    field(v, key).map(|f| f.as_int().unwrap_or(0))
}

/// An array's items, or the TypeError iterating a non-list would give.
pub fn items(v: &Value) -> Result<&[Value], CallError> {
    match v {
        Value::Array(a) => Ok(a),
        _ => Err(CallError::unexpected("TypeError", "unexpected result type from server")),
    }
}
