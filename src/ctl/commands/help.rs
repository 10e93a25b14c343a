//! `help` and each command's usage text, as 4.3.0 prints them.

use super::super::controller::{Controller, COMMANDS};
use super::super::pyfmt::columnize;
use super::super::server::CallError;

/// The usage text of a command (without the final newline).
pub fn usage(cmd: &str) -> Option<&'static str> {
    Some(match cmd {
        "tail" => "tail [-f] <name> [stdout|stderr] (default stdout)\nEx:\ntail -f <name>\t\tContinuous tail of named process stdout\n\t\t\tCtrl-C to exit.\ntail -100 <name>\tlast 100 *bytes* of process stdout\ntail <name> stderr\tlast 1600 *bytes* of process stderr",
        "maintail" => "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\nmaintail -100\tlast 100 *bytes* of supervisord main log file\nmaintail\tlast 1600 *bytes* of supervisor main log file\n",
        "quit" => "quit\tExit the supervisor shell.",
        "exit" => "exit\tExit the supervisor shell.",
        "status" => "status <name>\t\tGet status for a single process\nstatus <gname>:*\tGet status for all processes in a group\nstatus <name> <name>\tGet status for multiple named processes\nstatus\t\t\tGet all process status info",
        "pid" => "pid\t\t\tGet the PID of supervisord.\npid <name>\t\tGet the PID of a single child process by name.\npid all\t\t\tGet the PID of every child process, one per line.",
        "start" => "start <name>\t\tStart a process\nstart <gname>:*\t\tStart all processes in a group\nstart <name> <name>\tStart multiple processes or groups\nstart all\t\tStart all processes",
        "stop" => "stop <name>\t\tStop a process\nstop <gname>:*\t\tStop all processes in a group\nstop <name> <name>\tStop multiple processes or groups\nstop all\t\tStop all processes",
        "signal" => "signal <signal name> <name>\t\tSignal a process\nsignal <signal name> <gname>:*\t\tSignal all processes in a group\nsignal <signal name> <name> <name>\tSignal multiple processes or groups\nsignal <signal name> all\t\tSignal all processes",
        "restart" => "restart <name>\t\tRestart a process\nrestart <gname>:*\tRestart all processes in a group\nrestart <name> <name>\tRestart multiple processes or groups\nrestart all\t\tRestart all processes\nNote: restart does not reread config files. For that, see reread and update.",
        "shutdown" => "shutdown \tShut the remote supervisord down.",
        "reload" => "reload \t\tRestart the remote supervisord.",
        "avail" => "avail\t\t\tDisplay all configured processes",
        "reread" => "reread \t\t\tReload the daemon's configuration files without add/remove",
        "add" => "add <name> [...]\tActivates any updates in config for process/group",
        "remove" => "remove <name> [...]\tRemoves process/group from active config",
        "update" => "update\t\t\tReload config and add/remove as necessary, and will restart affected programs\nupdate all\t\tReload config and add/remove as necessary, and will restart affected programs\nupdate <gname> [...]\tUpdate specific groups",
        "clear" => "clear <name>\t\tClear a process' log files.\nclear <name> <name>\tClear multiple process' log files\nclear all\t\tClear all process' log files",
        "open" => "open <url>\tConnect to a remote supervisord process.\n\t\t(for UNIX domain socket, use unix:///socket/path)",
        "version" => "version\t\t\tShow the version of the remote supervisord process",
        "fg" => "fg <process>\tConnect to a process in foreground mode\n\t\tCtrl-C to exit",
        _ => return None,
    })
}

impl Controller {
    /// Prints a command's usage text.
    pub fn help_for(&mut self, cmd: &str) {
        if let Some(text) = usage(cmd) {
            self.output(text);
        }
    }

    pub fn do_help(&mut self, arg: &str) -> Result<(), CallError> {
        if arg.trim() == "help" {
            self.output("help\t\tPrint a list of available actions");
            self.output("help <action>\tPrint help for <action>");
            return Ok(());
        }
        if !arg.is_empty() {
            match usage(arg) {
                Some(text) => self.output(text),
                None => self.output(&format!("*** No help on {arg}")),
            }
            return Ok(());
        }
        self.output("");
        let header = "default commands (type help <topic>):";
        let documented: Vec<&str> = COMMANDS.iter().copied().filter(|c| *c != "help").collect();
        let mut text = format!("{header}\n{}\n", "=".repeat(header.len()));
        text.push_str(&columnize(&documented, 79));
        text.push('\n');
        self.console.out(&text);
        Ok(())
    }
}
