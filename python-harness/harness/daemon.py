"""One supervisord under test (the real 4.3.0 or ours) in its own temp dir.

The daemon runs with `-n -c <generated conf>` in a new session, so every
process it spawns (children call setpgrp, but keep the session) can be found
and killed by session id at teardown -- never by name.
"""
import base64
import hashlib
import http.client
import os
import signal
import socket
import subprocess
import tempfile
import time
import xmlrpc.client
from pathlib import Path

from . import paths

START_DEADLINE = float(os.environ.get("RSUP_START_DEADLINE", "30"))
CMD_TIMEOUT = 60
# deadlines for polling waits: generous because the machine may be heavily loaded;
# a wait returns as soon as its condition holds
WAIT_DEADLINE = float(os.environ.get("RSUP_WAIT_DEADLINE", "30"))


class DaemonStartError(RuntimeError):
    """The daemon exited or never answered getState before the deadline."""


def free_port() -> int:
    """A free 127.0.0.1 TCP port chosen at run time."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha_password(password: str) -> str:
    """The `{SHA}<hex>` form supervisord accepts in [*_http_server] password=."""
    return "{SHA}" + hashlib.sha1(password.encode()).hexdigest()


class Daemon:
    """A running (or about to run) supervisord plus handles to talk to it.

    Attributes: kind ('real'|'ours'), tmp (temp dir), conf (config path), sock
    (unix socket path), url (unix:// server URL), http_url (None unless inet),
    port, username/password, logfile (main log), proc (Popen), pid.
    """

    def __init__(self, kind, conf_body="", inet=False, auth=None, sha=False,
                 loglevel="info", supervisord_extra="", unix_extra="",
                 inet_extra="", ctl_extra="", unix=True, env=None):
        self.kind = kind
        self.tmp = tempfile.mkdtemp(prefix="rsh", dir="/tmp")
        self.conf = os.path.join(self.tmp, "s.conf")
        self.sock = os.path.join(self.tmp, "s.sock")
        self.logfile = os.path.join(self.tmp, "supervisord.log")
        self.pidfile = os.path.join(self.tmp, "supervisord.pid")
        self.childlogdir = os.path.join(self.tmp, "childlogs")
        os.mkdir(self.childlogdir)
        self.unix = unix
        self.url = "unix://" + self.sock if unix else None
        self.inet = inet
        self.port = free_port() if inet else None
        self.http_url = f"http://127.0.0.1:{self.port}" if inet else None
        self.username, self.password = (auth if auth else (None, None))
        self.sha = sha
        self.loglevel = loglevel
        self.supervisord_extra = supervisord_extra
        self.unix_extra = unix_extra
        self.inet_extra = inet_extra
        self.ctl_extra = ctl_extra
        self.env = env
        self.proc = None
        self.pid = None
        self.use_rust_ctl = False  # ctl()/ctl_stream() run our supervisorctl instead
        self.stdout_path = os.path.join(self.tmp, "daemon.stdout")
        self.write_conf(conf_body)

    # ---- config -------------------------------------------------------
    def render_conf(self, conf_body: str) -> str:
        """The full config: harness sections plus the scenario's sections.

        `{tmp}` in conf_body is replaced by the temp dir (supervisord's own
        `%(here)s` works too: the config lives in the temp dir).
        """
        lines = [
            "[supervisord]",
            f"logfile={self.logfile}",
            f"pidfile={self.pidfile}",
            f"childlogdir={self.childlogdir}",
            f"loglevel={self.loglevel}",
            "nodaemon=true",
            self.supervisord_extra,
            "",
            "[rpcinterface:supervisor]",
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
            "",
        ]
        pw = self.password
        if pw is not None and self.sha:
            pw = sha_password(pw)
        if self.unix:
            lines += ["[unix_http_server]", f"file={self.sock}"]
            if self.username is not None:
                lines += [f"username={self.username}", f"password={pw}"]
            lines += [self.unix_extra, ""]
        if self.inet:
            lines += ["[inet_http_server]", f"port=127.0.0.1:{self.port}"]
            if self.username is not None:
                lines += [f"username={self.username}", f"password={pw}"]
            lines += [self.inet_extra, ""]
        lines += ["[supervisorctl]", f"serverurl={self.url or self.http_url}"]
        if self.username is not None:
            lines += [f"username={self.username}", f"password={self.password}"]
        lines += [self.ctl_extra, ""]
        lines.append(conf_body.replace("{tmp}", self.tmp))
        return "\n".join(lines) + "\n"

    def write_conf(self, conf_body: str):
        """(Re)write the config file, e.g. before `reread`/`update`."""
        self.conf_body = conf_body
        with open(self.conf, "w") as f:
            f.write(self.render_conf(conf_body))

    # ---- lifecycle ----------------------------------------------------
    def start(self, deadline=START_DEADLINE):
        exe = paths.supervisord_path(self.kind)
        if not exe.exists():
            raise DaemonStartError(f"{self.kind} supervisord not found at {exe}")
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        out = open(self.stdout_path, "wb")
        self.proc = subprocess.Popen(
            [str(exe), "-n", "-c", self.conf], cwd=self.tmp, stdin=subprocess.DEVNULL,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=env)
        out.close()
        self.pid = self.proc.pid
        self.wait_ready(deadline)
        return self

    def wait_ready(self, deadline=START_DEADLINE):
        """Poll getState until it answers; raise DaemonStartError otherwise."""
        end = time.monotonic() + deadline
        last = None
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise DaemonStartError(
                    f"{self.kind} supervisord exited with {self.proc.returncode}: "
                    f"{self.daemon_output()[-2000:]!r}")
            try:
                self.proxy(timeout=2).supervisor.getState()
                return
            except Exception as e:  # not listening yet
                last = e
            time.sleep(0.05)
        raise DaemonStartError(
            f"{self.kind} supervisord did not answer getState within {deadline}s "
            f"(last error: {last!r}); output: {self.daemon_output()[-2000:]!r}")

    def daemon_output(self) -> str:
        try:
            return Path(self.stdout_path).read_text(errors="replace")
        except OSError:
            return ""

    def session_pids(self):
        """Pids of every live process in the daemon's session (its children too)."""
        found = []
        if self.pid is None:
            return found
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read().decode(errors="replace")
            except OSError:
                continue
            # fields after the ")" closing the command name: state ppid pgrp session
            rest = stat[stat.rfind(")") + 2:].split()
            if len(rest) >= 4 and rest[3] == str(self.pid):
                found.append(int(entry))
        return found

    def wait_exit(self, timeout=10):
        """Wait for the daemon process to exit; returns its exit code or None."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        """Stop the daemon gently, then kill whatever is left of its session."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            if self.wait_exit(10) is None:
                self.proc.kill()
                self.wait_exit(5)
        for pid in self.session_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc = None

    def cleanup(self):
        self.stop()
        subprocess.run(["rm", "-rf", self.tmp], check=False)

    # ---- clients ------------------------------------------------------
    def proxy(self, via=None, username=None, password=None, timeout=None):
        """An xmlrpc.client proxy. via='unix' (default when a socket exists) uses
        supervisor's own SupervisorTransport; via='http' goes through the inet
        server with basic auth (the daemon's credentials unless given)."""
        from supervisor.xmlrpc import SupervisorTransport
        via = via or ("unix" if self.unix else "http")
        if username is None:
            username, password = self.username, self.password
        if via == "unix":
            t = SupervisorTransport(username, password, self.url)
        elif via == "http":
            t = SupervisorTransport(username, password, self.http_url)
        else:
            raise ValueError(via)
        if timeout is not None:
            orig = t._get_connection

            def get_connection(orig=orig):
                conn = orig()
                conn.timeout = timeout
                return conn
            t._get_connection = get_connection
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t, allow_none=False)

    @property
    def rpc(self):
        return self.proxy()

    def raw_http(self, method, path, body=None, headers=None, via=None, timeout=30):
        """One raw HTTP request; returns (status, headers dict, body bytes)."""
        from supervisor.xmlrpc import UnixStreamHTTPConnection
        via = via or ("unix" if self.unix else "http")
        if via == "unix":
            conn = UnixStreamHTTPConnection("localhost", timeout=timeout)
            conn.socketfile = self.sock
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        hdrs = dict(headers or {})
        try:
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def auth_header(self, username=None, password=None):
        u = self.username if username is None else username
        p = self.password if password is None else password
        return {"Authorization": "Basic " + base64.b64encode(f"{u}:{p}".encode()).decode()}

    def ctl(self, *args, stdin=None, timeout=CMD_TIMEOUT, conf=True, env=None):
        """Run the stock Python supervisorctl (or ours when use_rust_ctl is set);
        returns (stdout, stderr, exit code)."""
        exe = paths.rust_ctl_path() if self.use_rust_ctl else paths.python_ctl_path()
        return self._run([str(exe)], args, stdin, timeout, conf, env)

    def rust_ctl(self, *args, stdin=None, timeout=CMD_TIMEOUT, conf=True, env=None):
        """Run our supervisorctl binary; returns (stdout, stderr, exit code)."""
        return self._run([str(paths.rust_ctl_path())], args, stdin, timeout, conf, env)

    def ctl_stream(self, *args, until, timeout=WAIT_DEADLINE, rust=None, pty=False, keys=(),
                   stop=None, after_stop=()):
        """Run supervisorctl (e.g. `tail -f`, `maintail -f`, `fg`) until its output
        satisfies until(output_so_far), then stop it and return (output, exit
        code). Stopping sends SIGINT (Ctrl-C), or types the bytes `stop` (e.g.
        b"\\x04", end of input) when given. keys: (when, bytes) pairs: once
        when(output) is true, bytes are typed into its stdin/terminal; after_stop:
        the same, while it exits.
        Raises AssertionError if `until` is not met within timeout."""
        import pty as ptymod
        import select
        if rust is None:
            rust = self.use_rust_ctl
        exe = str(paths.rust_ctl_path() if rust else paths.python_ctl_path())
        cmd = [exe, "-c", self.conf] + [str(a) for a in args]
        if pty:
            master, slave = ptymod.openpty()
            proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave,
                                    cwd=self.tmp, start_new_session=True)
            os.close(slave)
            rfd, wfd = master, master
        else:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, cwd=self.tmp)
            rfd, wfd = proc.stdout.fileno(), proc.stdin.fileno()
        out = b""
        pending = list(keys)
        end = time.monotonic() + timeout
        met = False
        try:
            while time.monotonic() < end:
                text = out.decode(errors="replace")
                while pending and pending[0][0](text):
                    os.write(wfd, pending.pop(0)[1])
                if not pending and until(text):
                    met = True
                    break
                r, _, _ = select.select([rfd], [], [], 0.05)
                if r:
                    try:
                        chunk = os.read(rfd, 65536)
                    except OSError:
                        chunk = b""
                    if not chunk:
                        break
                    out += chunk
            if stop is not None:
                os.write(wfd, stop)
            else:
                proc.send_signal(signal.SIGINT)
            pending = list(after_stop)
            end2 = time.monotonic() + 15
            while time.monotonic() < end2 and proc.poll() is None:
                text = out.decode(errors="replace")
                while pending and pending[0][0](text):
                    os.write(wfd, pending.pop(0)[1])
                r, _, _ = select.select([rfd], [], [], 0.05)
                if r:
                    try:
                        chunk = os.read(rfd, 65536)
                    except OSError:
                        chunk = b""
                    out += chunk
            try:
                rc = proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait(5)
            while select.select([rfd], [], [], 0.1)[0]:  # what it wrote while exiting
                try:
                    chunk = os.read(rfd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            # after_stop steps whose condition holds run even when the client has
            # already exited (their side effects belong to the script)
            text = out.decode(errors="replace")
            while pending and pending[0][0](text):
                data = pending.pop(0)[1]
                try:
                    if data:
                        os.write(wfd, data)
                except OSError:
                    pass
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
            if pty:
                os.close(master)
        text = out.decode(errors="replace")
        if not met:
            raise AssertionError(f"[{self.kind}] supervisorctl {' '.join(map(str, args))}: "
                                 f"expected output not seen within {timeout}s; got {text!r}")
        return text, rc

    def _run(self, exe, args, stdin, timeout, conf, env):
        cmd = exe + (["-c", self.conf] if conf else []) + [str(a) for a in args]
        e = dict(os.environ)
        e.update(env or {})
        r = subprocess.run(cmd, input=stdin, capture_output=True, text=True,
                           timeout=timeout, cwd=self.tmp, env=e,
                           errors="replace")
        return r.stdout, r.stderr, r.returncode

    def mainlog(self) -> str:
        try:
            return Path(self.logfile).read_text(errors="replace")
        except OSError:
            return ""

    def wait_for(self, predicate, timeout=WAIT_DEADLINE, interval=0.05, what="condition"):
        """Poll predicate() until truthy; returns its value or raises AssertionError."""
        end = time.monotonic() + timeout
        while True:
            v = predicate()
            if v:
                return v
            if time.monotonic() > end:
                raise AssertionError(f"[{self.kind}] timed out after {timeout}s waiting for {what}")
            time.sleep(interval)

    def wait_state(self, name, statename, timeout=WAIT_DEADLINE):
        """Poll getProcessInfo(name) until its statename is `statename`."""
        def check():
            try:
                return self.rpc.supervisor.getProcessInfo(name)["statename"] == statename
            except xmlrpc.client.Fault:
                return False
        return self.wait_for(check, timeout, what=f"{name} to be {statename}")

    def wait_stable(self, timeout=WAIT_DEADLINE):
        """Poll until no process is STARTING, BACKOFF or STOPPING."""
        transient = {"STARTING", "BACKOFF", "STOPPING"}

        def check():
            try:
                infos = self.rpc.supervisor.getAllProcessInfo()
            except Exception:
                return False
            return all(i["statename"] not in transient for i in infos) or False
        return self.wait_for(check, timeout, what="all processes to settle")

    def wait_log(self, name, text, channel="stdout", timeout=WAIT_DEADLINE):
        """Poll the process's log (via XML-RPC) until it contains `text`."""
        method = "readProcessStdoutLog" if channel == "stdout" else "readProcessStderrLog"

        def check():
            try:
                return text in getattr(self.rpc.supervisor, method)(name, 0, 0)
            except xmlrpc.client.Fault:
                return False
        return self.wait_for(check, timeout, what=f"{text!r} in {name} {channel} log")

    def wait_mainlog(self, text, timeout=WAIT_DEADLINE):
        """Poll the main log file until it contains `text`."""
        return self.wait_for(lambda: text in self.mainlog(), timeout,
                             what=f"{text!r} in the main log")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __repr__(self):
        return f"<Daemon {self.kind} pid={self.pid} tmp={self.tmp}>"


def start_daemon(kind, conf_body="", **kw) -> Daemon:
    d = Daemon(kind, conf_body, **kw)
    try:
        d.start()
    except BaseException:
        d.cleanup()
        raise
    return d


_rust_ctl_reason = "unprobed"


def rust_ctl_unavailable_reason():
    """None when our supervisorctl can run `version` against the real supervisord;
    otherwise why not (ourctl tests then skip, visibly). Probed once per process."""
    global _rust_ctl_reason
    if _rust_ctl_reason != "unprobed":
        return _rust_ctl_reason
    exe = paths.rust_ctl_path()
    if not exe.exists():
        _rust_ctl_reason = f"our supervisorctl is not built ({exe})"
        return _rust_ctl_reason
    d = start_daemon("real", "")
    try:
        out, err, rc = d.rust_ctl("version", timeout=20)
    except subprocess.TimeoutExpired:
        out, err, rc = "", "timed out", -1
    finally:
        d.cleanup()
    if out.strip() == "4.3.0" and rc == 0:
        _rust_ctl_reason = None
    else:
        _rust_ctl_reason = (f"our supervisorctl cannot run `version` yet: exit {rc}, "
                            f"{(out + err).strip()[:300]!r}")
    return _rust_ctl_reason


_ours_reason = "unprobed"


def ours_unavailable_reason():
    """None when our supervisord starts and answers getState on a minimal config;
    otherwise the reason it cannot (tests of ours then skip, visibly). Probed once
    per test process. RSUP_REQUIRE_OURS=1 turns the skip into a failure."""
    global _ours_reason
    if _ours_reason != "unprobed":
        return _ours_reason
    try:
        d = start_daemon("ours", "")
        d.cleanup()
        _ours_reason = None
    except DaemonStartError as e:
        _ours_reason = f"our supervisord cannot start yet: {e}"
    return _ours_reason
