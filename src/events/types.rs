//! Event type names and their hierarchy, as supervisord 4.3.0 defines them.
//! Subscribing to an abstract type (EVENT, PROCESS_STATE, TICK, ...) gets
//! every concrete type below it.

/// Every event type a pool can subscribe to, abstract ones included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    Event,
    ProcessState,
    ProcessStateStopped,
    ProcessStateExited,
    ProcessStateStarting,
    ProcessStateStopping,
    ProcessStateBackoff,
    ProcessStateFatal,
    ProcessStateRunning,
    ProcessStateUnknown,
    ProcessCommunication,
    ProcessCommunicationStdout,
    ProcessCommunicationStderr,
    ProcessLog,
    ProcessLogStdout,
    ProcessLogStderr,
    RemoteCommunication,
    SupervisorStateChange,
    SupervisorStateChangeRunning,
    SupervisorStateChangeStopping,
    Tick,
    Tick5,
    Tick60,
    Tick3600,
    ProcessGroup,
    ProcessGroupAdded,
    ProcessGroupRemoved,
}

/// (type, name, parent) for every type; the order is 4.3.0's listing.
const TABLE: &[(EventType, &str, Option<EventType>)] = {
    use EventType::*;
    &[
        (Event, "EVENT", None),
        (ProcessState, "PROCESS_STATE", Some(Event)),
        (ProcessStateStopped, "PROCESS_STATE_STOPPED", Some(ProcessState)),
        (ProcessStateExited, "PROCESS_STATE_EXITED", Some(ProcessState)),
        (ProcessStateStarting, "PROCESS_STATE_STARTING", Some(ProcessState)),
        (ProcessStateStopping, "PROCESS_STATE_STOPPING", Some(ProcessState)),
        (ProcessStateBackoff, "PROCESS_STATE_BACKOFF", Some(ProcessState)),
        (ProcessStateFatal, "PROCESS_STATE_FATAL", Some(ProcessState)),
        (ProcessStateRunning, "PROCESS_STATE_RUNNING", Some(ProcessState)),
        (ProcessStateUnknown, "PROCESS_STATE_UNKNOWN", Some(ProcessState)),
        (ProcessCommunication, "PROCESS_COMMUNICATION", Some(Event)),
        (ProcessCommunicationStdout, "PROCESS_COMMUNICATION_STDOUT", Some(ProcessCommunication)),
        (ProcessCommunicationStderr, "PROCESS_COMMUNICATION_STDERR", Some(ProcessCommunication)),
        (ProcessLog, "PROCESS_LOG", Some(Event)),
        (ProcessLogStdout, "PROCESS_LOG_STDOUT", Some(ProcessLog)),
        (ProcessLogStderr, "PROCESS_LOG_STDERR", Some(ProcessLog)),
        (RemoteCommunication, "REMOTE_COMMUNICATION", Some(Event)),
        (SupervisorStateChange, "SUPERVISOR_STATE_CHANGE", Some(Event)),
        (SupervisorStateChangeRunning, "SUPERVISOR_STATE_CHANGE_RUNNING", Some(SupervisorStateChange)),
        (SupervisorStateChangeStopping, "SUPERVISOR_STATE_CHANGE_STOPPING", Some(SupervisorStateChange)),
        (Tick, "TICK", Some(Event)),
        (Tick5, "TICK_5", Some(Tick)),
        (Tick60, "TICK_60", Some(Tick)),
        (Tick3600, "TICK_3600", Some(Tick)),
        (ProcessGroup, "PROCESS_GROUP", Some(Event)),
        (ProcessGroupAdded, "PROCESS_GROUP_ADDED", Some(ProcessGroup)),
        (ProcessGroupRemoved, "PROCESS_GROUP_REMOVED", Some(ProcessGroup)),
    ]
};

/// The tick types with their periods in seconds.
pub const TICKS: [(EventType, u64); 3] =
    [(EventType::Tick5, 5), (EventType::Tick60, 60), (EventType::Tick3600, 3600)];

impl EventType {
    fn entry(self) -> &'static (EventType, &'static str, Option<EventType>) {
        // The table lists every variant once, so the lookup cannot miss.
        TABLE.iter().find(|e| e.0 == self).unwrap_or(&TABLE[0])
    }

    /// The name used in `events=` and in the envelope's `eventname:`.
    pub fn name(self) -> &'static str {
        self.entry().1
    }

    /// Parses a name from `events=` (case-insensitive, as supervisord
    /// upper-cases the list before looking names up).
    pub fn from_name(name: &str) -> Option<EventType> {
        let upper = name.trim().to_ascii_uppercase();
        TABLE.iter().find(|e| e.1 == upper).map(|e| e.0)
    }

    pub fn parent(self) -> Option<EventType> {
        self.entry().2
    }

    /// True when `self` is `ancestor` or below it (an event of type `self`
    /// is delivered to a pool subscribed to `ancestor`).
    pub fn is_a(self, ancestor: EventType) -> bool {
        let mut t = Some(self);
        while let Some(cur) = t {
            if cur == ancestor {
                return true;
            }
            t = cur.parent();
        }
        false
    }

    /// Abstract types are only subscribed to; events are never of them.
    pub fn is_abstract(self) -> bool {
        TABLE.iter().any(|e| e.2 == Some(self))
    }

    /// Every type, in 4.3.0's listing order.
    pub fn all() -> impl Iterator<Item = EventType> {
        TABLE.iter().map(|e| e.0)
    }

    /// The PROCESS_STATE_* type for a process state name (`RUNNING`, ...).
    pub fn for_process_state(state: &str) -> Option<EventType> {
        use EventType::*;
        Some(match state {
            "STOPPED" => ProcessStateStopped,
            "EXITED" => ProcessStateExited,
            "STARTING" => ProcessStateStarting,
            "STOPPING" => ProcessStateStopping,
            "BACKOFF" => ProcessStateBackoff,
            "FATAL" => ProcessStateFatal,
            "RUNNING" => ProcessStateRunning,
            "UNKNOWN" => ProcessStateUnknown,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in EventType::all() {
            assert_eq!(EventType::from_name(t.name()), Some(t));
        }
        assert_eq!(EventType::from_name("process_state_exited"), Some(EventType::ProcessStateExited));
        assert_eq!(EventType::from_name("NOPE"), None);
        assert_eq!(EventType::all().count(), 27);
    }

    #[test]
    fn hierarchy() {
        use EventType::*;
        assert!(ProcessStateExited.is_a(ProcessState));
        assert!(ProcessStateExited.is_a(Event));
        assert!(Tick60.is_a(Tick));
        assert!(!Tick60.is_a(ProcessState));
        assert!(!ProcessLogStdout.is_a(ProcessCommunication));
        assert!(ProcessGroupRemoved.is_a(ProcessGroup));
        assert!(Event.is_abstract() && ProcessLog.is_abstract() && Tick.is_abstract());
        assert!(!RemoteCommunication.is_abstract() && !Tick5.is_abstract());
    }
}
