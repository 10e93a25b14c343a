"""One daemon under test (ours or the real supervisord) in its own temp dir.

Writes the generated config, starts the daemon with -n in its own process
group, waits (with a deadline) until it answers getState, exposes its pid and
socket, and kills it and every child by process group when done.
"""
import os
import shutil
import time

from . import procs, rpc


class DaemonFailed(Exception):
    """The daemon could not run the workload (did not start, died, or misbehaved)."""


def base_config(workdir, sock, programs, loglevel="info"):
    """A supervisord.conf both daemons read identically; `programs` is section text."""
    return f"""[unix_http_server]
file={sock}

[supervisord]
logfile={workdir}/supervisord.log
logfile_maxbytes=0
pidfile={workdir}/supervisord.pid
childlogdir={workdir}/logs
nodaemon=true
minfds=10000
minprocs=200
loglevel={loglevel}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{sock}

{programs}
"""


class Daemon:
    def __init__(self, impl, argv_prefix, ctl_argv, parent_dir, label, programs):
        self.impl = impl  # "real" or "ours"
        self.workdir = os.path.join(parent_dir, label)
        os.makedirs(os.path.join(self.workdir, "logs"), exist_ok=True)
        self.sock = os.path.join(self.workdir, "s.sock")
        self.conf = os.path.join(self.workdir, "supervisord.conf")
        self.mainlog = os.path.join(self.workdir, "supervisord.log")
        self.out = os.path.join(self.workdir, "daemon.out")
        with open(self.conf, "w") as f:
            f.write(base_config(self.workdir, self.sock, programs))
        self.argv = list(argv_prefix) + ["-n", "-c", self.conf]
        self.ctl_argv = list(ctl_argv) + ["-c", self.conf]
        self.proc = None
        self.t_start = None

    @property
    def pid(self):
        return self.proc.pid

    def start(self):
        self.t_start = time.monotonic()
        try:
            self.proc = procs.start(self.argv, self.workdir, self.out)
        except OSError as e:
            raise DaemonFailed(f"failed to start: {e}")
        return self.t_start

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def output_tail(self, n=400):
        try:
            with open(self.out, "rb") as f:
                data = f.read()[-n:]
            return data.decode("utf-8", "replace").strip().replace("\n", " | ")
        except OSError:
            return ""

    def check_alive(self, what="running"):
        if not self.alive():
            raise DaemonFailed(f"daemon exited while {what}: {self.output_tail()}")

    def wait_ready(self, deadline_s=180.0):
        """Wait until getState answers RUNNING; raise DaemonFailed otherwise."""
        end = time.monotonic() + deadline_s
        last = "no socket yet"
        while time.monotonic() < end:
            self.check_alive("starting")
            if os.path.exists(self.sock):
                try:
                    state = rpc.call(self.sock, "supervisor.getState", timeout=30.0)
                    if isinstance(state, dict) and state.get("statecode") == 1:
                        return
                    last = f"getState returned {state!r}"
                except Exception as e:  # noqa: BLE001 - any failure means "not ready yet"
                    last = f"{type(e).__name__}: {e}"
            time.sleep(0.01)
        raise DaemonFailed(f"failed to start (not ready in {deadline_s:.0f}s: {last})")

    def states(self):
        """{process name: statename} through getAllProcessInfo (untimed)."""
        infos = rpc.call(self.sock, "supervisor.getAllProcessInfo", timeout=120.0)
        return {f"{i['group']}:{i['name']}": i["statename"] for i in infos}

    def cpu(self):
        self.check_alive()
        return procs.cpu_seconds(self.pid)

    def stop(self):
        if self.proc is not None:
            procs.kill_tree(self.proc.pid)
            try:
                self.proc.wait(timeout=5)
            except Exception:  # noqa: BLE001 - already reaped by the sweep
                pass

    def remove(self):
        shutil.rmtree(self.workdir, ignore_errors=True)


class LogTail:
    """Counts occurrences of a byte pattern in a growing file, reading only new bytes."""

    def __init__(self, path, pattern, offset=0):
        self.path = path
        self.pattern = pattern
        self.offset = offset
        self.count = 0
        self.carry = b""

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return self.count
        if data:
            self.offset += len(data)
            chunk = self.carry + data
            self.count += chunk.count(self.pattern)
            keep = len(self.pattern) - 1
            # keep a tail so a pattern split across reads is counted once, later
            tail = chunk[-keep:] if keep else b""
            self.count -= tail.count(self.pattern)
            self.carry = tail
        return self.count


def file_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
