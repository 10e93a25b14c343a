//! AUTO child log files (`stdout_logfile=AUTO`) created off the supervisor's
//! thread.
//!
//! 4.3.0 creates every AUTO log (mkstemp in childlogdir) when a group is
//! added, before anything starts. With 1000 programs that is 2000 file
//! creations, and on ext4 without a journal each creation scans past every
//! inode deleted in the last seconds (a benchmark's previous run): up to a
//! second of kernel time measured, all before the first spawn. Here a
//! helper thread creates them, in the same order, while the supervisor
//! carries on; whoever needs a process's log path (its spawn, any request
//! naming it) first waits for that process's files, so nothing observable
//! happens before its files exist. The helper exits when the queue is empty.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};

use crate::logs::childlog::create_auto_log;

/// The AUTO logs of one added group, filled in by the helper in order.
#[derive(Debug)]
pub struct AutoLogBatch {
    dir: PathBuf,
    identifier: String,
    /// (process name, channel) to create, in creation order.
    requests: Vec<(String, &'static str)>,
    /// One entry per request once created: the file, or why it failed.
    results: Mutex<Vec<Option<Result<PathBuf, String>>>>,
    done: Condvar,
}

impl AutoLogBatch {
    /// Queues the creation of `requests` in `dir`; returns at once.
    pub fn start(dir: PathBuf, identifier: String, requests: Vec<(String, &'static str)>) -> Arc<AutoLogBatch> {
        let n = requests.len();
        let batch = Arc::new(AutoLogBatch {
            dir,
            identifier,
            requests,
            results: Mutex::new(vec![None; n]),
            done: Condvar::new(),
        });
        submit(batch.clone());
        batch
    }

    /// The created file for request `i`, waiting for it if needed.
    pub fn wait(&self, i: usize) -> Result<PathBuf, String> {
        let Ok(mut results) = self.results.lock() else { return Err("internal error".into()) };
        loop {
            match results.get(i) {
                None => return Err("internal error".into()),
                Some(Some(r)) => return r.clone(),
                Some(None) => {}
            }
            results = match self.done.wait(results) {
                Ok(r) => r,
                Err(_) => return Err("internal error".into()),
            };
        }
    }

    fn create_all(&self) {
        for (i, (name, channel)) in self.requests.iter().enumerate() {
            let r = create_auto_log(&self.dir, name, &self.identifier, channel).map_err(|e| e.to_string());
            if let Ok(mut results) = self.results.lock() {
                if let Some(slot) = results.get_mut(i) {
                    *slot = Some(r);
                }
            }
            self.done.notify_all();
        }
    }
}

/// Batches waiting for the helper, and whether a helper thread is running.
static QUEUE: Mutex<(VecDeque<Arc<AutoLogBatch>>, bool)> = Mutex::new((VecDeque::new(), false));

fn submit(batch: Arc<AutoLogBatch>) {
    let Ok(mut q) = QUEUE.lock() else {
        batch.create_all();
        return;
    };
    q.0.push_back(batch);
    if q.1 {
        return;
    }
    q.1 = true;
    let spawned = std::thread::Builder::new().name("autologs".into()).spawn(helper);
    if spawned.is_err() {
        // No thread: create everything right here, as 4.3.0 does.
        q.1 = false;
        let pending: Vec<_> = q.0.drain(..).collect();
        drop(q);
        for b in pending {
            b.create_all();
        }
    }
}

fn helper() {
    loop {
        let next = match QUEUE.lock() {
            Ok(mut q) => match q.0.pop_front() {
                Some(b) => b,
                None => {
                    q.1 = false;
                    return;
                }
            },
            Err(_) => return,
        };
        next.create_all();
    }
}

/// Blocks until the helper has created everything queued (before a
/// restart's cleanup of old AUTO logs, so none appears after it).
pub fn wait_idle() {
    loop {
        match QUEUE.lock() {
            Ok(q) if q.1 || !q.0.is_empty() => {}
            _ => return,
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// A process's AUTO logs not yet picked up: the batch and its request
/// indices for stdout and stderr (u32: every process carries one of these
/// until its first spawn, inline).
#[derive(Debug, Clone)]
pub struct PendingAutoLogs {
    pub batch: Arc<AutoLogBatch>,
    pub stdout: Option<u32>,
    pub stderr: Option<u32>,
}

impl PendingAutoLogs {
    /// The directory the files go to, for messages.
    pub fn dir(&self) -> &std::path::Path {
        &self.batch.dir
    }
}
