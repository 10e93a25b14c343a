"""The environment eventlisteners get, and childutils' XML-RPC from a
listener when the server requires authentication. Like 4.3.0, the daemon
sets SUPERVISOR_ENABLED, SUPERVISOR_SERVER_URL, SUPERVISOR_PROCESS_NAME and
SUPERVISOR_GROUP_NAME but never SUPERVISOR_USERNAME/PASSWORD: with auth on,
a listener gets them through environment= (as superlance's docs say)."""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "listeners"))
import evutil  # noqa: E402
from evutil import rpc_wait  # noqa: E402


@pytest.mark.parametrize("kind", ["real", "ours"])
def test_listener_environment_with_auth(daemon, kind):
    conf = f"""
[eventlistener:rec]
command={evutil.PY} {evutil.script('record.py')} {{tmp}}/events.jsonl --env {{tmp}}/env.json
events=PROCESS_STATE
"""
    d = daemon(kind, conf, auth=("user", "secret"))
    path = os.path.join(d.tmp, "env.json")
    rpc_wait(lambda: os.path.exists(path) and os.path.getsize(path) > 0)
    env = json.load(open(path))
    assert env == {
        "SUPERVISOR_ENABLED": "1",
        "SUPERVISOR_SERVER_URL": "unix://" + d.sock,
        "SUPERVISOR_PROCESS_NAME": "rec",
        "SUPERVISOR_GROUP_NAME": "rec",
    }


@pytest.mark.parametrize("kind", ["real", "ours"])
def test_httpok_with_auth_through_environment(daemon, kind):
    from harness.daemon import free_port
    port = free_port()
    conf = f"""
[eventlistener:httpok]
command={evutil.venv_bin('httpok')} -p web -t 2 http://127.0.0.1:{port}/
events=TICK_5
environment=SUPERVISOR_USERNAME="user",SUPERVISOR_PASSWORD="secret"

[program:web]
command=sleep 1000
startsecs=0
"""
    d = daemon(kind, conf, auth=("user", "secret"))
    rpc = d.rpc.supervisor
    rpc_wait(lambda: rpc.getProcessInfo("httpok")["statename"] == "RUNNING")
    first = rpc_wait(lambda: rpc.getProcessInfo("web")["pid"])
    rpc_wait(lambda: (p := rpc.getProcessInfo("web")["pid"]) and p != first, timeout=20)
