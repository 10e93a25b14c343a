"""superlance 2.0.0, unchanged, as eventlisteners: crashmail mails about a
program killed with SIGKILL (through a stand-in sendmail), memmon restarts a
program over its RSS limit, httpok restarts a program whose URL check fails.
Each runs against supervisord 4.3.0 and against ours."""
import os
import signal
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "listeners"))
import evutil  # noqa: E402
from evutil import rpc_wait  # noqa: E402

KINDS = ["real", "ours"]


def running_pid(rpc, name):
    info = rpc.getProcessInfo(name)
    return info["pid"] if info["statename"] == "RUNNING" else 0


def listener_running(rpc, name):
    return rpc.getProcessInfo(name)["statename"] == "RUNNING"


@pytest.mark.parametrize("kind", KINDS)
def test_crashmail_reports_sigkill(daemon, kind):
    conf = f"""
[eventlistener:crashmail]
command={evutil.venv_bin('crashmail')} -a -m ops@example.com -o myhost -s "/bin/sh {evutil.script('fake_sendmail.sh')} {{tmp}}/mail.txt"
events=PROCESS_STATE_EXITED

[program:victim]
command=sleep 1000
startsecs=0
autorestart=false
"""
    d = daemon(kind, conf)
    rpc = d.rpc.supervisor
    rpc_wait(lambda: listener_running(rpc, "crashmail"))
    pid = rpc_wait(lambda: running_pid(rpc, "victim"))
    os.kill(pid, signal.SIGKILL)
    mail_path = os.path.join(d.tmp, "mail.txt")
    rpc_wait(lambda: os.path.exists(mail_path) and "----END OF MAIL----" in open(mail_path).read())
    mail = open(mail_path).read()
    lines = mail.split("\n")
    assert lines[0] == "To: ops@example.com"
    assert lines[1].startswith("Subject: myhost: victim crashed at ")
    assert lines[2] == ""
    assert lines[3] == f"Process victim in group victim exited unexpectedly (pid {pid}) from state RUNNING"
    assert mail.count("----END OF MAIL----") == 1


@pytest.mark.parametrize("kind", KINDS)
def test_memmon_restarts_program_over_rss_limit(daemon, kind):
    conf = f"""
[eventlistener:memmon]
command={evutil.venv_bin('memmon')} -p hog=20MB
events=TICK_5

[program:hog]
command={evutil.PY} {evutil.script('hog.py')} 60
startsecs=0
"""
    d = daemon(kind, conf)
    rpc = d.rpc.supervisor
    rpc_wait(lambda: listener_running(rpc, "memmon"))
    first = rpc_wait(lambda: running_pid(rpc, "hog"))
    # memmon checks on each TICK_5 and restarts hog (stopProcess/startProcess).
    second = rpc_wait(lambda: (p := running_pid(rpc, "hog")) and p != first and p, timeout=20)
    assert second != first
    log = d.mainlog()
    assert "stopped: hog (terminated by SIGTERM)" in log


@pytest.mark.parametrize("kind", KINDS)
def test_httpok_restarts_program_when_check_fails(daemon, kind):
    from harness.daemon import free_port
    port = free_port()  # nothing listens here: every check fails
    conf = f"""
[eventlistener:httpok]
command={evutil.venv_bin('httpok')} -p web -t 2 http://127.0.0.1:{port}/
events=TICK_5

[program:web]
command=sleep 1000
startsecs=0
"""
    d = daemon(kind, conf)
    rpc = d.rpc.supervisor
    rpc_wait(lambda: listener_running(rpc, "httpok"))
    first = rpc_wait(lambda: running_pid(rpc, "web"))
    second = rpc_wait(lambda: (p := running_pid(rpc, "web")) and p != first and p, timeout=20)
    assert second != first
    assert "stopped: web (terminated by SIGTERM)" in d.mainlog()
