//! Our addition: `status` across several servers (`-s URL` given more than
//! once). Lines carry the server URL in a first column; `--json` objects
//! carry it as `server`. A server that cannot be reached gets one line
//! saying why, and the exit code 4, as `status` gives for one server.

use crate::rpc::value::{codes, Value};

use super::super::controller::{exit, field_int, items, py_str, Controller, API_VERSION};
use super::super::format;
use super::super::server::CallError;
use super::process::{select, STOPPED_STATES};

impl Controller {
    /// All process infos of one server, or the line explaining why not.
    fn infos_of(&self, url: &str) -> Result<Vec<Value>, String> {
        let mut server = self.server_for(url);
        let describe = |e: CallError| match e.errno() {
            Some(libc::ECONNREFUSED) => format!("{url} refused connection"),
            Some(libc::ENOENT) => format!("{url} no such file"),
            _ => match e {
                CallError::Http { status: 401, .. } => format!("{url} Server requires authentication"),
                CallError::Fault(f) if f.code == codes::UNKNOWN_METHOD => {
                    format!("{url} does not have the [rpcinterface:supervisor] section enabled")
                }
                other => format!("{url} error: {}", other.python_text()),
            },
        };
        let api = server.call("supervisor.getVersion", &[]).map_err(describe)?;
        if py_str(&api) != API_VERSION {
            return Err(format!("{url} speaks API version {}, not {API_VERSION}", py_str(&api)));
        }
        let all = server.call("supervisor.getAllProcessInfo", &[]).map_err(describe)?;
        items(&all).map(|v| v.to_vec()).map_err(|e| format!("{url} error: {}", e.python_text()))
    }

    pub fn status_across_servers(&mut self, names: &[String], json: bool) -> Result<(), CallError> {
        let urls = self.settings.serverurls.clone();
        let mut infos: Vec<Value> = Vec::new();
        let mut owners: Vec<String> = Vec::new();
        let mut unreachable = false;
        for url in &urls {
            match self.infos_of(url) {
                Ok(list) => {
                    for info in list {
                        infos.push(info);
                        owners.push(url.clone());
                    }
                }
                Err(message) => {
                    unreachable = true;
                    let line = if json { format::json_error_line(&message, Some(url)) } else { message };
                    self.output(&line);
                }
            }
        }
        let (indices, errors) = select(&infos, names)?;
        let chosen: Vec<&Value> = indices.iter().map(|&i| &infos[i]).collect();
        let servers: Vec<String> = indices.iter().map(|&i| owners[i].clone()).collect();
        for e in &errors {
            let line = if json { format::json_error_line(e, None) } else { e.clone() };
            self.output(&line);
            self.exit = exit::STATUS_UNKNOWN;
        }
        if json {
            for (info, server) in chosen.iter().zip(&servers) {
                self.output(&format::json_line(info, Some(server)));
            }
        } else {
            for line in format::status_lines(&chosen, Some(&servers))? {
                self.output(&line);
            }
        }
        for info in &chosen {
            if STOPPED_STATES.contains(&field_int(info, "state")?) {
                self.exit = exit::STATUS_NOT_RUNNING;
            }
        }
        if unreachable {
            self.exit = exit::STATUS_UNKNOWN;
        }
        Ok(())
    }
}
