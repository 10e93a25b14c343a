"""Shared fixtures of the differential harness (see harness/ for the helpers).

    def test_x(daemon):
        real = daemon("real", "[program:a]\ncommand=sleep 1000\n")
        ours = daemon("ours", "...")          # skips visibly while ours cannot start
        real.rpc.supervisor.getState(); real.ctl("status"); ...

    @scenario("[program:a]\ncommand=sleep 1000\n")
    def status_forms(d, t):                   # runs on both, transcripts compared
        t.ctl("status")
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (DaemonStartError, normalize, mainlog_lines,  # noqa: E402,F401
                     ours_unavailable_reason, start_daemon)


@pytest.fixture
def daemon():
    """Factory: daemon(kind, conf_body, inet=False, auth=None, sha=False, ...) starts
    'real' (supervisord 4.3.0) or 'ours' and stops it (and its whole session) at
    teardown. For kind='ours' the test is skipped, with the reason shown, while our
    supervisord cannot start at all (RSUP_REQUIRE_OURS=1 makes that a failure)."""
    started = []

    def make(kind, conf_body="", **kw):
        if kind == "ours":
            reason = ours_unavailable_reason()
            if reason:
                if os.environ.get("RSUP_REQUIRE_OURS") == "1":
                    pytest.fail(reason)
                pytest.skip(reason)
        d = start_daemon(kind, conf_body, **kw)
        started.append(d)
        return d

    yield make
    for d in started:
        d.cleanup()


@pytest.fixture(params=["real", "ours"])
def kind(request):
    """Parametrizes a test over both daemons (use with the `daemon` factory)."""
    return request.param


# ---- known differences of our daemon ---------------------------------------
# compat-tests/known-differences.txt lists tests (node id suffixes) that fail
# because of a known, reported difference of OUR daemon from supervisord 4.3.0:
#     tests/test_x.py::test_y[ours]   what differs (method, input, ours vs theirs)
# They run as xfail (non-strict) so main stays green while the fix is pending;
# the summary shows each with its reason, and an XPASS says the line can go.
def _known_differences():
    from harness.paths import REPO
    path = REPO / "compat-tests" / "known-differences.txt"
    known = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            test, _, reason = line.partition(" ")
            known[test] = reason.strip() or "known difference"
    return known


def pytest_collection_modifyitems(config, items):
    if os.environ.get("RSUP_STRICT_DIFFS") == "1":
        return
    known = _known_differences()
    for item in items:
        for test, reason in known.items():
            if item.nodeid.endswith(test):
                item.add_marker(pytest.mark.xfail(reason=f"known difference: {reason}",
                                                  strict=False))
