"""Scripted sessions recorded as text, and the `scenario` decorator that runs
one script against the real supervisord and ours and compares the two.

The expected transcript (recorded from the real supervisord 4.3.0) is kept in
compat-tests/scenarios/<test module>/<scenario>.txt. Each scenario yields two
tests: [real] checks the real daemon still produces the stored transcript
(proving the script is deterministic), [ours] checks our daemon produces the
same. A missing file is recorded by [real]; RSUP_RECORD=1 re-records all.
"""
import difflib
import re
import functools
import os
import pprint
import xmlrpc.client

import pytest

from . import paths
from .daemon import start_daemon, ours_unavailable_reason, rust_ctl_unavailable_reason
from .normalize import normalize

# process-info / event fields whose values differ from run to run
_TIME_KEYS = {"start", "stop", "now"}
_PID_KEYS = {"pid"}


def mask_value(v):
    """Mask run-dependent fields of an XML-RPC result (recursively)."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k in _TIME_KEYS and isinstance(x, int) and x != 0:
                out[k] = "<TIME>"
            elif k in _PID_KEYS and isinstance(x, int) and x != 0:
                out[k] = "<PID>"
            else:
                out[k] = mask_value(x)
        return out
    if isinstance(v, list):
        return [mask_value(x) for x in v]
    return v


def canonical(v):
    """A text form independent of dict insertion order (for sorting results)."""
    return pprint.pformat(v, width=10 ** 6, sort_dicts=True)


def fmt_result(v, sort=False):
    v = mask_value(v)
    if sort and isinstance(v, list):
        v = sorted(v, key=canonical)
    return pprint.pformat(v, width=100, sort_dicts=True)


def fmt_fault(f):
    return f"Fault {f.faultCode}: {f.faultString}"


class Transcript:
    """Records what a script did to one daemon and what came back."""

    def __init__(self, daemon):
        self.d = daemon
        self.parts = []

    def note(self, text):
        """Record a free-form line (normalized at the end)."""
        self.parts.append(str(text))
        return text

    def value(self, label, v, sort=False):
        """Record a labelled Python value (masked like an RPC result)."""
        self.parts.append(f"{label} = {fmt_result(v, sort)}")
        return v

    def rpc(self, method, *args, sort=False, proxy=None, mask=None):
        """Call `method` ('supervisor.getState' ...) and record the result or fault.
        sort: sort a list result (for orders supervisord itself does not fix).
        mask: a function applied to the result before recording.
        Returns the result, or the xmlrpc.client.Fault."""
        p = proxy or self.d.proxy()
        target = p
        for part in method.split("."):
            target = getattr(target, part)
        call = f"{method}({', '.join(repr(a) for a in args)})"
        try:
            res = target(*args)
        except xmlrpc.client.Fault as f:
            self.parts.append(f"{call} -> {fmt_fault(f)}")
            return f
        except xmlrpc.client.ProtocolError as e:
            self.parts.append(f"{call} -> HTTP {e.errcode} {e.errmsg}")
            return e
        shown = mask(res) if mask else res
        self.parts.append(f"{call} -> {fmt_result(shown, sort)}")
        return res

    def ctl(self, *args, stdin=None, sort_lines=False, rust=False, mask_numbers=False, **kw):
        """Run supervisorctl (stock Python, or ours with rust=True) and record
        its stdout, stderr and exit code. sort_lines: sort the output lines
        (for group operations whose order supervisord does not fix).
        mask_numbers: lines that are a bare non-zero number become <N> (pids)."""
        run = self.d.rust_ctl if rust else self.d.ctl
        out, err, rc = run(*args, stdin=stdin, **kw)
        if mask_numbers:
            out = re.sub(r"(?m)^[1-9][0-9]*$",
                         lambda m: m.group(0) if m.group(0) == str(self.d.pid) else "<N>", out)
        if sort_lines:
            out = "\n".join(sorted(out.splitlines())) + ("\n" if out else "")  # noqa
            err = "\n".join(sorted(err.splitlines())) + ("\n" if err else "")
        head = "$ supervisorctl " + " ".join(str(a) for a in args)
        if stdin is not None:
            head += f"  <<< {stdin!r}"
        self.parts.append(f"{head}\n{out}" + (f"[stderr]\n{err}" if err else "") + f"[exit {rc}]")
        return out, err, rc

    def text(self):
        return normalize("\n".join(self.parts), self.d) + "\n"


def assert_same_transcripts(expected, actual, exp_label="real supervisord 4.3.0",
                            act_label="ours"):
    if expected == actual:
        return
    diff = "".join(difflib.unified_diff(
        expected.splitlines(True), actual.splitlines(True), exp_label, act_label))
    pytest.fail(f"transcripts differ ({exp_label} vs {act_label}):\n{diff}", pytrace=False)


def _load_conf(conf):
    """conf is a config body, or 'name.conf' naming a file in compat-tests/scenarios/configs."""
    if conf.endswith(".conf") and "\n" not in conf:
        return (paths.SCENARIO_DIR / "configs" / conf).read_text()
    return conf


def run_script(kind, fn, conf, daemon_kw, rust_ctl=False):
    d = start_daemon(kind, conf, **daemon_kw)
    d.use_rust_ctl = rust_ctl
    try:
        t = Transcript(d)
        fn(d, t)
        return t.text()
    finally:
        d.cleanup()


_PY_ERROR_LINE = re.compile(r"(?m)^error: <class .*$")


def python_exception_lines_masked(text):
    """For comparing our supervisorctl with the stock one: the stock client's
    dumps of Python exceptions ("error: <class '...'>, ...: file: ... line: N")
    only have to be an `error: ` line."""
    return _PY_ERROR_LINE.sub("error: <client exception>", text)


def scenario(conf="", ctl_variant=False, **daemon_kw):
    """Decorator for `def name(d, t): ...` scripts (d: Daemon, t: Transcript).

    Produces a test `test_<name>` parametrized over kind=real/ours. The real
    transcript is stored in compat-tests/scenarios/<module>/<name>.txt.
    ctl_variant=True adds kind=ourctl: the real daemon driven by OUR
    supervisorctl binary wherever the script runs `supervisorctl` (t.ctl,
    d.ctl, d.ctl_stream), compared with the same stored transcript.
    """
    body = _load_conf(conf)

    def deco(fn):
        name = fn.__name__
        if name.startswith("test_"):
            name = name[5:]
        module = fn.__module__.rsplit(".", 1)[-1]
        golden = paths.SCENARIO_DIR / module / f"{name}.txt"

        @pytest.mark.parametrize("kind", ["real", "ours"] + (["ourctl"] if ctl_variant else []))
        @functools.wraps(fn)
        def test(kind):
            record = os.environ.get("RSUP_RECORD") == "1"
            if kind == "real":
                got = run_script("real", fn, body, daemon_kw)
                if record or not golden.exists():
                    golden.parent.mkdir(parents=True, exist_ok=True)
                    golden.write_bytes(got.encode())
                    return
                assert_same_transcripts(golden.read_bytes().decode(), got,
                                        f"stored {golden.name}", "real supervisord now")
                return
            if kind == "ourctl":
                reason = rust_ctl_unavailable_reason()
                if reason:
                    pytest.skip(reason)
                expected = (golden.read_bytes().decode() if golden.exists() and not record
                            else run_script("real", fn, body, daemon_kw))
                got = run_script("real", fn, body, daemon_kw, rust_ctl=True)
                assert_same_transcripts(python_exception_lines_masked(expected),
                                        python_exception_lines_masked(got),
                                        "stock supervisorctl", "our supervisorctl")
                return
            reason = ours_unavailable_reason()
            if reason:
                pytest.skip(reason)
            if golden.exists() and not record:
                expected = golden.read_bytes().decode()
            else:
                expected = run_script("real", fn, body, daemon_kw)
            got = run_script("ours", fn, body, daemon_kw)
            assert_same_transcripts(expected, got)

        test.__name__ = f"test_{name}"
        test.__qualname__ = test.__name__
        test.__wrapped_script__ = fn
        del test.__wrapped__  # keep pytest from inspecting fn's (d, t) signature
        return test

    return deco
