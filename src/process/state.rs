//! The process and supervisor state codes and names, exactly as 4.3.0's
//! states.py numbers and names them (clients compare the numbers).

/// A process's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcessState {
    Stopped,
    Starting,
    Running,
    Backoff,
    Stopping,
    Exited,
    Fatal,
    Unknown,
}

impl ProcessState {
    pub fn code(self) -> i64 {
        match self {
            ProcessState::Stopped => 0,
            ProcessState::Starting => 10,
            ProcessState::Running => 20,
            ProcessState::Backoff => 30,
            ProcessState::Stopping => 40,
            ProcessState::Exited => 100,
            ProcessState::Fatal => 200,
            ProcessState::Unknown => 1000,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ProcessState::Stopped => "STOPPED",
            ProcessState::Starting => "STARTING",
            ProcessState::Running => "RUNNING",
            ProcessState::Backoff => "BACKOFF",
            ProcessState::Stopping => "STOPPING",
            ProcessState::Exited => "EXITED",
            ProcessState::Fatal => "FATAL",
            ProcessState::Unknown => "UNKNOWN",
        }
    }

    /// STOPPED_STATES: the process is not running and nothing is pending.
    pub fn is_stopped(self) -> bool {
        matches!(
            self,
            ProcessState::Stopped | ProcessState::Exited | ProcessState::Fatal | ProcessState::Unknown
        )
    }

    /// RUNNING_STATES: running or about to be (a start request is "already started").
    pub fn is_running(self) -> bool {
        matches!(self, ProcessState::Running | ProcessState::Backoff | ProcessState::Starting)
    }

    /// SIGNALLABLE_STATES: there is a live pid to signal.
    pub fn is_signallable(self) -> bool {
        matches!(self, ProcessState::Running | ProcessState::Starting | ProcessState::Stopping)
    }
}

/// supervisord's own state ("mood").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SupervisorState {
    Shutdown = -1,
    Restarting = 0,
    Running = 1,
    Fatal = 2,
}

impl SupervisorState {
    pub fn code(self) -> i64 {
        self as i64
    }

    pub fn name(self) -> &'static str {
        match self {
            SupervisorState::Shutdown => "SHUTDOWN",
            SupervisorState::Restarting => "RESTARTING",
            SupervisorState::Running => "RUNNING",
            SupervisorState::Fatal => "FATAL",
        }
    }
}
