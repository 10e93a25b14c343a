"""A recording eventlistener (listeners/record.py, written with
supervisor.childutils) sees the same event stream from our daemon as from
supervisord 4.3.0 for one scripted sequence: startup, output events,
capture mode, crash and autorestart, a remote communication event, group
add/remove, stop, and ticks."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "listeners"))
import evutil  # noqa: E402
from evutil import has, count, wait_events  # noqa: E402

CONF = f"""
[eventlistener:rec]
command={evutil.PY} {evutil.script('record.py')} {{tmp}}/events.jsonl
events=PROCESS_STATE,PROCESS_COMMUNICATION,PROCESS_LOG,REMOTE_COMMUNICATION,PROCESS_GROUP,SUPERVISOR_STATE_CHANGE,TICK_5
buffer_size=100

[program:talker]
command=/bin/sh {evutil.script('talker.sh')}
autostart=false
autorestart=unexpected
startsecs=0
exitcodes=0
stdout_events_enabled=true
stderr_events_enabled=true
stdout_capture_maxbytes=1000
"""

EXTRA = """
[program:extra]
command=sleep 1000
autostart=false
"""

# What supervisord 4.3.0 sends (checked by test_stream_real): ticks
# removed, pids masked, serials and len checked separately.
EXPECTED = [
    ("PROCESS_GROUP_ADDED", "groupname:rec\n"),
    ("PROCESS_GROUP_ADDED", "groupname:talker\n"),
    ("SUPERVISOR_STATE_CHANGE_RUNNING", ""),
    ("PROCESS_STATE_STARTING", "processname:rec groupname:rec from_state:STOPPED tries:0"),
    ("PROCESS_STATE_RUNNING", "processname:rec groupname:rec from_state:STARTING pid:<PID>"),
    ("PROCESS_STATE_STARTING", "processname:talker groupname:talker from_state:STOPPED tries:0"),
    ("PROCESS_STATE_RUNNING", "processname:talker groupname:talker from_state:STARTING pid:<PID>"),
    ("PROCESS_LOG_STDOUT", "processname:talker groupname:talker pid:<PID> channel:stdout\n"
                           "hello from talker, a line long enough to pass tokens\n"),
    ("PROCESS_LOG_STDERR", "processname:talker groupname:talker pid:<PID> channel:stderr\n"
                           "an error line from talker, long enough as well\n"),
    ("PROCESS_LOG_STDOUT", "processname:talker groupname:talker pid:<PID> channel:stdout\ncaptured data"),
    ("PROCESS_COMMUNICATION_STDOUT", "processname:talker groupname:talker pid:<PID>\ncaptured data"),
    ("PROCESS_LOG_STDOUT", "processname:talker groupname:talker pid:<PID> channel:stdout\n"
                           "\nhello from talker, a line long enough to pass tokens\n"),
    ("PROCESS_STATE_EXITED", "processname:talker groupname:talker from_state:RUNNING expected:0 pid:<PID>"),
    ("PROCESS_STATE_STARTING", "processname:talker groupname:talker from_state:EXITED tries:0"),
    ("PROCESS_STATE_RUNNING", "processname:talker groupname:talker from_state:STARTING pid:<PID>"),
    ("REMOTE_COMMUNICATION", "type:mytype\nmy data \u00e9"),
    ("PROCESS_GROUP_ADDED", "groupname:extra\n"),
    ("PROCESS_GROUP_REMOVED", "groupname:extra\n"),
    ("PROCESS_STATE_STOPPING", "processname:talker groupname:talker from_state:RUNNING pid:<PID>"),
    ("PROCESS_STATE_STOPPED", "processname:talker groupname:talker from_state:STOPPING pid:<PID>"),
]


def run_sequence(d):
    path = os.path.join(d.tmp, "events.jsonl")
    rpc = d.rpc.supervisor
    wait_events(path, has("PROCESS_STATE_RUNNING", "processname:rec "), what="listener running")
    rpc.startProcess("talker")
    wait_events(path, has("PROCESS_STATE_RUNNING", "processname:talker "))
    for cmd, pred in [("say", count("PROCESS_LOG_STDOUT", 1)),
                      ("err", count("PROCESS_LOG_STDERR", 1)),
                      ("cap", count("PROCESS_COMMUNICATION_STDOUT", 1)),
                      ("say", count("PROCESS_LOG_STDOUT", 3)),
                      ("crash", count("PROCESS_STATE_RUNNING", 3))]:
        rpc.sendProcessStdin("talker", cmd + "\n")
        wait_events(path, pred, what=cmd)
    assert rpc.sendRemoteCommEvent("mytype", "my data \u00e9") is True
    wait_events(path, has("REMOTE_COMMUNICATION"))
    d.write_conf(CONF + EXTRA)
    assert rpc.reloadConfig() == [[["extra"], [], []]]
    assert rpc.addProcessGroup("extra") is True
    wait_events(path, has("PROCESS_GROUP_ADDED", "extra"))
    d.write_conf(CONF)
    assert rpc.removeProcessGroup("extra") is True
    wait_events(path, has("PROCESS_GROUP_REMOVED", "extra"))
    rpc.stopProcess("talker")
    evs = wait_events(path, has("PROCESS_STATE_STOPPED", "talker"))
    # At least one TICK_5 arrives while waiting; check its form.
    evs = wait_events(path, count("TICK_5", 1), timeout=10, what="TICK_5")
    return evs


def check_stream(d, evs):
    evutil.check_envelopes(evs, "supervisor")
    ticks = [e for e in evs if e["headers"]["eventname"] == "TICK_5"]
    assert ticks
    for t in ticks:
        when = int(t["payload"].split(":", 1)[1])
        assert t["payload"] == f"when:{when}" and when % 5 == 0
    got = evutil.normalize_events(evs)
    assert got == EXPECTED


@pytest.mark.parametrize("kind", ["real", "ours"])
def test_recorded_stream(daemon, kind):
    d = daemon(kind, CONF, loglevel="debug")
    evs = run_sequence(d)
    check_stream(d, evs)
    # Captured text stays out of the channel's log file.
    line = "hello from talker, a line long enough to pass tokens\n"
    assert d.rpc.supervisor.readProcessStdoutLog("talker", 0, 0) == line + "\n" + line
    assert d.rpc.supervisor.readProcessStderrLog("talker", 0, 0) == \
        "an error line from talker, long enough as well\n"


FAIL_CONF = f"""
[eventlistener:rec]
command={evutil.PY} {evutil.script('record.py')} {{tmp}}/events.jsonl
events=PROCESS_STATE
buffer_size=100

[program:flop]
command=/bin/sh -c 'exit 1'
autostart=false
startsecs=10
startretries=1
"""

FAIL_EXPECTED = [
    ("PROCESS_STATE_STARTING", "processname:rec groupname:rec from_state:STOPPED tries:0"),
    ("PROCESS_STATE_RUNNING", "processname:rec groupname:rec from_state:STARTING pid:<PID>"),
    ("PROCESS_STATE_STARTING", "processname:flop groupname:flop from_state:STOPPED tries:0"),
    ("PROCESS_STATE_BACKOFF", "processname:flop groupname:flop from_state:STARTING tries:1"),
    ("PROCESS_STATE_STARTING", "processname:flop groupname:flop from_state:BACKOFF tries:1"),
    ("PROCESS_STATE_BACKOFF", "processname:flop groupname:flop from_state:STARTING tries:2"),
    ("PROCESS_STATE_FATAL", "processname:flop groupname:flop from_state:BACKOFF"),
]


@pytest.mark.parametrize("kind", ["real", "ours"])
def test_backoff_and_fatal_stream(daemon, kind):
    d = daemon(kind, FAIL_CONF)
    path = os.path.join(d.tmp, "events.jsonl")
    wait_events(path, has("PROCESS_STATE_RUNNING", "processname:rec "), what="listener running")
    d.rpc.supervisor.startProcess("flop", False)
    evs = wait_events(path, has("PROCESS_STATE_FATAL"), what="FATAL")
    evutil.check_envelopes(evs, "supervisor")
    assert evutil.normalize_events(evs) == FAIL_EXPECTED


HUP_CONF = f"""
[eventlistener:rec]
command={evutil.PY} {evutil.script('record.py')} {{tmp}}/events.jsonl
events=PROCESS_STATE,SUPERVISOR_STATE_CHANGE
"""


@pytest.mark.parametrize("kind", ["real", "ours"])
def test_restart_keeps_global_serial_and_resets_pool_serial(daemon, kind):
    """After SIGHUP the global serial goes on (4.3.0 keeps it process-wide)
    while pools start over; the listener, the only and last group stopped,
    does not get SUPERVISOR_STATE_CHANGE_STOPPING or its own stop events
    (they still use serials 3-5)."""
    import signal
    d = daemon(kind, HUP_CONF)
    path = os.path.join(d.tmp, "events.jsonl")
    wait_events(path, count("PROCESS_STATE_RUNNING", 1))
    os.kill(d.pid, signal.SIGHUP)
    evs = wait_events(path, count("PROCESS_STATE_RUNNING", 2), timeout=30)
    got = [(e["headers"]["serial"], e["headers"]["poolserial"], e["headers"]["eventname"]) for e in evs]
    assert got == [
        ("0", "0", "SUPERVISOR_STATE_CHANGE_RUNNING"),
        ("1", "1", "PROCESS_STATE_STARTING"),
        ("2", "2", "PROCESS_STATE_RUNNING"),
        ("6", "0", "SUPERVISOR_STATE_CHANGE_RUNNING"),
        ("7", "1", "PROCESS_STATE_STARTING"),
        ("8", "2", "PROCESS_STATE_RUNNING"),
    ]


@pytest.mark.parametrize("kind", ["real", "ours"])
def test_fail_result_redelivers_same_event(daemon, kind):
    conf = f"""
[eventlistener:rec]
command={evutil.PY} {evutil.script('record.py')} {{tmp}}/events.jsonl --fail-first 2
events=REMOTE_COMMUNICATION
"""
    d = daemon(kind, conf)
    rpc = d.rpc.supervisor
    evutil.rpc_wait(lambda: rpc.getProcessInfo("rec")["statename"] == "RUNNING", timeout=30)
    rpc.sendRemoteCommEvent("t", "a")
    rpc.sendRemoteCommEvent("t", "b")
    evs = wait_events(os.path.join(d.tmp, "events.jsonl"), count("REMOTE_COMMUNICATION", 4))
    got = [(e["headers"]["serial"], e["payload"]) for e in evs]
    assert got == [("0", "type:t\na"), ("0", "type:t\na"), ("0", "type:t\na"), ("1", "type:t\nb")]
    log = d.mainlog()
    assert log.count("WARN rec: event was rejected") == 2


ODD_CONF = f"""
[eventlistener:rec]
command={evutil.PY} {evutil.script('record.py')} {{tmp}}/events.jsonl
events=PROCESS_LOG,PROCESS_COMMUNICATION
buffer_size=100

[program:odd]
command=/bin/sh -c 'sleep 1; printf "bad byte \\377 here, and a line long enough\\n"; printf "<!--XSUPERVISOR:BEGIN-->err \\303\\251 block<!--XSUPERVISOR:END-->, then a long enough tail\\n" >&2; sleep 1000'
startsecs=0
stdout_events_enabled=true
stderr_capture_maxbytes=100
"""


@pytest.mark.parametrize("kind", ["real", "ours"])
def test_undecodable_output_and_stderr_capture(daemon, kind):
    d = daemon(kind, ODD_CONF)
    path = os.path.join(d.tmp, "events.jsonl")
    evs = wait_events(path, lambda e: len(e) >= 2)
    got = sorted(evutil.normalize_events(evs))
    assert got == [
        ("PROCESS_COMMUNICATION_STDERR", "processname:odd groupname:odd pid:<PID>\nerr \u00e9 block"),
        ("PROCESS_LOG_STDOUT", "processname:odd groupname:odd pid:<PID> channel:stdout\n"
                               "Undecodable: b'bad byte \\xff here, and a line long enough\\n'"),
    ]
