//! The event bus against supervisord 4.3.0's listener protocol and pool
//! behaviour: envelopes, serials, buffering, overflow, rejection, listener
//! death, protocol violations and ticks, with 4.3.0's exact log lines.

use rsupervisor::events::{Action, Event, EventBus, EventType, ListenerState, ProcessStateInfo};
use rsupervisor::logs::mainlog::Level;

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// A bus with one pool `rec` of the given listeners, all spawned and RUNNING.
fn bus_with(events: &[EventType], listeners: &[&str], buffer: usize) -> EventBus {
    let mut bus = EventBus::new("myident");
    bus.add_pool("rec", buffer, events, &names(listeners));
    for l in listeners {
        bus.listener_spawned("rec", l);
        bus.listener_running("rec", l, true);
    }
    bus
}

fn writes(actions: &[Action]) -> Vec<(String, String)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Write { process, bytes, .. } => Some((process.clone(), String::from_utf8(bytes.clone()).unwrap())),
            _ => None,
        })
        .collect()
}

fn logs(actions: &[Action]) -> Vec<(Level, String)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Log { level, message } => Some((*level, message.clone())),
            _ => None,
        })
        .collect()
}

fn running_event(name: &str, pid: u32) -> Event {
    let info = ProcessStateInfo { process: name, group: name, from_state: "STARTING", tries: 0, expected: true, pid };
    Event::process_state("RUNNING", &info).unwrap()
}

#[test]
fn buffered_until_ready_then_exact_envelope_and_logs() {
    let mut bus = bus_with(&[EventType::Event], &["rec"], 10);
    bus.publish(Event::group_added("rec"));
    bus.publish(Event::supervisor_running());
    bus.dispatch();
    assert!(writes(&bus.take_actions()).is_empty(), "nothing is sent before READY");

    bus.listener_output("rec", "rec", b"READY\n");
    bus.dispatch();
    let acts = bus.take_actions();
    assert_eq!(
        writes(&acts),
        vec![(
            "rec".to_string(),
            "ver:3.0 server:myident serial:0 pool:rec poolserial:0 eventname:PROCESS_GROUP_ADDED len:14\ngroupname:rec\n"
                .to_string()
        )]
    );
    assert_eq!(
        logs(&acts),
        vec![
            (Level::Debug, "'rec' stdout output:\nb'READY\\n'".to_string()),
            (Level::Debug, "rec: ACKNOWLEDGED -> READY".to_string()),
            (Level::Debug, "event 0 sent to listener rec".to_string()),
            (Level::Debug, "rebuffering event 1 for pool rec (buf size=0, max=10)".to_string()),
        ]
    );
    assert_eq!(bus.listener_state("rec", "rec"), Some(ListenerState::Busy));

    bus.listener_output("rec", "rec", b"RESULT 2\nOKREADY\n");
    bus.dispatch();
    let acts = bus.take_actions();
    assert_eq!(
        writes(&acts)[0].1,
        "ver:3.0 server:myident serial:1 pool:rec poolserial:1 eventname:SUPERVISOR_STATE_CHANGE_RUNNING len:0\n"
    );
    assert_eq!(
        logs(&acts),
        vec![
            (Level::Debug, "'rec' stdout output:\nb'RESULT 2\\nOKREADY\\n'".to_string()),
            (Level::Debug, "rec: event was processed".to_string()),
            (Level::Debug, "rec: BUSY -> ACKNOWLEDGED".to_string()),
            (Level::Debug, "rec: ACKNOWLEDGED -> READY".to_string()),
            (Level::Debug, "event 1 sent to listener rec".to_string()),
        ]
    );
}

#[test]
fn len_counts_characters_like_python() {
    let mut bus = bus_with(&[EventType::RemoteCommunication], &["rec"], 10);
    bus.publish(Event::remote_communication("mytype", "my data é"));
    bus.listener_output("rec", "rec", b"READY\n");
    bus.dispatch();
    let w = writes(&bus.take_actions());
    assert_eq!(
        w[0].1,
        "ver:3.0 server:myident serial:0 pool:rec poolserial:0 eventname:REMOTE_COMMUNICATION len:21\ntype:mytype\nmy data é"
    );
}

#[test]
fn fail_rebuffers_at_head_and_redispatches_same_serial() {
    let mut bus = bus_with(&[EventType::ProcessState], &["rec"], 10);
    bus.publish(running_event("a", 1));
    bus.publish(running_event("b", 2));
    bus.listener_output("rec", "rec", b"READY\n");
    bus.dispatch();
    bus.take_actions();
    bus.listener_output("rec", "rec", b"RESULT 4\nFAIL");
    let l = logs(&bus.take_actions());
    assert_eq!(
        &l[1..],
        &[
            (Level::Warn, "rec: event was rejected".to_string()),
            (Level::Debug, "rec: BUSY -> ACKNOWLEDGED".to_string()),
            (Level::Debug, "rebuffering event 0 for pool rec (buf size=1, max=10)".to_string()),
        ]
    );
    bus.listener_output("rec", "rec", b"READY\n");
    bus.dispatch();
    let w = writes(&bus.take_actions());
    assert!(w[0].1.starts_with("ver:3.0 server:myident serial:0 pool:rec poolserial:0 eventname:PROCESS_STATE_RUNNING"));
    assert!(w[0].1.ends_with("processname:a groupname:a from_state:STARTING pid:1"));
}

#[test]
fn overflow_drops_oldest_and_logs_like_4_3_0() {
    let mut bus = bus_with(&[EventType::ProcessState], &["rec"], 2);
    for i in 0..4 {
        bus.publish(running_event("p", i));
    }
    let l = logs(&bus.take_actions());
    assert_eq!(
        l,
        vec![
            (Level::Error, "pool rec event buffer overflowed, discarding event 0".to_string()),
            (Level::Error, "pool rec event buffer overflowed, discarding event 1".to_string()),
        ]
    );
    assert_eq!(bus.pool("rec").unwrap().buffered(), 2);
    bus.listener_output("rec", "rec", b"READY\n");
    bus.dispatch();
    let w = writes(&bus.take_actions());
    assert!(w[0].1.contains(" serial:2 "));
}

#[test]
fn listener_death_requeues_the_event_for_its_restart() {
    let mut bus = bus_with(&[EventType::ProcessState], &["rec"], 10);
    bus.publish(running_event("a", 1));
    bus.listener_output("rec", "rec", b"READY\n");
    bus.dispatch();
    bus.take_actions();
    bus.listener_output("rec", "rec", b"RESULT 2\n"); // dies before the body
    bus.listener_exited("rec", "rec");
    assert_eq!(
        logs(&bus.take_actions()).last().unwrap(),
        &(Level::Debug, "rebuffering event 0 for pool rec (buf size=0, max=10)".to_string())
    );
    bus.dispatch();
    assert!(writes(&bus.take_actions()).is_empty());
    bus.listener_spawned("rec", "rec");
    bus.listener_running("rec", "rec", true);
    assert_eq!(bus.listener_state("rec", "rec"), Some(ListenerState::Acknowledged));
    bus.listener_output("rec", "rec", b"READY\n");
    bus.dispatch();
    let w = writes(&bus.take_actions());
    assert_eq!(w.len(), 1);
    assert!(w[0].1.contains(" serial:0 pool:rec poolserial:0 "));
}

#[test]
fn not_running_listeners_get_nothing() {
    let mut bus = bus_with(&[EventType::Event], &["rec"], 10);
    bus.listener_running("rec", "rec", false);
    bus.publish(Event::supervisor_running());
    bus.listener_output("rec", "rec", b"READY\n");
    bus.dispatch();
    assert!(writes(&bus.take_actions()).is_empty());
    bus.listener_running("rec", "rec", true);
    bus.dispatch();
    assert_eq!(writes(&bus.take_actions()).len(), 1);
}

#[test]
fn garbage_instead_of_ready_means_unknown_forever() {
    let mut bus = bus_with(&[EventType::Event], &["bad", "good"], 10);
    bus.listener_output("rec", "bad", b"HELLO!");
    let l = logs(&bus.take_actions());
    assert_eq!(
        &l[1..],
        &[
            (Level::Debug, "bad: ACKNOWLEDGED -> UNKNOWN".to_string()),
            (
                Level::Warn,
                "bad: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol".to_string()
            ),
        ]
    );
    bus.listener_output("rec", "bad", b"READY\n");
    assert_eq!(bus.listener_state("rec", "bad"), Some(ListenerState::Unknown));
    bus.listener_output("rec", "good", b"READY\n");
    bus.publish(Event::supervisor_running());
    bus.dispatch();
    let w = writes(&bus.take_actions());
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].0, "good");
}

#[test]
fn spurious_output_while_ready_means_unknown() {
    let mut bus = bus_with(&[EventType::Event], &["rec"], 10);
    bus.listener_output("rec", "rec", b"READY\nREADY\n");
    assert_eq!(bus.listener_state("rec", "rec"), Some(ListenerState::Unknown));
}

#[test]
fn partial_lines_are_assembled() {
    let mut bus = bus_with(&[EventType::Event], &["rec"], 10);
    bus.publish(Event::supervisor_running());
    bus.publish(Event::supervisor_stopping());
    for chunk in [&b"RE"[..], b"AD", b"Y"] {
        bus.listener_output("rec", "rec", chunk);
        assert_eq!(bus.listener_state("rec", "rec"), Some(ListenerState::Acknowledged));
    }
    bus.listener_output("rec", "rec", b"\n");
    bus.dispatch();
    assert_eq!(writes(&bus.take_actions()).len(), 1);
    for chunk in [&b"RESU"[..], b"LT 2", b"\nO"] {
        bus.listener_output("rec", "rec", chunk);
        assert_eq!(bus.listener_state("rec", "rec"), Some(ListenerState::Busy));
    }
    bus.listener_output("rec", "rec", b"K");
    assert_eq!(bus.listener_state("rec", "rec"), Some(ListenerState::Acknowledged));
    bus.listener_output("rec", "rec", b"READY\n");
    bus.dispatch();
    let w = writes(&bus.take_actions());
    assert!(w[0].1.contains("SUPERVISOR_STATE_CHANGE_STOPPING"));
}

#[test]
fn bad_result_line_requeues_to_another_listener() {
    let mut bus = bus_with(&[EventType::Event], &["bad", "good"], 10);
    bus.publish(Event::supervisor_running());
    bus.listener_output("rec", "bad", b"READY\n");
    bus.dispatch();
    assert_eq!(writes(&bus.take_actions())[0].0, "bad");
    bus.listener_output("rec", "bad", b"RESULT two\n");
    let l = logs(&bus.take_actions());
    assert_eq!(l[1], (Level::Warn, "bad: bad result line: 'RESULT two'".to_string()));
    assert_eq!(l[2], (Level::Debug, "bad: BUSY -> UNKNOWN".to_string()));
    assert_eq!(l[4], (Level::Debug, "rebuffering event 0 for pool rec (buf size=0, max=10)".to_string()));
    bus.listener_output("rec", "good", b"READY\n");
    bus.dispatch();
    let w = writes(&bus.take_actions());
    assert_eq!(w[0].0, "good");
    assert!(w[0].1.contains(" serial:0 "));
}

#[test]
fn huge_result_length_keeps_only_that_listener_busy() {
    let mut bus = bus_with(&[EventType::Event], &["slow", "fast"], 10);
    bus.publish(Event::supervisor_running());
    bus.listener_output("rec", "slow", b"READY\n");
    bus.dispatch();
    bus.listener_output("rec", "slow", b"RESULT 99999999999999999999999\n");
    bus.listener_output("rec", "slow", &vec![b'x'; 1 << 20]);
    assert_eq!(bus.listener_state("rec", "slow"), Some(ListenerState::Busy));
    bus.take_actions();
    bus.publish(Event::supervisor_stopping());
    bus.listener_output("rec", "fast", b"READY\n");
    bus.dispatch();
    let w = writes(&bus.take_actions());
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].0, "fast");
}

#[test]
fn endless_result_line_without_newline_is_bounded() {
    let mut bus = bus_with(&[EventType::Event], &["rec"], 10);
    bus.publish(Event::supervisor_running());
    bus.listener_output("rec", "rec", b"READY\n");
    bus.dispatch();
    for _ in 0..100 {
        bus.listener_output("rec", "rec", &[b'z'; 1024]);
    }
    assert_eq!(bus.listener_state("rec", "rec"), Some(ListenerState::Unknown));
    assert_eq!(bus.pool("rec").unwrap().buffered(), 1, "the event went back to the buffer");
}

#[test]
fn result_zero_waits_for_more_data_like_4_3_0() {
    let mut bus = bus_with(&[EventType::Event], &["rec"], 10);
    bus.publish(Event::supervisor_running());
    bus.listener_output("rec", "rec", b"READY\n");
    bus.dispatch();
    bus.listener_output("rec", "rec", b"RESULT 0\n");
    assert_eq!(bus.listener_state("rec", "rec"), Some(ListenerState::Busy));
    bus.take_actions();
    bus.listener_output("rec", "rec", b"READY\n");
    assert_eq!(bus.listener_state("rec", "rec"), Some(ListenerState::Ready));
    let l = logs(&bus.take_actions());
    assert!(l.contains(&(Level::Warn, "rec: event was rejected".to_string())));
}

#[test]
fn serials_are_global_and_per_pool() {
    let mut bus = EventBus::new("id");
    bus.add_pool("a", 10, &[EventType::ProcessState], &names(&["la"]));
    bus.add_pool("b", 10, &[EventType::ProcessStateRunning, EventType::ProcessGroup], &names(&["lb"]));
    for (p, l) in [("a", "la"), ("b", "lb")] {
        bus.listener_spawned(p, l);
        bus.listener_running(p, l, true);
    }
    bus.publish(Event::remote_communication("x", "nobody wants this")); // no serial used
    bus.publish(Event::group_added("g")); // b only: serial 0
    bus.publish(running_event("p", 1)); // both: serial 1
    let mut all = Vec::new();
    for _ in 0..2 {
        bus.listener_output("a", "la", b"READY\n");
        bus.listener_output("b", "lb", b"READY\n");
        bus.dispatch();
        all.extend(writes(&bus.take_actions()));
        bus.listener_output("a", "la", b"RESULT 2\nOK");
        bus.listener_output("b", "lb", b"RESULT 2\nOK");
    }
    let heads: Vec<String> = all.iter().map(|(_, s)| s.lines().next().unwrap().to_string()).collect();
    assert_eq!(
        heads,
        vec![
            "ver:3.0 server:id serial:1 pool:a poolserial:0 eventname:PROCESS_STATE_RUNNING len:51",
            "ver:3.0 server:id serial:0 pool:b poolserial:0 eventname:PROCESS_GROUP_ADDED len:12",
            "ver:3.0 server:id serial:1 pool:b poolserial:1 eventname:PROCESS_STATE_RUNNING len:51",
        ]
    );
}

#[test]
fn overlapping_subscriptions_deliver_once() {
    let mut bus = bus_with(&[EventType::Event, EventType::ProcessStateRunning], &["rec"], 10);
    bus.publish(running_event("p", 1));
    assert_eq!(bus.pool("rec").unwrap().buffered(), 1);
}

#[test]
fn ticks_only_when_subscribed() {
    let mut bus = bus_with(&[EventType::ProcessState], &["rec"], 10);
    assert_eq!(bus.next_tick_at(1000.5), None);
    bus.tick(1000.5);
    bus.tick(1010.5);
    assert_eq!(bus.pool("rec").unwrap().buffered(), 0);

    bus.add_pool("t", 10, &[EventType::Tick5], &names(&["tl"]));
    assert_eq!(bus.next_tick_at(1000.5), Some(1000.5), "first call starts tracking");
    bus.tick(1000.5);
    assert_eq!(bus.next_tick_at(1001.0), Some(1005.0));
    bus.tick(1004.9);
    assert_eq!(bus.pool("t").unwrap().buffered(), 0);
    bus.tick(1005.2);
    bus.tick(1007.0);
    assert_eq!(bus.pool("t").unwrap().buffered(), 1);
    bus.listener_spawned("t", "tl");
    bus.listener_running("t", "tl", true);
    bus.listener_output("t", "tl", b"READY\n");
    bus.dispatch();
    let w = writes(&bus.take_actions());
    assert_eq!(w[0].1, "ver:3.0 server:myident serial:0 pool:t poolserial:0 eventname:TICK_5 len:9\nwhen:1005");
}

#[test]
fn removed_pool_gets_nothing() {
    let mut bus = bus_with(&[EventType::Event], &["rec"], 10);
    bus.remove_pool("rec");
    bus.publish(Event::supervisor_running());
    assert!(bus.pool("rec").is_none());
    assert!(!bus.wants(EventType::SupervisorStateChangeRunning));
}
