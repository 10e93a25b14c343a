//! supervisord's command line (getopt-style, as 4.3.0 parses it) and the
//! config file search order. Command-line values override the file's.

use std::path::PathBuf;

use super::datatypes::*;
use super::load::{find_default_config, read_file_config, search_paths};
use super::model::*;

/// The version supervisord reports (`-v`); clients compare against it.
pub const VERSION: &str = "4.3.0";

/// What `supervisord` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct DaemonArgs {
    /// -c / --configuration; None means search the default locations.
    pub configuration: Option<PathBuf>,
    /// Our addition: validate, print the resolved config as JSON, exit.
    pub check_config: bool,
    /// -h / --help was given (before any other error); print `help_text`, exit 0.
    pub help: bool,
    /// -v / --version was given; print `VERSION`, exit 0.
    pub version: bool,
    /// Every other option as (long name, value), applied over the file.
    pub overrides: Vec<(String, String)>,
}

/// How a command-line or config problem ends supervisord: the text to print
/// on stderr and the exit code (2 for usage and config errors, like 4.3.0).
#[derive(Debug, Clone)]
pub struct Exit {
    pub message: String,
    pub code: i32,
}

/// supervisord's usage error: `Error: <msg>` and the help hint, exit 2.
pub fn usage(msg: &str, argv0: &str) -> Exit {
    Exit { message: format!("Error: {}\nFor help, use {} -h\n", msg, program_path(argv0)), code: 2 }
}

/// The program's path as 4.3.0 sees it. supervisord is a Python script, so
/// its `sys.argv[0]` is the path the kernel ran: a bare name found on $PATH
/// becomes `<dir>/<name>`. Messages and the config search use that path.
pub fn program_path(argv0: &str) -> String {
    program_path_with(argv0, std::env::var("PATH").ok().as_deref())
}

fn program_path_with(argv0: &str, path_var: Option<&str>) -> String {
    use std::os::unix::fs::PermissionsExt;
    if argv0.is_empty() || argv0.contains('/') {
        return argv0.to_string();
    }
    for dir in path_var.unwrap_or("").split(':') {
        let candidate = if dir.is_empty() { argv0.to_string() } else { format!("{}/{}", dir.trim_end_matches('/'), argv0) };
        let executable = std::fs::metadata(&candidate)
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false);
        if executable {
            return candidate;
        }
    }
    argv0.to_string()
}

/// One command-line option: short letter, long name, takes a value.
struct Opt {
    short: Option<char>,
    long: &'static str,
    has_arg: bool,
}

const OPTS: [Opt; 21] = [
    Opt { short: Some('h'), long: "help", has_arg: false },
    Opt { short: Some('?'), long: "", has_arg: false },
    Opt { short: Some('c'), long: "configuration", has_arg: true },
    Opt { short: Some('v'), long: "version", has_arg: false },
    Opt { short: Some('n'), long: "nodaemon", has_arg: false },
    Opt { short: Some('u'), long: "user", has_arg: true },
    Opt { short: Some('m'), long: "umask", has_arg: true },
    Opt { short: Some('d'), long: "directory", has_arg: true },
    Opt { short: Some('l'), long: "logfile", has_arg: true },
    Opt { short: Some('y'), long: "logfile_maxbytes", has_arg: true },
    Opt { short: Some('z'), long: "logfile_backups", has_arg: true },
    Opt { short: Some('e'), long: "loglevel", has_arg: true },
    Opt { short: Some('j'), long: "pidfile", has_arg: true },
    Opt { short: Some('i'), long: "identifier", has_arg: true },
    Opt { short: Some('q'), long: "childlogdir", has_arg: true },
    Opt { short: Some('a'), long: "minfds", has_arg: true },
    Opt { short: None, long: "minprocs", has_arg: true },
    Opt { short: Some('k'), long: "nocleanup", has_arg: false },
    Opt { short: Some('t'), long: "strip_ansi", has_arg: false },
    Opt { short: None, long: "profile_options", has_arg: true },
    Opt { short: Some('s'), long: "silent", has_arg: false },
];

/// Python's getopt.getopt: returns (option as written canonically, value).
fn getopt(args: &[String]) -> Result<(Vec<(String, String)>, Vec<String>), String> {
    let mut opts = Vec::new();
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') && args[i] != "-" {
        let a = &args[i];
        i += 1;
        if a == "--" {
            break;
        }
        if let Some(body) = a.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let candidates: Vec<&Opt> = OPTS.iter().filter(|o| !o.long.is_empty() && o.long.starts_with(name)).collect();
            if candidates.is_empty() {
                return Err(format!("option --{} not recognized", name));
            }
            let opt = match candidates.iter().find(|o| o.long == name) {
                Some(o) => *o,
                None if candidates.len() > 1 => return Err(format!("option --{} not a unique prefix", name)),
                None => candidates[0],
            };
            let value = if opt.has_arg {
                match inline {
                    Some(v) => v,
                    None => {
                        if i >= args.len() {
                            return Err(format!("option --{} requires argument", opt.long));
                        }
                        i += 1;
                        args[i - 1].clone()
                    }
                }
            } else {
                if inline.is_some() {
                    return Err(format!("option --{} must not have an argument", opt.long));
                }
                String::new()
            };
            opts.push((format!("--{}", opt.long), value));
        } else {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                j += 1;
                let Some(opt) = OPTS.iter().find(|o| o.short == Some(c)) else {
                    return Err(format!("option -{} not recognized", c));
                };
                if opt.has_arg {
                    let value = if j < chars.len() {
                        let v: String = chars[j..].iter().collect();
                        j = chars.len();
                        v
                    } else {
                        if i >= args.len() {
                            return Err(format!("option -{} requires argument", c));
                        }
                        i += 1;
                        args[i - 1].clone()
                    };
                    opts.push((format!("-{}", c), value));
                } else {
                    opts.push((format!("-{}", c), String::new()));
                }
            }
        }
    }
    Ok((opts, args[i..].to_vec()))
}

/// The long name an option string (`-n` or `--nodaemon`) stands for.
fn long_name(opt: &str) -> &'static str {
    if let Some(l) = opt.strip_prefix("--") {
        OPTS.iter().find(|o| o.long == l).map(|o| o.long).unwrap_or("")
    } else {
        let c = opt.chars().nth(1);
        OPTS.iter().find(|o| o.short == c).map(|o| o.long).unwrap_or("")
    }
}

/// Checks a command-line value the way 4.3.0's option handler does.
fn check_value(long: &str, value: &str) -> Result<(), String> {
    match long {
        "umask" => octal_type(value).map(|_| ()),
        "directory" | "childlogdir" => existing_directory(value).map(|_| ()),
        "logfile" | "pidfile" => existing_dirpath(value).map(|_| ()),
        "logfile_maxbytes" => byte_size(value).map(|_| ()),
        "logfile_backups" | "minfds" | "minprocs" => py_int(value).map(|_| ()),
        "loglevel" => logging_level(value).map(|_| ()),
        _ => Ok(()),
    }
}

/// Parses supervisord's arguments (without argv[0]).
pub fn parse_daemon_args(args: &[String]) -> Result<DaemonArgs, Exit> {
    parse_daemon_args_for(args, &argv0_default())
}

fn argv0_default() -> String {
    std::env::args().next().unwrap_or_else(|| "supervisord".to_string())
}

/// `parse_daemon_args` with the program name used in usage messages.
pub fn parse_daemon_args_for(args: &[String], argv0: &str) -> Result<DaemonArgs, Exit> {
    let mut out = DaemonArgs::default();
    // Our addition is taken out first so it never changes how getopt reads
    // supervisord's own options.
    let mut rest: Vec<String> = Vec::new();
    for a in args {
        if a == "--check-config" {
            out.check_config = true;
        } else {
            rest.push(a.clone());
        }
    }
    let (opts, positional) = getopt(&rest).map_err(|m| usage(&m, argv0))?;
    if !positional.is_empty() {
        return Err(usage(&format!("positional arguments are not supported: {}", list_repr(&positional)), argv0));
    }
    let mut seen: Vec<&str> = Vec::new();
    for (opt, value) in &opts {
        let long = long_name(opt);
        match long {
            "help" | "" => {
                out.help = true;
                return Ok(out);
            }
            "version" => {
                out.version = true;
                return Ok(out);
            }
            _ => {}
        }
        if let Err(msg) = check_value(long, value) {
            return Err(usage(&format!("invalid value for {} {}: {}", opt, super::pyfmt::py_repr(value), msg), argv0));
        }
        if seen.contains(&long) {
            return Err(usage(&format!("conflicting command line option {}", super::pyfmt::py_repr(opt)), argv0));
        }
        seen.push(long);
        if long == "configuration" {
            out.configuration = Some(PathBuf::from(value));
        } else {
            let has_arg = OPTS.iter().any(|o| o.long == long && o.has_arg);
            out.overrides.push((long.to_string(), if has_arg { value.clone() } else { "1".to_string() }));
        }
    }
    Ok(out)
}

/// The text `-h` prints.
pub fn help_text(argv0: &str) -> String {
    let argv0 = program_path(argv0);
    format!(
        "supervisord -- start and watch a set of programs (rsupervisor, compatible with supervisor {VERSION}).

Usage: {argv0} [options]

Options:
-c/--configuration FILENAME -- the config file to read (default: search the usual places)
-n/--nodaemon -- stay in the foreground (like nodaemon=true)
-s/--silent -- do not copy the log to stdout (like silent=true)
-h/--help -- show this help and exit
-v/--version -- show the version and exit
-u/--user USER -- switch to this user name or numeric uid after starting
-m/--umask UMASK -- the umask to use when daemonized (octal, default 022)
-d/--directory DIRECTORY -- change to this directory when daemonized
-l/--logfile FILENAME -- where the main log goes
-y/--logfile_maxbytes BYTES -- rotate the main log at this size
-z/--logfile_backups NUM -- how many rotated main logs to keep
-e/--loglevel LEVEL -- critical, error, warn, info, debug, trace or blather
-j/--pidfile FILENAME -- where to write the daemon's pid
-i/--identifier STR -- this instance's identifier (for RPC clients)
-q/--childlogdir DIRECTORY -- where AUTO child logs go
-k/--nocleanup -- keep old AUTO child logs at startup
-a/--minfds NUM -- file descriptors that must be available to start
-t/--strip_ansi -- remove ANSI escape sequences from child output
--minprocs NUM -- processes that must be available to start
--profile_options OPTIONS -- accepted for compatibility; profiling is not supported
--check-config -- read the config, print it resolved as JSON and exit (0 if valid, 2 if not)
"
    )
}

/// Loads the config for these arguments (without printing anything).
/// Errors are the bare message (without `Error:` and the help hint).
pub fn resolve(args: &DaemonArgs) -> Result<Config, String> {
    resolve_for(args, &argv0_default())
}

fn resolve_for(args: &DaemonArgs, argv0: &str) -> Result<Config, String> {
    let configfile = match &args.configuration {
        Some(p) => p.to_string_lossy().into_owned(),
        None => match find_default_config(argv0) {
            Some(f) => f,
            None => {
                return Err(format!(
                    "No config file found at default paths ({}); use the -c option to specify a config file at a different path",
                    search_paths(argv0).join(", ")
                ))
            }
        },
    };
    if configfile.is_empty() {
        // 4.3.0 crashes with a traceback here; say what is wrong instead.
        return Err("could not find config file (the -c value is empty)".to_string());
    }
    let file = read_file_config(&configfile).map_err(|e| e.0)?;
    let ov = |name: &str| args.overrides.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let fd = &file.daemon;
    let user = ov("user").or_else(|| fd.user.clone());
    if let Some(u) = &user {
        name_to_uid(u)?;
    }
    let logfile_raw = match ov("logfile") {
        Some(v) => existing_dirpath(&v)?,
        None => fd.logfile.clone(),
    };
    let logfile = if logfile_raw == "syslog" {
        LogTarget::Syslog
    } else {
        LogTarget::File(PathBuf::from(normalize_path(&logfile_raw)))
    };
    let pidfile = match ov("pidfile") {
        Some(v) => existing_dirpath(&v)?,
        None => fd.pidfile.clone(),
    };
    let conv_err = |m: String| m;
    let flag = |name: &str, file_val: bool| ov(name).map(|_| true).unwrap_or(file_val);
    let daemon = DaemonConfig {
        logfile,
        logfile_maxbytes: match ov("logfile_maxbytes") {
            Some(v) => byte_size_u64(&v).map_err(conv_err)?,
            None => fd.logfile_maxbytes,
        },
        logfile_backups: non_negative(
            match ov("logfile_backups") {
                Some(v) => integer(&v).map_err(conv_err)?,
                None => fd.logfile_backups,
            },
            u32::MAX,
        ),
        loglevel: match ov("loglevel") {
            Some(v) => logging_level(&v).map_err(conv_err)?,
            None => fd.loglevel.clone(),
        },
        pidfile: PathBuf::from(normalize_path(&pidfile)),
        umask: match ov("umask") {
            Some(v) => octal_type(&v).map_err(conv_err)?,
            None => fd.umask,
        },
        nodaemon: flag("nodaemon", fd.nodaemon),
        silent: flag("silent", fd.silent),
        minfds: non_negative(
            match ov("minfds") {
                Some(v) => integer(&v).map_err(conv_err)?,
                None => fd.minfds,
            },
            u64::MAX,
        ),
        minprocs: non_negative(
            match ov("minprocs") {
                Some(v) => integer(&v).map_err(conv_err)?,
                None => fd.minprocs,
            },
            u64::MAX,
        ),
        nocleanup: flag("nocleanup", fd.nocleanup),
        childlogdir: PathBuf::from(match ov("childlogdir") {
            Some(v) => existing_directory(&v).map_err(conv_err)?,
            None => fd.childlogdir.clone(),
        }),
        user,
        directory: match ov("directory") {
            Some(v) => Some(PathBuf::from(existing_directory(&v).map_err(conv_err)?)),
            None => fd.directory.clone().map(PathBuf::from),
        },
        strip_ansi: flag("strip_ansi", fd.strip_ansi),
        environment: if fd.environment.is_empty() { None } else { Some(fd.environment.clone()) },
        identifier: ov("identifier").unwrap_or_else(|| fd.identifier.clone()),
    };
    let mut config = Config {
        path: PathBuf::from(abspath(&configfile)),
        daemon,
        unix_http_server: file.unix_http_server,
        inet_http_server: file.inet_http_server,
        rpcinterfaces: file.rpcinterfaces,
        ctlplugins: file.ctlplugins,
        supervisorctl: file.supervisorctl,
        groups: file.groups,
        warnings: file.warnings,
        infos: file.infos,
        extra: Default::default(),
    };
    if ov("profile_options").is_some() {
        config.warnings.push("--profile_options is accepted for compatibility but profiling is not supported".to_string());
    }
    let fallback: Option<std::sync::Arc<str>> = config.server_url().map(Into::into);
    for g in &mut config.groups {
        for p in &mut g.processes {
            let p = std::sync::Arc::make_mut(p);
            p.serverurl = match p.serverurl.take() {
                None => fallback.clone(),
                Some(s) if s.is_empty() => None,
                Some(s) => Some(s),
            };
        }
    }
    Ok(config)
}

/// Finds and loads the config for these arguments, applying overrides.
/// Errors carry supervisord's exact message and exit code.
pub fn load_for_daemon(args: &DaemonArgs, argv0: &str) -> Result<Config, Exit> {
    if args.configuration.is_none() && nix::unistd::getuid().is_root() {
        eprintln!(
            "UserWarning: Supervisord is running as root and it is searching for its configuration file in default locations (including its current working directory); you probably want to specify a \"-c\" argument specifying an absolute path to a configuration file for improved security."
        );
    }
    resolve_for(args, argv0).map_err(|m| usage(&m, argv0))
}

/// `supervisord --check-config`: prints the resolved config as JSON (or the
/// error) and returns the exit code (0 or 2).
pub fn run_check_config(args: &DaemonArgs, argv0: &str) -> i32 {
    match load_for_daemon(args, argv0) {
        Ok(config) => match serde_json::to_string_pretty(&config) {
            Ok(json) => {
                use std::io::Write;
                // A closed stdout (e.g. piped into `head`) is not an error here.
                let _ = writeln!(std::io::stdout(), "{}", json);
                0
            }
            Err(e) => {
                eprintln!("Error: could not print the configuration: {}", e);
                2
            }
        },
        Err(exit) => {
            eprint!("{}", exit.message);
            exit.code
        }
    }
}

/// The whole front door for `supervisord`'s command line: handles -h, -v
/// and --check-config itself. Returns Ok(config) when the daemon should
/// run, Err(exit code) when supervisord should exit now.
pub fn daemon_front(argv: &[String]) -> Result<Config, i32> {
    let argv0 = argv.first().cloned().unwrap_or_else(|| "supervisord".to_string());
    let args = match parse_daemon_args_for(argv.get(1..).unwrap_or(&[]), &argv0) {
        Ok(a) => a,
        Err(exit) => {
            eprint!("{}", exit.message);
            return Err(exit.code);
        }
    };
    if args.help {
        print!("{}", help_text(&argv0));
        return Err(0);
    }
    if args.version {
        println!("{}", VERSION);
        return Err(0);
    }
    if args.check_config {
        return Err(run_check_config(&args, &argv0));
    }
    load_for_daemon(&args, &argv0).map_err(|exit| {
        eprint!("{}", exit.message);
        exit.code
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<DaemonArgs, String> {
        let v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse_daemon_args_for(&v, "supervisord").map_err(|e| e.message)
    }

    #[test]
    fn short_and_long_options() {
        let a = p(&["-c", "x.conf", "-n", "--loglevel=debug", "-ej"]).unwrap_err();
        assert!(a.contains("invalid value for -e 'j': bad logging level name 'j'"), "{a}");
        let a = p(&["-cx.conf", "-nk", "--logl", "debug"]).unwrap();
        assert_eq!(a.configuration, Some(PathBuf::from("x.conf")));
        assert_eq!(
            a.overrides,
            vec![("nodaemon".into(), "1".into()), ("nocleanup".into(), "1".into()), ("loglevel".into(), "debug".into())]
        );
    }

    #[test]
    fn getopt_errors() {
        assert!(p(&["-x"]).unwrap_err().starts_with("Error: option -x not recognized\nFor help, use supervisord -h\n"));
        assert!(p(&["--log=x"]).unwrap_err().contains("option --log not a unique prefix"));
        assert!(p(&["-c"]).unwrap_err().contains("option -c requires argument"));
        assert!(p(&["--nodaemon=1"]).unwrap_err().contains("option --nodaemon must not have an argument"));
        assert!(p(&["foo"]).unwrap_err().contains("positional arguments are not supported: ['foo']"));
        assert!(p(&["-n", "-n"]).unwrap_err().contains("conflicting command line option '-n'"));
    }

    #[test]
    fn bare_program_names_resolve_through_path() {
        let d = tempfile::tempdir().unwrap();
        let exe = d.path().join("supervisord");
        std::fs::write(&exe, "").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path_var = format!("/nonexistent:{}", d.path().display());
        assert_eq!(program_path_with("supervisord", Some(&path_var)), exe.display().to_string());
        assert_eq!(program_path_with("./supervisord", Some(&path_var)), "./supervisord");
        assert_eq!(program_path_with("nosuchprog", Some(&path_var)), "nosuchprog");
    }

    #[test]
    fn help_stops_processing() {
        assert!(p(&["-h", "-n", "-n"]).unwrap().help);
        assert!(p(&["-n", "-n", "-h"]).is_err());
        assert!(p(&["-v"]).unwrap().version);
        assert!(p(&["--check-config", "-c", "a"]).unwrap().check_config);
    }
}
