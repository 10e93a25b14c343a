//! Commands about the daemon's configuration: avail, reread, add, remove,
//! and update (computed here from reloadConfig and group calls, as 4.3.0 does).

use std::collections::BTreeSet;

use crate::rpc::value::{codes, Value};

use super::super::controller::{exit, field_int, field_str, items, Controller};
use super::super::format;
use super::super::pyfmt::split_words;
use super::super::server::CallError;

/// Group names added, changed and removed.
type Changes = (Vec<String>, Vec<String>, Vec<String>);

/// `reloadConfig`'s `[[added, changed, removed]]`.
fn changes(result: &Value) -> Result<Changes, CallError> {
    let outer = items(result)?;
    let lists = outer
        .first()
        .ok_or_else(|| CallError::unexpected("IndexError", "list index out of range"))
        .and_then(items)?;
    if lists.len() != 3 {
        return Err(CallError::unexpected("ValueError", format!("expected 3 lists, got {}", lists.len())));
    }
    let names = |v: &Value| -> Result<Vec<String>, CallError> {
        Ok(items(v)?.iter().map(super::super::controller::py_str).collect())
    };
    Ok((names(&lists[0])?, names(&lists[1])?, names(&lists[2])?))
}

impl Controller {
    /// The shared "accepts no arguments" check.
    pub fn no_arguments(&mut self, cmd: &str, arg: &str) -> bool {
        if arg.is_empty() {
            return true;
        }
        self.output(&format!("Error: {cmd} accepts no arguments"));
        self.exit = exit::GENERIC;
        self.help_for(cmd);
        false
    }

    pub fn do_avail(&mut self, arg: &str) -> Result<(), CallError> {
        if !self.no_arguments("avail", arg) {
            return Ok(());
        }
        match self.call("supervisor.getAllConfigInfo", &[]) {
            Ok(infos) => {
                for info in items(&infos)? {
                    let line = format::config_info_line(info)?;
                    self.output(&line);
                }
                Ok(())
            }
            Err(CallError::Fault(f)) if f.code == codes::SHUTDOWN_STATE => {
                self.exit = exit::GENERIC;
                self.output("ERROR: supervisor shutting down");
                Ok(())
            }
            Err(e) => {
                self.exit = exit::GENERIC;
                Err(e)
            }
        }
    }

    pub fn do_reread(&mut self, arg: &str) -> Result<(), CallError> {
        if !self.no_arguments("reread", arg) {
            return Ok(());
        }
        match self.call("supervisor.reloadConfig", &[]) {
            Ok(result) => {
                let (added, changed, removed) = changes(&result)?;
                for line in format::change_lines(&added, &changed, &removed) {
                    self.output(&line);
                }
                Ok(())
            }
            Err(CallError::Fault(f)) if f.code == codes::SHUTDOWN_STATE => {
                self.exit = exit::GENERIC;
                self.output("ERROR: supervisor shutting down");
                Ok(())
            }
            Err(CallError::Fault(f)) if f.code == codes::CANT_REREAD => {
                self.exit = exit::GENERIC;
                self.output(&format!("ERROR: {}", f.string));
                Ok(())
            }
            Err(e) => {
                self.exit = exit::GENERIC;
                Err(e)
            }
        }
    }

    pub fn do_add(&mut self, arg: &str) -> Result<(), CallError> {
        for name in split_words(arg) {
            match self.call("supervisor.addProcessGroup", &[Value::from(name.as_str())]) {
                Ok(_) => self.output(&format!("{name}: added process group")),
                Err(CallError::Fault(f)) if f.code == codes::SHUTDOWN_STATE => {
                    self.output("ERROR: shutting down");
                    self.exit = exit::GENERIC;
                }
                Err(CallError::Fault(f)) if f.code == codes::ALREADY_ADDED => {
                    self.output("ERROR: process group already active");
                }
                Err(CallError::Fault(f)) if f.code == codes::BAD_NAME => {
                    self.output(&format!("ERROR: no such process/group: {name}"));
                    self.exit = exit::GENERIC;
                }
                Err(e) => {
                    self.exit = exit::GENERIC;
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    pub fn do_remove(&mut self, arg: &str) -> Result<(), CallError> {
        for name in split_words(arg) {
            match self.call("supervisor.removeProcessGroup", &[Value::from(name.as_str())]) {
                Ok(_) => self.output(&format!("{name}: removed process group")),
                Err(CallError::Fault(f)) if f.code == codes::STILL_RUNNING => {
                    self.exit = exit::GENERIC;
                    self.output(&format!("ERROR: process/group still running: {name}"));
                }
                Err(CallError::Fault(f)) if f.code == codes::BAD_NAME => {
                    self.exit = exit::GENERIC;
                    self.output(&format!("ERROR: no such process/group: {name}"));
                }
                Err(e) => {
                    self.exit = exit::GENERIC;
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    pub fn do_update(&mut self, arg: &str) -> Result<(), CallError> {
        let result = match self.call("supervisor.reloadConfig", &[]) {
            Ok(r) => r,
            Err(CallError::Fault(f)) if f.code == codes::SHUTDOWN_STATE => {
                self.exit = exit::GENERIC;
                self.output("ERROR: already shutting down");
                return Ok(());
            }
            Err(e) => {
                self.exit = exit::GENERIC;
                return Err(e);
            }
        };
        let (added, changed, removed) = changes(&result)?;
        // Python keeps these names in a set; iteration order of a set of
        // strings is not fixed, so sorted order is as good as any.
        let mut wanted: BTreeSet<String> = split_words(arg).into_iter().collect();
        if wanted.contains("all") {
            wanted.clear();
        }
        if !wanted.is_empty() {
            let mut groups: BTreeSet<String> = BTreeSet::new();
            let all = self.call("supervisor.getAllProcessInfo", &[])?;
            for info in items(&all)? {
                groups.insert(field_str(info, "group")?);
            }
            groups.extend(added.iter().cloned());
            for g in wanted.clone() {
                if !groups.contains(&g) {
                    self.output(&format!("ERROR: no such group: {g}"));
                    self.exit = exit::GENERIC;
                }
            }
        }
        let chosen = |g: &String| wanted.is_empty() || wanted.contains(g);
        for g in removed.iter().filter(|g| chosen(g)) {
            let results = self.call("supervisor.stopProcessGroup", &[Value::from(g.as_str())])?;
            self.output(&format!("{g}: stopped"));
            let mut failed = false;
            for r in items(&results)? {
                if field_int(r, "status")? == codes::FAILED as i64 {
                    failed = true;
                }
            }
            if failed {
                self.output(&format!("{g}: has problems; not removing"));
                self.exit = exit::GENERIC;
                continue;
            }
            self.call("supervisor.removeProcessGroup", &[Value::from(g.as_str())])?;
            self.output(&format!("{g}: removed process group"));
        }
        for g in changed.iter().filter(|g| chosen(g)) {
            self.call("supervisor.stopProcessGroup", &[Value::from(g.as_str())])?;
            self.output(&format!("{g}: stopped"));
            self.call("supervisor.removeProcessGroup", &[Value::from(g.as_str())])?;
            self.call("supervisor.addProcessGroup", &[Value::from(g.as_str())])?;
            self.output(&format!("{g}: updated process group"));
        }
        for g in added.iter().filter(|g| chosen(g)) {
            self.call("supervisor.addProcessGroup", &[Value::from(g.as_str())])?;
            self.output(&format!("{g}: added process group"));
        }
        Ok(())
    }
}
