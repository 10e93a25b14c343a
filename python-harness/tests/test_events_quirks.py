"""Where supervisord 4.3.0 has a plain bug in event delivery we do the sane
thing; these tests pin both behaviours (the real one as observed, ours as
documented in docs/compat-events.md)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "listeners"))
import evutil  # noqa: E402
from evutil import count, wait_events  # noqa: E402


@pytest.mark.parametrize("kind", ["real", "ours"])
def test_overlapping_subscriptions(daemon, kind):
    conf = f"""
[eventlistener:rec]
command={evutil.PY} {evutil.script('record.py')} {{tmp}}/events.jsonl
events=PROCESS_STATE,PROCESS_STATE_RUNNING
"""
    d = daemon(kind, conf)
    path = os.path.join(d.tmp, "events.jsonl")
    evs = wait_events(path, count("PROCESS_STATE_RUNNING", 1))
    got = [(e["headers"]["serial"], e["headers"]["eventname"]) for e in evs]
    if kind == "real":
        # 4.3.0 queues the event once per matching subscription.
        assert got[:3] == [("0", "PROCESS_STATE_STARTING"), ("1", "PROCESS_STATE_RUNNING"),
                           ("1", "PROCESS_STATE_RUNNING")]
    else:
        import time
        time.sleep(0.5)  # a duplicate would have arrived by now
        evs = evutil.read_events(path)
        got = [(e["headers"]["serial"], e["headers"]["eventname"]) for e in evs]
        assert got[:2] == [("0", "PROCESS_STATE_STARTING"), ("1", "PROCESS_STATE_RUNNING")]
        assert ("1", "PROCESS_STATE_RUNNING") not in got[2:]
