//! One event: its type and its payload, rendered when the event is created
//! with exactly supervisord 4.3.0's fields, order and body format (values
//! such as a pid are fixed at that moment, as supervisord captures them).

use super::pyfmt::decode_or_undecodable;
use super::types::EventType;
use crate::supervisor::Channel;

/// An event ready to be queued in pools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub etype: EventType,
    pub payload: String,
}

/// What a PROCESS_STATE_* payload needs to know about the process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessStateInfo<'a> {
    pub process: &'a str,
    pub group: &'a str,
    /// The state left (`STOPPED`, `STARTING`, ...).
    pub from_state: &'a str,
    /// Backoff count (STARTING and BACKOFF show it as `tries:`).
    pub tries: u32,
    /// Whether an exit was expected (EXITED shows it as `expected:0/1`).
    pub expected: bool,
    /// The pid at the time of the change (0 when none).
    pub pid: u32,
}

impl Event {
    /// PROCESS_STATE_<to_state>. None for a state without an event type.
    pub fn process_state(to_state: &str, info: &ProcessStateInfo<'_>) -> Option<Event> {
        let etype = EventType::for_process_state(to_state)?;
        let mut payload = format!(
            "processname:{} groupname:{} from_state:{}",
            info.process, info.group, info.from_state
        );
        match etype {
            EventType::ProcessStateStarting | EventType::ProcessStateBackoff => {
                payload.push_str(&format!(" tries:{}", info.tries))
            }
            EventType::ProcessStateExited => {
                payload.push_str(&format!(" expected:{} pid:{}", u8::from(info.expected), info.pid))
            }
            EventType::ProcessStateRunning | EventType::ProcessStateStopping | EventType::ProcessStateStopped => {
                payload.push_str(&format!(" pid:{}", info.pid))
            }
            _ => {}
        }
        Some(Event { etype, payload })
    }

    /// PROCESS_LOG_STDOUT/STDERR for data a child wrote (stdout_events_enabled).
    pub fn process_log(process: &str, group: &str, pid: u32, channel: Channel, data: &[u8]) -> Event {
        let etype = match channel {
            Channel::Stdout => EventType::ProcessLogStdout,
            Channel::Stderr => EventType::ProcessLogStderr,
        };
        let payload = format!(
            "processname:{} groupname:{} pid:{} channel:{}\n{}",
            process,
            group,
            pid,
            channel.as_str(),
            decode_or_undecodable(data)
        );
        Event { etype, payload }
    }

    /// PROCESS_COMMUNICATION_STDOUT/STDERR for one captured block.
    pub fn process_communication(process: &str, group: &str, pid: u32, channel: Channel, data: &[u8]) -> Event {
        let etype = match channel {
            Channel::Stdout => EventType::ProcessCommunicationStdout,
            Channel::Stderr => EventType::ProcessCommunicationStderr,
        };
        let payload = format!(
            "processname:{} groupname:{} pid:{}\n{}",
            process,
            group,
            pid,
            decode_or_undecodable(data)
        );
        Event { etype, payload }
    }

    /// REMOTE_COMMUNICATION from `supervisor.sendRemoteCommEvent(type, data)`.
    pub fn remote_communication(kind: &str, data: &str) -> Event {
        Event { etype: EventType::RemoteCommunication, payload: format!("type:{}\n{}", kind, data) }
    }

    pub fn supervisor_running() -> Event {
        Event { etype: EventType::SupervisorStateChangeRunning, payload: String::new() }
    }

    pub fn supervisor_stopping() -> Event {
        Event { etype: EventType::SupervisorStateChangeStopping, payload: String::new() }
    }

    pub fn group_added(group: &str) -> Event {
        Event { etype: EventType::ProcessGroupAdded, payload: format!("groupname:{}\n", group) }
    }

    pub fn group_removed(group: &str) -> Event {
        Event { etype: EventType::ProcessGroupRemoved, payload: format!("groupname:{}\n", group) }
    }

    /// TICK_5/60/3600; `when` is the start of the period that began.
    pub fn tick(etype: EventType, when: u64) -> Event {
        Event { etype, payload: format!("when:{}", when) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info<'a>(from: &'a str) -> ProcessStateInfo<'a> {
        ProcessStateInfo { process: "cat", group: "cat", from_state: from, tries: 0, expected: true, pid: 9028 }
    }

    #[test]
    fn process_state_payloads() {
        let e = Event::process_state("STARTING", &info("STOPPED")).unwrap();
        assert_eq!(e.etype.name(), "PROCESS_STATE_STARTING");
        assert_eq!(e.payload, "processname:cat groupname:cat from_state:STOPPED tries:0");
        let e = Event::process_state("RUNNING", &info("STARTING")).unwrap();
        assert_eq!(e.payload, "processname:cat groupname:cat from_state:STARTING pid:9028");
        let mut i = info("RUNNING");
        i.expected = false;
        let e = Event::process_state("EXITED", &i).unwrap();
        assert_eq!(e.payload, "processname:cat groupname:cat from_state:RUNNING expected:0 pid:9028");
        let e = Event::process_state("FATAL", &info("BACKOFF")).unwrap();
        assert_eq!(e.payload, "processname:cat groupname:cat from_state:BACKOFF");
        let mut i = info("STARTING");
        i.tries = 3;
        let e = Event::process_state("BACKOFF", &i).unwrap();
        assert_eq!(e.payload, "processname:cat groupname:cat from_state:STARTING tries:3");
        assert!(Event::process_state("SHUTDOWN", &info("RUNNING")).is_none());
    }

    #[test]
    fn other_payloads() {
        let e = Event::process_log("cat", "cat", 9028, Channel::Stdout, b"hello ");
        assert_eq!(e.payload, "processname:cat groupname:cat pid:9028 channel:stdout\nhello ");
        let e = Event::process_communication("cat", "g", 7, Channel::Stderr, b"\xff");
        assert_eq!(e.etype, EventType::ProcessCommunicationStderr);
        assert_eq!(e.payload, "processname:cat groupname:g pid:7\nUndecodable: b'\\xff'");
        assert_eq!(Event::remote_communication("mytype", "my data").payload, "type:mytype\nmy data");
        assert_eq!(Event::group_added("rec").payload, "groupname:rec\n");
        assert_eq!(Event::tick(EventType::Tick5, 1796009175).payload, "when:1796009175");
        assert_eq!(Event::supervisor_running().payload, "");
    }
}
