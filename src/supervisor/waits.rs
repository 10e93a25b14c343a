//! Calls answered later: `wait=true` starts and stops. Each pending call is
//! re-checked after every supervisor step (like 4.3.0's deferred callbacks)
//! and answered once its processes reached their state; meanwhile the
//! supervisor keeps serving everyone else.

use std::time::{Duration, Instant};

use crate::process::state::ProcessState;
use crate::rpc::value::{codes, structure, Fault, Value};
use crate::supervisor::core::{ReplyTx, Supervisor};
use crate::supervisor::subprocess::ProcKey;

/// What one process must reach.
#[derive(Debug, Clone)]
pub enum WaitCond {
    /// RUNNING (fails with SPAWN_ERROR or ABNORMAL_TERMINATION). `name` is
    /// the namespec used in the fault text.
    Start { key: ProcKey, name: String },
    /// A stopped state.
    Stop { key: ProcKey },
}

/// A pending call.
#[derive(Debug)]
pub enum WaitKind {
    /// startProcess/stopProcess: answers true or the fault.
    One(WaitCond),
    /// The *Group/*All variants: answers the status structs, the immediate
    /// ones first, then each waited process as it finishes.
    All { results: Vec<Value>, pending: Vec<WaitCond> },
}

#[derive(Debug)]
pub struct Waiter {
    pub kind: WaitKind,
    pub reply: ReplyTx,
}

/// The `{name, group, status, description}` struct of group results.
pub fn status_struct(group: &str, name: &str, result: &Result<(), Fault>) -> Value {
    let (status, description) = match result {
        Ok(()) => (codes::SUCCESS as i64, "OK".to_string()),
        Err(f) => (f.code as i64, f.string.clone()),
    };
    structure([
        ("name", Value::str(name)),
        ("group", Value::str(group)),
        ("status", Value::Int(status)),
        ("description", Value::String(description)),
    ])
}

impl WaitCond {
    fn key(&self) -> &ProcKey {
        match self {
            WaitCond::Start { key, .. } | WaitCond::Stop { key } => key,
        }
    }
}

impl Waiter {
    /// When this wait next needs a look even without events (the
    /// `waiting for x to stop` report every 2 seconds).
    pub fn next_deadline(&self, sup: &Supervisor) -> Option<Instant> {
        let conds: Vec<&WaitCond> = match &self.kind {
            WaitKind::One(c) => vec![c],
            WaitKind::All { pending, .. } => pending.iter().collect(),
        };
        conds
            .into_iter()
            .filter_map(|c| match c {
                WaitCond::Stop { key } => {
                    let p = sup.process(key)?;
                    if p.state == ProcessState::Stopping {
                        p.laststopreport.map(|t| t + Duration::from_millis(2001))
                    } else {
                        None
                    }
                }
                _ => None,
            })
            .min()
    }
}

impl Supervisor {
    /// Evaluates one condition: Some(result) when decided.
    fn eval_wait(&mut self, cond: &WaitCond) -> Option<Result<(), Fault>> {
        match cond {
            WaitCond::Start { key, name } => {
                let Some(p) = self.process(key) else {
                    return Some(Err(Fault::with(codes::ABNORMAL_TERMINATION, name)));
                };
                if p.spawnerr.is_some() {
                    return Some(Err(Fault::with(codes::SPAWN_ERROR, name)));
                }
                match p.state {
                    ProcessState::Running => Some(Ok(())),
                    ProcessState::Starting => None,
                    _ => Some(Err(Fault::with(codes::ABNORMAL_TERMINATION, name))),
                }
            }
            WaitCond::Stop { key } => {
                let Some((g, i)) = self.find(key) else { return Some(Ok(())) };
                let p = &mut self.groups[g].processes[i];
                p.stop_report(&mut self.ctx);
                if p.state.is_stopped() {
                    Some(Ok(()))
                } else {
                    None
                }
            }
        }
    }

    /// Re-checks every pending call and answers those that are decided.
    /// Only runs when something changed or a report is due: with 1000
    /// processes pending in one stopAllProcesses, checking them all after
    /// every pipe event made the stop quadratic.
    pub fn check_waiters(&mut self) {
        let due = self.waiters_deadline.is_some_and(|d| d <= Instant::now());
        if !self.ctx.waits_dirty && !due {
            return;
        }
        self.ctx.waits_dirty = false;
        let waiters = std::mem::take(&mut self.waiters);
        for mut w in waiters {
            if w.reply.is_closed() {
                continue;
            }
            let done = match &mut w.kind {
                WaitKind::One(cond) => {
                    let cond = cond.clone();
                    self.eval_wait(&cond).map(|r| r.map(|_| Value::Bool(true)))
                }
                WaitKind::All { results, pending } => {
                    let mut still = Vec::new();
                    for cond in std::mem::take(pending) {
                        match self.eval_wait(&cond) {
                            Some(r) => {
                                let (g, n) = &**cond.key();
                                results.push(status_struct(g, n, &r));
                            }
                            None => still.push(cond),
                        }
                    }
                    *pending = still;
                    if pending.is_empty() {
                        Some(Ok(Value::Array(std::mem::take(results))))
                    } else {
                        None
                    }
                }
            };
            match done {
                Some(result) => {
                    let _ = w.reply.send(result);
                }
                None => self.waiters.push(w),
            }
        }
        self.waiters_deadline = self.waiters.iter().filter_map(|w| w.next_deadline(self)).min();
    }
}
