"""supervisord as a daemon, on the real 4.3.0 and ours: daemon mode with its
pidfile, a second daemon on the same socket refused, a stale socket file
cleaned up, and the SIGTERM / SIGHUP / SIGUSR2 handling, with normalized
main-log lines compared."""
import os
import signal
import socket
import subprocess
import time

from harness import Daemon, mainlog_lines, normalize
from harness import paths

LEVELS = {"CRIT", "ERRO", "WARN", "INFO"}
CONF = "[program:a]\ncommand=sleep 1000\nstartsecs=0\n"


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _session_members(sid, live_only=False):
    """Pids in session `sid` (zombies included unless live_only)."""
    out = []
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                with open(f"/proc/{e}/stat") as f:
                    rest = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if len(rest) > 3 and rest[3] == str(sid):
                if live_only and rest[0] == "Z":
                    continue
                out.append(int(e))
    return out


def _wait(pred, timeout=15, what="condition"):
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.05)


def _daemon_mode_run(kind):
    """Starts `kind` without -n (nodaemon=false), checks it daemonized, stops
    it with SIGTERM; returns its normalized main-log lines."""
    d = Daemon(kind, CONF)
    try:
        with open(d.conf) as f:
            text = f.read().replace("nodaemon=true", f"nodaemon=false\ndirectory={d.tmp}")
        with open(d.conf, "w") as f:
            f.write(text)
        exe = paths.supervisord_path(kind)
        r = subprocess.run([str(exe), "-c", d.conf], cwd="/", capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 0, (kind, r.stdout, r.stderr)
        assert r.stdout == "" and r.stderr == ""
        _wait(lambda: os.path.exists(d.pidfile) and open(d.pidfile).read().endswith("\n"),
              what="pidfile")
        pid = int(open(d.pidfile).read())
        d.pid = pid
        assert _alive(pid)
        assert os.getsid(pid) == pid, "daemon is not a session leader"
        assert os.readlink(f"/proc/{pid}/cwd") == d.tmp
        _wait(lambda: "success: a entered RUNNING" in d.mainlog(), what="program a")
        os.kill(pid, signal.SIGTERM)
        _wait(lambda: not _alive(pid), what="daemon exit")
        assert not os.path.exists(d.pidfile)
        assert not os.path.exists(d.sock)
        assert _session_members(pid, live_only=True) == []
        return mainlog_lines(d, LEVELS)
    finally:
        if d.pid:
            for p in _session_members(d.pid):
                os.kill(p, signal.SIGKILL)
        subprocess.run(["rm", "-rf", d.tmp], check=False)


def test_daemon_mode_pidfile_and_sigterm(daemon):
    daemon("ours", "")  # skips while ours cannot start
    ours = _daemon_mode_run("ours")
    real = _daemon_mode_run("real")
    assert ours == real, "\n".join(["--- real"] + real + ["--- ours"] + ours)
    assert "INFO daemonizing the supervisord process" in real


def _norm_err(text, d):
    import re
    return re.sub(r"For help, use \S+ -h", "For help, use <SUPERVISORD> -h", normalize(text, d))


def test_second_daemon_on_the_same_socket_is_refused(daemon):
    results = {}
    for kind in ("ours", "real"):
        d = daemon(kind, CONF)
        exe = paths.supervisord_path(kind)
        r = subprocess.run([str(exe), "-n", "-c", d.conf], capture_output=True, text=True,
                           timeout=30, start_new_session=True)
        results[kind] = (r.returncode, _norm_err(r.stdout + r.stderr, d).splitlines()[-2:])
        # The first daemon is unharmed.
        assert d.rpc.supervisor.getState()["statename"] == "RUNNING"
    assert results["ours"] == results["real"]
    assert results["real"][0] == 2
    assert results["real"][1][0] == (
        "Error: Another program is already listening on a port that one of our HTTP "
        "servers is configured to use.  Shut this program down first before starting "
        "supervisord.")


def test_stale_socket_file_is_cleaned_up(daemon):
    outs = {}
    for kind in ("ours", "real"):
        d = Daemon(kind, CONF)
        s = socket.socket(socket.AF_UNIX)
        s.bind(d.sock)
        s.close()  # leaves the file behind, nobody listening
        try:
            d.start()
            assert d.rpc.supervisor.getState()["statename"] == "RUNNING"
            outs[kind] = [l for l in normalize(d.daemon_output(), d).splitlines()
                          if "stale" in l]
        finally:
            d.cleanup()
    assert outs["ours"] == outs["real"] == ["Unlinking stale socket <TMP>/s.sock"]


def _signals_run(daemon, kind):
    d = daemon(kind, CONF)
    d.wait_state("a", "RUNNING")
    first = d.rpc.supervisor.getProcessInfo("a")["pid"]
    os.kill(d.pid, signal.SIGHUP)
    d.wait_for(lambda: d.mainlog().count("spawned: 'a'") == 2, 15, what="restart")
    assert not _alive(first)
    d.wait_state("a", "RUNNING")
    os.rename(d.logfile, d.logfile + ".old")
    os.kill(d.pid, signal.SIGUSR2)
    d.wait_for(lambda: os.path.exists(d.logfile), 10, what="reopened main log")
    os.kill(d.pid, signal.SIGTERM)
    assert d.wait_exit(15) == 0
    with open(d.logfile + ".old") as f:
        before = f.read()
    masked = lambda text: [normalize(l[24:], d) for l in text.splitlines()
                           if l[24:28].strip() in LEVELS]
    return masked(before) + ["-- reopened --"] + masked(d.mainlog())


def test_sighup_restarts_and_sigusr2_reopens_logs(daemon):
    ours = _signals_run(daemon, "ours")
    real = _signals_run(daemon, "real")
    assert ours == real, "\n".join(["--- real"] + real + ["--- ours"] + ours)
    assert "WARN received SIGHUP indicating restart request" in real
    assert "INFO received SIGUSR2 indicating log reopen request" in real
    assert real[-1] == "WARN stopped: a (terminated by SIGTERM)"
