//! supervisorctl's command line, parsed as 4.3.0 parses it (Python getopt:
//! options stop at the first word that is not one, long options may be
//! abbreviated), merged over the `[supervisorctl]` config section.

use std::path::{Path, PathBuf};

use super::controller::Settings;
use super::pyfmt::{is_url, repr_str};

/// The usage text `-h` prints; `%s` becomes the program name.
const DOC: &str = "supervisorctl -- control applications run by supervisord from the cmd line.

Usage: %s [options] [action [arguments]]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-h/--help -- print usage message and exit
-i/--interactive -- start an interactive shell after executing commands
-s/--serverurl URL -- URL on which supervisord server is listening
     (default \"http://localhost:9001\").
-u/--username USERNAME -- username to use for authentication with server
-p/--password PASSWORD -- password to use for authentication with server
-r/--history-file -- keep a readline history (if readline is available)

action [arguments] -- see below

Actions are commands like \"tail\" or \"stop\".  If -i is specified or no action is
specified on the command line, a \"shell\" interpreting actions typed
interactively is started.  Use the action \"help\" to find out about available
actions.
";

const SHORT: &str = "h?c:is:u:p:r:";
const LONG: &[&str] = &["help", "configuration=", "interactive", "serverurl=", "username=", "password=", "history_file="];

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub settings: Settings,
    /// The command words; empty means the interactive shell.
    pub args: Vec<String>,
}

/// Ending the program before any command: text for stdout or stderr, and
/// the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

fn usage(progname: &str, msg: &str) -> Exit {
    Exit { stdout: String::new(), stderr: format!("Error: {msg}\nFor help, use {progname} -h\n"), code: 2 }
}

/// (option, value) pairs and the words after the options.
pub type Parsed = (Vec<(String, String)>, Vec<String>);

/// Python's `getopt.getopt`: (option, value) pairs and the remaining words.
pub fn getopt(args: &[String]) -> Result<Parsed, String> {
    let mut opts = Vec::new();
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') && args[i] != "-" {
        if args[i] == "--" {
            i += 1;
            break;
        }
        if let Some(long) = args[i].strip_prefix("--") {
            let (name, mut value) = match long.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (long.to_string(), None),
            };
            let possible: Vec<&str> = LONG.iter().copied().filter(|o| o.starts_with(name.as_str())).collect();
            if possible.is_empty() {
                return Err(format!("option --{name} not recognized"));
            }
            let (has_arg, full) = if possible.contains(&name.as_str()) {
                (false, name.clone())
            } else if possible.contains(&format!("{name}=").as_str()) {
                (true, name.clone())
            } else if possible.len() > 1 {
                return Err(format!("option --{name} not a unique prefix"));
            } else {
                let only = possible[0];
                match only.strip_suffix('=') {
                    Some(n) => (true, n.to_string()),
                    None => (false, only.to_string()),
                }
            };
            if has_arg {
                if value.is_none() {
                    if i + 1 >= args.len() {
                        return Err(format!("option --{full} requires argument"));
                    }
                    i += 1;
                    value = Some(args[i].clone());
                }
            } else if value.is_some() {
                return Err(format!("option --{full} must not have an argument"));
            }
            opts.push((format!("--{full}"), value.unwrap_or_default()));
            i += 1;
            continue;
        }
        let mut chars: Vec<char> = args[i][1..].chars().collect();
        while !chars.is_empty() {
            let c = chars.remove(0);
            let pos = SHORT.char_indices().find(|&(_, s)| s == c && s != ':').map(|(p, _)| p);
            let Some(pos) = pos else {
                return Err(format!("option -{c} not recognized"));
            };
            let takes_arg = SHORT[pos + c.len_utf8()..].starts_with(':');
            if takes_arg {
                let value = if chars.is_empty() {
                    if i + 1 >= args.len() {
                        return Err(format!("option -{c} requires argument"));
                    }
                    i += 1;
                    args[i].clone()
                } else {
                    chars.drain(..).collect()
                };
                opts.push((format!("-{c}"), value));
            } else {
                opts.push((format!("-{c}"), String::new()));
            }
        }
        i += 1;
    }
    Ok((opts, args[i..].to_vec()))
}

/// Parses the command line and reads the config file it names (or finds).
pub fn parse(progname: &str, args: &[String]) -> Result<Invocation, Exit> {
    let (opts, rest) = getopt(args).map_err(|m| usage(progname, &m))?;
    let mut configfile: Option<String> = None;
    let mut interactive = false;
    let mut serverurls: Vec<String> = Vec::new();
    let mut username: Option<String> = None;
    let mut password: Option<String> = None;
    let mut history: Option<String> = None;
    for (opt, value) in opts {
        let conflict = || usage(progname, &format!("conflicting command line option {}", repr_str(&opt)));
        match opt.as_str() {
            "-h" | "-?" | "--help" => {
                return Err(Exit { stdout: format!("{}\n", DOC.replace("%s", progname)), stderr: String::new(), code: 0 });
            }
            "-c" | "--configuration" => {
                if configfile.replace(value).is_some() {
                    return Err(conflict());
                }
            }
            "-i" | "--interactive" => {
                if interactive {
                    return Err(conflict());
                }
                interactive = true;
            }
            "-s" | "--serverurl" => {
                if !is_url(&value) {
                    let v = repr_str(&value);
                    return Err(usage(progname, &format!("invalid value for {opt} {v}: value {v} is not a URL")));
                }
                // Our addition: -s may repeat (combined status).
                serverurls.push(value);
            }
            "-u" | "--username" => {
                if username.replace(value).is_some() {
                    return Err(conflict());
                }
            }
            "-p" | "--password" => {
                if password.replace(value).is_some() {
                    return Err(conflict());
                }
            }
            "-r" | "--history_file" => {
                if history.replace(value).is_some() {
                    return Err(conflict());
                }
            }
            _ => return Err(usage(progname, &format!("option {opt} not recognized"))),
        }
    }
    let file = match configfile {
        Some(f) => Some(f),
        None => crate::config::load::find_default_config(progname),
    };
    let ctl = match &file {
        Some(f) => crate::config::load_ctl(Some(Path::new(f))).map_err(|e| usage(progname, &e.0))?,
        None => crate::config::load_ctl(None).map_err(|e| usage(progname, &e.0))?,
    };
    let settings = Settings {
        serverurls: if serverurls.is_empty() { vec![ctl.serverurl] } else { serverurls },
        username: username.or(ctl.username),
        password: password.or(ctl.password),
        interactive: interactive || rest.is_empty(),
        prompt: ctl.prompt,
        history_file: history.map(PathBuf::from).or(ctl.history_file),
    };
    Ok(Invocation { settings, args: rest })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn getopt_stops_at_first_word() {
        let (opts, rest) = getopt(&s(&["-s", "unix:///x", "status", "-s", "y"])).expect("ok");
        assert_eq!(opts, vec![("-s".to_string(), "unix:///x".to_string())]);
        assert_eq!(rest, s(&["status", "-s", "y"]));
    }

    #[test]
    fn getopt_short_forms() {
        let (opts, rest) = getopt(&s(&["-iuuser", "-p", "pw", "--", "-x"])).expect("ok");
        assert_eq!(
            opts,
            vec![("-i".into(), "".into()), ("-u".into(), "user".into()), ("-p".into(), "pw".into())]
        );
        assert_eq!(rest, s(&["-x"]));
    }

    #[test]
    fn getopt_long_prefixes() {
        let (opts, _) = getopt(&s(&["--serv=unix:///x", "--user", "bob", "--inter"])).expect("ok");
        assert_eq!(
            opts,
            vec![
                ("--serverurl".into(), "unix:///x".into()),
                ("--username".into(), "bob".into()),
                ("--interactive".into(), "".into())
            ]
        );
    }

    #[test]
    fn getopt_errors_read_as_python() {
        assert_eq!(getopt(&s(&["-x"])).unwrap_err(), "option -x not recognized");
        assert_eq!(getopt(&s(&["-c"])).unwrap_err(), "option -c requires argument");
        assert_eq!(getopt(&s(&["--version"])).unwrap_err(), "option --version not recognized");
        assert_eq!(getopt(&s(&["--help=x"])).unwrap_err(), "option --help must not have an argument");
        assert_eq!(getopt(&s(&["--serverurl"])).unwrap_err(), "option --serverurl requires argument");
        assert_eq!(getopt(&s(&["--"])).map(|r| r.1.len()), Ok(0));
    }

    #[test]
    fn help_and_usage_exits() {
        let e = parse("prog", &s(&["-h"])).unwrap_err();
        assert_eq!(e.code, 0);
        assert!(e.stdout.contains("Usage: prog [options] [action [arguments]]"));
        assert!(e.stdout.ends_with("actions.\n\n"));
        let e = parse("prog", &s(&["-s", "foo"])).unwrap_err();
        assert_eq!(e.code, 2);
        assert_eq!(e.stderr, "Error: invalid value for -s 'foo': value 'foo' is not a URL\nFor help, use prog -h\n");
        let e = parse("prog", &s(&["-i", "-i"])).unwrap_err();
        assert_eq!(e.stderr, "Error: conflicting command line option '-i'\nFor help, use prog -h\n");
        let e = parse("prog", &s(&["-c", "/nonexistent/x.conf", "status"])).unwrap_err();
        assert_eq!(e.stderr, "Error: could not find config file /nonexistent/x.conf\nFor help, use prog -h\n");
    }

    #[test]
    fn command_line_wins_over_config() {
        let dir = tempfile::tempdir().expect("tmp");
        let conf = dir.path().join("s.conf");
        std::fs::write(&conf, "[supervisorctl]\nserverurl=unix://%(here)s/s.sock\nusername=cfg\nprompt=mine\n").expect("write");
        let c = conf.to_string_lossy().to_string();
        let inv = parse("prog", &s(&["-c", &c, "-u", "cli", "status"])).expect("ok");
        assert_eq!(inv.settings.serverurls, vec![format!("unix://{}/s.sock", dir.path().display())]);
        assert_eq!(inv.settings.username.as_deref(), Some("cli"));
        assert_eq!(inv.settings.password, None);
        assert_eq!(inv.settings.prompt, "mine");
        assert!(!inv.settings.interactive);
        let inv = parse("prog", &s(&["-c", &c, "-s", "http://a:1", "-s", "http://b:2"])).expect("ok");
        assert_eq!(inv.settings.serverurls.len(), 2);
        assert!(inv.settings.interactive);
        std::fs::write(&conf, "[supervisord]\n").expect("write");
        let e = parse("prog", &s(&["-c", &c, "status"])).unwrap_err();
        assert_eq!(e.stderr, "Error: .ini file does not include supervisorctl section\nFor help, use prog -h\n");
    }
}
