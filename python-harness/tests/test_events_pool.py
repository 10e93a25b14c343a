"""A pool of 3 recording listeners under a restart storm of 100 programs:
with a big buffer every event arrives exactly once and the daemon stays
responsive; with a small buffer the overflow is dropped and logged as
supervisord 4.3.0 logs it. Runs against supervisord 4.3.0 and ours."""
import glob
import os
import re
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "listeners"))
import evutil  # noqa: E402
from evutil import rpc_wait  # noqa: E402

N = 100
# 3 listeners x (STARTING, RUNNING) + N x (STARTING, RUNNING) at startup,
# then N x (STOPPING, STOPPED, STARTING, RUNNING) for the restart.
TOTAL = 3 * 2 + N * 2 + N * 4


def conf(buffer_size):
    return f"""
[eventlistener:rec]
command={evutil.PY} {evutil.script('record.py')} {{tmp}}/ev_%(process_num)d.jsonl
process_name=%(program_name)s_%(process_num)d
numprocs=3
events=PROCESS_STATE
buffer_size={buffer_size}

[program:p]
command=sleep 1000
process_name=%(program_name)s_%(process_num)03d
numprocs={N}
startsecs=0
"""


def received(d):
    evs = []
    for path in glob.glob(os.path.join(d.tmp, "ev_*.jsonl")):
        evs.extend(evutil.read_events(path))
    return evs


def storm(d):
    """Restarts all N programs while another thread times getState calls;
    returns the slowest getState answer in seconds."""
    rpc = d.rpc.supervisor
    rpc_wait(lambda: all(i["statename"] == "RUNNING" for i in rpc.getAllProcessInfo()), timeout=60)
    slowest = [0.0]
    done = threading.Event()

    def probe():
        proxy = d.proxy(timeout=30).supervisor
        while not done.is_set():
            t0 = time.time()
            assert proxy.getState()["statename"] == "RUNNING"
            slowest[0] = max(slowest[0], time.time() - t0)
            time.sleep(0.02)

    t = threading.Thread(target=probe, daemon=True)
    t.start()
    try:
        rpc.stopProcessGroup("p")
        rpc.startProcessGroup("p")
    finally:
        done.set()
        t.join(35)
    return slowest[0]


@pytest.mark.parametrize("kind", ["real", "ours"])
def test_big_buffer_no_loss_no_duplicates(daemon, kind):
    d = daemon(kind, conf(2000))
    slowest = storm(d)
    evs = rpc_wait(lambda: (e := received(d)) and len(e) >= TOTAL and e, timeout=60)
    serials = [int(e["headers"]["serial"]) for e in evs]
    assert sorted(serials) == list(range(TOTAL)), "every event exactly once"
    assert sorted(int(e["headers"]["poolserial"]) for e in evs) == list(range(TOTAL))
    names = [e["headers"]["eventname"] for e in evs]
    assert names.count("PROCESS_STATE_STOPPED") == N
    assert names.count("PROCESS_STATE_RUNNING") == 2 * N + 3
    # Every listener of the pool took part.
    assert len([p for p in glob.glob(os.path.join(d.tmp, "ev_*.jsonl")) if evutil.read_events(p)]) == 3
    assert slowest < 10, f"getState took {slowest:.1f}s during the storm"
    time.sleep(0.5)
    assert len(received(d)) == TOTAL, "no duplicates arrive later"


OVERFLOW = re.compile(r"^\S+ \S+ ERRO pool rec event buffer overflowed, discarding event (\d+)$", re.M)


@pytest.mark.parametrize("kind", ["real", "ours"])
def test_small_buffer_overflow_dropped_and_logged(daemon, kind):
    d = daemon(kind, conf(5))
    storm(d)

    def settled():
        got = {int(e["headers"]["serial"]) for e in received(d)}
        dropped = {int(s) for s in OVERFLOW.findall(d.mainlog())}
        return (got, dropped) if len(got | dropped) >= TOTAL else None

    got, dropped = rpc_wait(settled, timeout=60)
    assert dropped, "the storm must overflow a 5-event buffer"
    assert not (got & dropped), "a dropped event is never delivered"
    assert got | dropped == set(range(TOTAL)), "every event is either delivered or logged as dropped"
    assert len(received(d)) == len(got), "no duplicates"
