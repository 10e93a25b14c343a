//! The table of every XML-RPC method the daemon publishes: the 37
//! `supervisor.*` methods and the 4 `system.*` methods of supervisor 4.3.0,
//! each with its signature (return and parameter types, as
//! `system.methodSignature` reports them), how many parameters it requires
//! and its help text for `system.methodHelp`.
//!
//! The names, types and arities are supervisor's; the help sentences are ours.

/// One published method.
#[derive(Debug, Clone, Copy)]
pub struct MethodInfo {
    pub name: &'static str,
    /// What the method does, in one or two sentences.
    pub summary: &'static str,
    /// Parameters in call order: (XML-RPC type, name, meaning).
    pub params: &'static [(&'static str, &'static str, &'static str)],
    /// (XML-RPC type, meaning) of the result.
    pub returns: (&'static str, &'static str),
    /// Parameters that must be given; the rest have defaults (`wait=True`).
    pub required: usize,
}

impl MethodInfo {
    /// `[return type, param type, ...]` as `system.methodSignature` gives it.
    pub fn signature(&self) -> Vec<&'static str> {
        std::iter::once(self.returns.0).chain(self.params.iter().map(|p| p.0)).collect()
    }

    /// Whether `n` positional arguments fit this method.
    pub fn accepts_arity(&self, n: usize) -> bool {
        n >= self.required && n <= self.params.len()
    }

    /// The text `system.methodHelp` returns: the summary, then one
    /// `@param type name meaning` line per parameter and a `@return` line,
    /// the tag format supervisor's own help strings use.
    pub fn help(&self) -> String {
        let mut out = String::new();
        out.push_str(self.summary);
        out.push_str("\n\n");
        for (ty, name, what) in self.params {
            out.push_str(&format!("@param {ty} {name} {what}\n"));
        }
        out.push_str(&format!("@return {} result {}\n", self.returns.0, self.returns.1));
        out
    }
}

const NAME: (&str, &str, &str) = ("string", "name", "Process name or 'group:name' (or 'group:*').");
const GROUP: (&str, &str, &str) = ("string", "name", "Process group name.");
const WAIT: (&str, &str, &str) = ("boolean", "wait", "Wait for the state change to finish (default true).");
const OFFSET: (&str, &str, &str) = ("int", "offset", "Byte offset to start reading from (negative: from the end).");
const LENGTH: (&str, &str, &str) = ("int", "length", "Number of bytes to read.");
const SIGNAL: (&str, &str, &str) = ("string", "signal", "Signal name (e.g. HUP) or number.");

const fn m(
    name: &'static str,
    summary: &'static str,
    params: &'static [(&'static str, &'static str, &'static str)],
    returns: (&'static str, &'static str),
    required: usize,
) -> MethodInfo {
    MethodInfo { name, summary, params, returns, required }
}

/// Every published method, sorted by name (the order of `system.listMethods`).
pub static METHODS: &[MethodInfo] = &[
    m("supervisor.addProcessGroup", "Start a process group that the configuration defines but that is not running yet.",
      &[("string", "name", "Name of the group to add.")], ("boolean", "true on success"), 1),
    m("supervisor.clearAllProcessLogs", "Empty the stdout and stderr logs of every process.",
      &[], ("array", "one status struct per process"), 0),
    m("supervisor.clearLog", "Empty the supervisord main log.",
      &[], ("boolean", "true on success"), 0),
    m("supervisor.clearProcessLog", "Empty one process's stdout and stderr logs (same as clearProcessLogs).",
      &[NAME], ("boolean", "true on success"), 1),
    m("supervisor.clearProcessLogs", "Empty one process's stdout and stderr logs.",
      &[NAME], ("boolean", "true on success"), 1),
    m("supervisor.getAPIVersion", "The version of the RPC API this daemon speaks.",
      &[], ("string", "the API version"), 0),
    m("supervisor.getAllConfigInfo", "The configuration of every process, running or not.",
      &[], ("array", "one config struct per process"), 0),
    m("supervisor.getAllProcessInfo", "Status information about every process.",
      &[], ("array", "one process info struct per process"), 0),
    m("supervisor.getIdentification", "The identifier of this supervisord (the 'identifier' option).",
      &[], ("string", "the identifier"), 0),
    m("supervisor.getPID", "The process id of supervisord.",
      &[], ("int", "the pid"), 0),
    m("supervisor.getProcessInfo", "Status information about one process.",
      &[NAME], ("struct", "the process info struct"), 1),
    m("supervisor.getState", "The current state of supervisord as a struct with statecode and statename.",
      &[], ("struct", "statecode and statename"), 0),
    m("supervisor.getSupervisorVersion", "The version of supervisor this daemon is compatible with.",
      &[], ("string", "the version"), 0),
    m("supervisor.getVersion", "The version of the RPC API (deprecated name of getAPIVersion).",
      &[], ("string", "the API version"), 0),
    m("supervisor.readLog", "Read part of the main log (same as readMainLog).",
      &[OFFSET, LENGTH], ("string", "the bytes read"), 2),
    m("supervisor.readMainLog", "Read part of the main log.",
      &[OFFSET, LENGTH], ("string", "the bytes read"), 2),
    m("supervisor.readProcessLog", "Read part of a process's stdout log (same as readProcessStdoutLog).",
      &[NAME, OFFSET, LENGTH], ("string", "the bytes read"), 3),
    m("supervisor.readProcessStderrLog", "Read part of a process's stderr log.",
      &[NAME, OFFSET, LENGTH], ("string", "the bytes read"), 3),
    m("supervisor.readProcessStdoutLog", "Read part of a process's stdout log.",
      &[NAME, OFFSET, LENGTH], ("string", "the bytes read"), 3),
    m("supervisor.reloadConfig", "Re-read the configuration file and report which groups were added, changed or removed.",
      &[], ("array", "[[added, changed, removed]]"), 0),
    m("supervisor.removeProcessGroup", "Remove a stopped process group from the running configuration.",
      &[GROUP], ("boolean", "true on success"), 1),
    m("supervisor.restart", "Restart supervisord: stop every process and reload the configuration.",
      &[], ("boolean", "true once the restart is under way"), 0),
    m("supervisor.sendProcessStdin", "Write characters to a process's stdin.",
      &[NAME, ("string", "chars", "The characters to send.")], ("boolean", "true on success"), 2),
    m("supervisor.sendRemoteCommEvent", "Emit a REMOTE_COMMUNICATION event to the event listeners.",
      &[("string", "type", "The event's type field."), ("string", "data", "The event's data.")],
      ("boolean", "always true"), 2),
    m("supervisor.shutdown", "Stop every process and exit supervisord.",
      &[], ("boolean", "true once the shutdown is under way"), 0),
    m("supervisor.signalAllProcesses", "Send a signal to every running process.",
      &[SIGNAL], ("array", "one status struct per process"), 1),
    m("supervisor.signalProcess", "Send a signal to one process.",
      &[NAME, SIGNAL], ("boolean", "true on success"), 2),
    m("supervisor.signalProcessGroup", "Send a signal to every process of a group.",
      &[GROUP, SIGNAL], ("array", "one status struct per process"), 2),
    m("supervisor.startAllProcesses", "Start every process that is not running, in priority order.",
      &[WAIT], ("array", "one status struct per process"), 0),
    m("supervisor.startProcess", "Start one process.",
      &[NAME, WAIT], ("boolean", "true on success"), 1),
    m("supervisor.startProcessGroup", "Start every process of a group.",
      &[GROUP, WAIT], ("array", "one status struct per process"), 1),
    m("supervisor.stopAllProcesses", "Stop every running process, in reverse priority order.",
      &[WAIT], ("array", "one status struct per process"), 0),
    m("supervisor.stopProcess", "Stop one process.",
      &[NAME, WAIT], ("boolean", "true on success"), 1),
    m("supervisor.stopProcessGroup", "Stop every process of a group.",
      &[GROUP, WAIT], ("array", "one status struct per process"), 1),
    m("supervisor.tailProcessLog", "Read the end of a process's stdout log (same as tailProcessStdoutLog).",
      &[NAME, OFFSET, LENGTH], ("array", "[bytes, new offset, overflow flag]"), 3),
    m("supervisor.tailProcessStderrLog", "Read the end of a process's stderr log, for following it by offset.",
      &[NAME, OFFSET, LENGTH], ("array", "[bytes, new offset, overflow flag]"), 3),
    m("supervisor.tailProcessStdoutLog", "Read the end of a process's stdout log, for following it by offset.",
      &[NAME, OFFSET, LENGTH], ("array", "[bytes, new offset, overflow flag]"), 3),
    m("system.listMethods", "The names of every method this server publishes.",
      &[], ("array", "method names"), 0),
    m("system.methodHelp", "The documentation of one method.",
      &[("string", "name", "The method's full name.")], ("string", "the documentation"), 1),
    m("system.methodSignature", "The signature of one method as [return type, parameter types...].",
      &[("string", "name", "The method's full name.")], ("array", "the type names"), 1),
    m("system.multicall", "Run several calls in one request. Each call is a struct {'methodName': string, \
       'params': array}; each result is the call's value or a {'faultCode', 'faultString'} struct.",
      &[("array", "calls", "The calls to make, in order.")], ("array", "one result per call"), 1),
];

/// The method called `name`, if published.
pub fn find(name: &str) -> Option<&'static MethodInfo> {
    METHODS.iter().find(|m| m.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_complete() {
        let names: Vec<&str> = METHODS.iter().map(|m| m.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(names.iter().filter(|n| n.starts_with("supervisor.")).count(), 37);
        assert_eq!(names.iter().filter(|n| n.starts_with("system.")).count(), 4);
    }

    #[test]
    fn signatures_and_arity() {
        let start = find("supervisor.startProcess").unwrap();
        assert_eq!(start.signature(), vec!["boolean", "string", "boolean"]);
        assert!(start.accepts_arity(1) && start.accepts_arity(2));
        assert!(!start.accepts_arity(0) && !start.accepts_arity(3));
        assert!(start.help().contains("@param boolean wait"));
        assert!(find("supervisor.nope").is_none());
    }
}
