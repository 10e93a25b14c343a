//! Commands about supervisord itself: shutdown, reload, version, open.

use crate::rpc::value::codes;

use super::super::controller::{exit, py_str, Controller};
use super::super::pyfmt::url_scheme;
use super::super::server::CallError;

impl Controller {
    /// In the shell, asks before shutting down or restarting the daemon.
    fn confirm(&mut self, question: &str) -> Result<bool, CallError> {
        if !self.settings.interactive {
            return Ok(true);
        }
        match self.console.read_line(question) {
            Some(answer) => Ok(answer.to_lowercase().starts_with('y')),
            None => Err(CallError::unexpected("EOFError", "EOF when reading a line")),
        }
    }

    pub fn do_shutdown(&mut self, arg: &str) -> Result<(), CallError> {
        if !self.no_arguments("shutdown", arg) {
            return Ok(());
        }
        if !self.confirm("Really shut the remote supervisord process down y/N? ")? {
            return Ok(());
        }
        let url = self.settings.serverurl().to_string();
        match self.call("supervisor.shutdown", &[]) {
            Ok(_) => self.output("Shut down"),
            Err(CallError::Fault(f)) if f.code == codes::SHUTDOWN_STATE => {
                self.output("ERROR: already shutting down");
            }
            Err(e) if e.errno() == Some(libc::ECONNREFUSED) => {
                self.exit = exit::GENERIC;
                self.output(&format!("ERROR: {url} refused connection (already shut down?)"));
            }
            Err(e) if e.errno() == Some(libc::ENOENT) => {
                self.exit = exit::GENERIC;
                self.output(&format!("ERROR: {url} no such file (already shut down?)"));
            }
            Err(e) => {
                self.exit = exit::GENERIC;
                return Err(e);
            }
        }
        Ok(())
    }

    pub fn do_reload(&mut self, arg: &str) -> Result<(), CallError> {
        if !self.no_arguments("reload", arg) {
            return Ok(());
        }
        if !self.confirm("Really restart the remote supervisord process y/N? ")? {
            return Ok(());
        }
        match self.call("supervisor.restart", &[]) {
            Ok(_) => self.output("Restarted supervisord"),
            Err(CallError::Fault(f)) if f.code == codes::SHUTDOWN_STATE => {
                self.exit = exit::GENERIC;
                self.output("ERROR: already shutting down");
            }
            Err(e) => {
                self.exit = exit::GENERIC;
                return Err(e);
            }
        }
        Ok(())
    }

    pub fn do_version(&mut self, arg: &str) -> Result<(), CallError> {
        if !self.no_arguments("version", arg) {
            return Ok(());
        }
        if !self.upcheck()? {
            return Ok(());
        }
        let v = self.call("supervisor.getSupervisorVersion", &[])?;
        self.output(&py_str(&v));
        Ok(())
    }

    pub fn do_open(&mut self, arg: &str) -> Result<(), CallError> {
        let url = arg.trim().to_string();
        let scheme = url_scheme(&url).unwrap_or_default();
        if scheme != "unix" && scheme != "http" {
            self.output("ERROR: url must be http:// or unix://");
            self.exit = exit::GENERIC;
            return Ok(());
        }
        self.settings.serverurls = vec![url];
        let saved = self.exit;
        let result = self.do_status("");
        self.exit = saved;
        result
    }
}
