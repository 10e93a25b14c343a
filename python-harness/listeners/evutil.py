"""Helpers for the event tests (python-harness/tests/test_events*.py): paths
of the listener scripts, reading what record.py wrote, normalizing event
streams so runs of the real supervisord and ours compare equal."""
import json
import os
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable  # the harness venv's python: has supervisor + superlance


def script(name):
    return str(HERE / name)


def venv_bin(name):
    return str(Path(sys.executable).parent / name)


def read_events(path):
    """Events record.py stored so far (a partial last line is ignored)."""
    try:
        with open(path) as f:
            lines = f.read().split("\n")
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError:
                break
    return out


def wait_events(path, predicate, timeout=20, what="events"):
    """Polls the recorded events until predicate(events) is true."""
    deadline = time.time() + timeout
    while True:
        evs = read_events(path)
        if predicate(evs):
            return evs
        if time.time() > deadline:
            names = [e["headers"]["eventname"] for e in evs]
            raise AssertionError(f"timed out waiting for {what}; got {names}")
        time.sleep(0.05)


def has(name, payload_part=""):
    """Predicate: some event named `name` whose payload contains the text."""
    def check(evs):
        return any(e["headers"]["eventname"] == name and payload_part in e["payload"] for e in evs)
    return check


def count(name, n):
    def check(evs):
        return sum(1 for e in evs if e["headers"]["eventname"] == name) >= n
    return check


def check_envelopes(evs, server):
    """Checks what normalization drops: len matches the payload (in
    characters), serials are consecutive from 0, the header is complete."""
    for i, e in enumerate(evs):
        h = e["headers"]
        assert list(h) == ["ver", "server", "serial", "pool", "poolserial", "eventname", "len"], h
        assert h["ver"] == "3.0" and h["server"] == server, h
        assert int(h["len"]) == len(e["payload"]), e
        assert int(h["serial"]) == i and int(h["poolserial"]) == i, (i, h)


_PID = re.compile(r"\bpid:\d+")


def normalize_events(evs, drop=("TICK_5", "TICK_60", "TICK_3600")):
    """(eventname, payload) pairs with pids masked and tick events dropped
    (ticks arrive at wall-clock boundaries, anywhere in the stream)."""
    return [(e["headers"]["eventname"], _PID.sub("pid:<PID>", e["payload"]))
            for e in evs if e["headers"]["eventname"] not in drop]


def rpc_wait(fn, timeout=20, interval=0.05):
    deadline = time.time() + timeout
    while True:
        try:
            v = fn()
            if v:
                return v
        except Exception:
            if time.time() > deadline:
                raise
        if time.time() > deadline:
            raise AssertionError("timed out")
        time.sleep(interval)
