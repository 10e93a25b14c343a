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
