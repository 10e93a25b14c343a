"""Our supervisorctl against the stock 4.3.0 one: for every command and error
case, the transcript (stdout, stderr, exit code) of the stock client against
the real supervisord must equal ours after masking pids, times and paths.

Two pairings run each case:
  real: stock ctl vs our ctl, both against the real supervisord 4.3.0;
  ours: stock ctl against the real supervisord vs our ctl against OUR
        supervisord (skips, with the reason, while ours cannot start).
The interactive shell is driven through a pseudo-terminal (prompt, help,
completion, history), and `tail -f` / `fg` through Ctrl-C.
"""
import os
import pty
import re
import select
import termios
import signal
import subprocess
import time
import xmlrpc.client

import pytest

from harness import normalize, ours_unavailable_reason, start_daemon
from harness import paths

PROGRAMS = """
[program:cat]
command=cat
startsecs=0

[program:sleeper]
command=sleep 1000
startsecs=0

[program:stopped]
command=sleep 1000
autostart=false

[program:bad]
command=/nonexistent/thing
autostart=false
startretries=0

[group:grp]
programs=a,b

[program:a]
command=sh -c 'echo hello a; echo oops a >&2; exec sleep 1000'
startsecs=0

[program:b]
command=sleep 1000
startsecs=0

[program:multi]
command=sleep 1000
numprocs=2
process_name=%(program_name)s_%(process_num)02d
startsecs=0

[program:ticker]
command=sh -c 'while true; do echo tick; sleep 0.2; done'
startsecs=0
"""

# Which processes run in the state every case starts from.
# Deadlines for waits on a possibly very loaded machine; waits end as soon
# as their condition holds.
DEADLINE = float(os.environ.get("RSUP_WAIT_DEADLINE", "30"))

RUNNING = {"cat", "sleeper", "grp:a", "grp:b", "multi:multi_00", "multi:multi_01", "ticker"}
AUTH = ("user", "pass")

EXTRA_MASKS = [
    # Our catch-all error line names a Rust source file instead of a .py one.
    (r"file: \S+ line: (\d+|<N>)", "file: <F> line: <N>"),
    (re.escape(str(paths.python_ctl_path())), "<PROG>"),
    (re.escape(str(paths.rust_ctl_path())), "<PROG>"),
    (r"<VENV>/bin/supervisorctl|<REPO>/target/\w+/supervisorctl", "<PROG>"),
]


def start(kind):
    return start_daemon(kind, PROGRAMS, inet=True, inet_extra=f"username={AUTH[0]}\npassword={AUTH[1]}")


def namespec(info):
    return info["name"] if info["name"] == info["group"] else f"{info['group']}:{info['name']}"


def reset(d):
    """Puts every process back in the starting state (and the groups back)."""
    rpc = d.rpc.supervisor
    d.wait_stable()
    groups = {i["group"] for i in rpc.getAllProcessInfo()}
    for g in ("cat", "sleeper", "stopped", "bad", "grp", "multi", "ticker"):
        if g not in groups:
            try:
                rpc.addProcessGroup(g)
            except xmlrpc.client.Fault:
                pass
    d.wait_stable()
    for info in rpc.getAllProcessInfo():
        name = namespec(info)
        running = info["statename"] == "RUNNING"
        if name in RUNNING and not running:
            rpc.startProcess(name)
        elif name not in RUNNING and running:
            rpc.stopProcess(name)
    d.wait_stable()
    # grp:a writes its two log lines once at start; a `clear` case empties
    # them, so restart it to get them back.
    logs = rpc.readProcessStdoutLog("grp:a", 0, 0), rpc.readProcessStderrLog("grp:a", 0, 0)
    if logs != ("hello a\n", "oops a\n"):
        rpc.stopProcess("grp:a")
        rpc.clearProcessLogs("grp:a")
        rpc.startProcess("grp:a")
        d.wait_log("grp:a", "hello a")
        d.wait_log("grp:a", "oops a", channel="stderr")


@pytest.fixture(scope="module")
def real():
    d = start("real")
    reset(d)
    yield d
    d.cleanup()


@pytest.fixture(scope="module")
def ours():
    reason = ours_unavailable_reason()
    if reason:
        pytest.skip(reason)
    d = start("ours")
    reset(d)
    yield d
    d.cleanup()


@pytest.fixture(params=["real", "ours"])
def pair(request, real):
    """(daemon for the stock ctl, daemon for ours)."""
    if request.param == "real":
        return real, real
    return real, request.getfixturevalue("ours")


def norm(text, d, sort=False, histories_differ=False):
    text = normalize(text, d, extra=EXTRA_MASKS)
    if histories_differ:
        # A process stopped since start says when; one never started says
        # "Not started". Two daemons that ran different cases before this
        # one cannot be brought back to the same of the two.
        text = re.sub(r"(STOPPED   )Not started$", r"\1<DATE>", text, flags=re.M)
    if NUMBER_LINES:
        text = re.sub(r"(?m)^\d+$", "<N>", text)
    text = text.replace(d.tmp, "<TMP>")
    if sort:
        text = "\n".join(sorted(text.splitlines()))
    return text


def transcript(d, result, sort=False, histories_differ=False):
    out, err, code = result
    out, err = norm(out, d, sort, histories_differ), norm(err, d, sort, histories_differ)
    return f"--- stdout\n{out}\n--- stderr\n{err}\n--- exit {code}"


NUMBER_LINES = False


def compare(pair, *args, stdin=None, sort=False, conf=True, prepare=None):
    exp_d, act_d = pair
    results = []
    for d, run in ((exp_d, exp_d.ctl), (act_d, act_d.rust_ctl)):
        reset(d)
        words = [a.format(sock=d.sock, http=d.http_url, tmp=d.tmp) for a in args]
        if prepare:
            prepare(d)
        results.append(transcript(d, run(*words, stdin=stdin, conf=conf), sort, exp_d is not act_d))
    assert results[1] == results[0], f"ctl {' '.join(args)}: ours differs from 4.3.0"
    return results[0]


# ---- one-shot commands ------------------------------------------------------

READ_ONLY = [
    "status", "status cat", "status grp:*", "status grp:a cat", "status all", "status stopped",
    "status nosuch", "status nosuch:*", "status grp:nosuch", "status nosuch stopped", "status multi",
    "pid", "pid cat", "pid all", "pid nosuch", "pid stopped", "pid cat nosuch",
    "avail", "reread", "version", "update nosuch", "update",
    "help", "help help", "help nosuch", "help EOF", "help start stop", "?", "?status",
    "tail grp:a", "tail -5 grp:a", "tail grp:a stderr", "tail -3 grp:a STDERR", "tail nosuch",
    "tail cat stdboo", "tail -x cat", "tail", "tail a b c d", "tail -f", "tail -99999999999 cat",
    "maintail a b", "maintail foo", "maintail -x",
    "foo bar", "!ls", "STATUS", "-x", "",
    "fg", "fg a b", "fg stopped", "fg nosuch",
    "open foo", "open ftp://x", "open unix://{sock}", "quit", "exit", "EOF",
    "shutdown x", "reload x", "avail x", "version x", "reread x",
    "add", "add cat", "add nosuch", "remove nosuch", "remove cat",
    "start", "stop", "restart", "clear", "signal", "signal HUP",
]
HELP_TOPICS = ["add", "avail", "clear", "exit", "fg", "maintail", "open", "pid", "quit", "reload", "remove",
               "reread", "restart", "shutdown", "signal", "start", "status", "stop", "tail", "update", "version"]

MUTATING = [
    "start stopped", "start bad", "start cat", "start grp:a stopped", "start nosuch",
    "start nosuch:*", "start grp:nosuch", "stop cat", "stop stopped", "stop nosuch",
    "stop nosuch:*", "stop grp:a cat", "restart cat", "restart stopped",
    "signal HUP cat", "signal BAD cat", "signal HUP stopped", "signal HUP nosuch",
    "signal HUP nosuch:*", "signal 0 cat",
    "clear cat", "clear nosuch", "clear grp:*", "clear grp:a cat",
    "remove stopped", "remove stopped bad",
]
ALL_FORMS = ["start all", "stop all", "restart all", "signal HUP all", "clear all",
             "start grp:*", "stop grp:*", "restart grp:*", "signal USR1 grp:*", "stop multi:* stopped"]


@pytest.mark.parametrize("line", READ_ONLY)
def test_command(pair, line, monkeypatch):
    if line.startswith("pid"):
        # Bare pid lines: equal for one daemon, masked across two.
        monkeypatch.setitem(globals(), "NUMBER_LINES", pair[0] is not pair[1])
    compare(pair, *line.split(), sort=line == "pid all" and pair[0] is not pair[1])


@pytest.mark.parametrize("topic", HELP_TOPICS)
def test_help_topic(pair, topic):
    compare(pair, "help", topic)


@pytest.mark.parametrize("line", MUTATING)
def test_mutating_command(pair, line):
    compare(pair, *line.split())


@pytest.mark.parametrize("line", ALL_FORMS)
def test_all_forms(pair, line):
    # The order of results among equal priorities is not fixed (observed.md).
    compare(pair, *line.split(), sort=True)


def test_whole_line_as_one_argument(pair):
    compare(pair, "status cat  grp:a")


def test_maintail_bytes(pair):
    out = compare(pair, "maintail", "-60")
    assert "--- exit 0" in out


# ---- connection, options and config ------------------------------------------

@pytest.mark.parametrize("args", [
    "-s unix:///nonexistent/x.sock status",
    "-s unix:///nonexistent/x.sock start cat",
    "-s unix:///nonexistent/x.sock stop cat",
    "-s unix:///nonexistent/x.sock shutdown",
    "-s unix:///nonexistent/x.sock avail",
    "-s unix:///nonexistent/x.sock version",
    "-s unix:///nonexistent/x.sock pid",
    "-s http://127.0.0.1:9 status",
    "-s http://127.0.0.1:9 tail cat",
    "-s foo://bar status",
    "-s foo status",
    "--serverurl=unix://{sock} status cat",
    "--serv unix://{sock} status cat",
    "--version", "-x", "-c", "--help=x", "-i -i", "--se=x",
    "-c /nonexistent/x.conf status",
    "-h", "-?", "--help",
    "-s http://a -u x -u y status",
])
def test_options(pair, args):
    compare(pair, *args.split())


@pytest.mark.parametrize("creds", ["", "-u user", "-u user -p wrong", "-u user -p pass", "-p pass"])
@pytest.mark.parametrize("command", ["status cat", "avail", "shutdown x", "add", "tail -5 grp:a", "tail -f nosuch"])
def test_inet_auth(pair, creds, command):
    noauth = "{tmp}/noauth.conf"
    for d in pair:
        with open(os.path.join(d.tmp, "noauth.conf"), "w") as f:
            f.write("[supervisorctl]\n")
    compare(pair, "-c", noauth, "-s", "{http}", *creds.split(), *command.split(), conf=False)


def test_config_without_ctl_section(pair):
    for d in pair:
        with open(os.path.join(d.tmp, "nosection.conf"), "w") as f:
            f.write("[supervisord]\n")
    compare(pair, "-c", "{tmp}/nosection.conf", "status", conf=False)


def test_config_here_and_env_expansion(pair):
    for d in pair:
        with open(os.path.join(d.tmp, "here.conf"), "w") as f:
            f.write("[supervisorctl]\nserverurl=unix://%(here)s/s.sock\nprompt=%(ENV_MYPROMPT)s\n")
    compare(pair, "-c", "{tmp}/here.conf", "status", "cat", conf=False)


# ---- interactive shell fed by a pipe ---------------------------------------

@pytest.mark.parametrize("script", [
    "status cat\nfoo\n\nhelp quit\n",
    "shutdown\nn\nreload\nno\nversion\n",
    "help\n?start\n!ls\n-x\nEOF\nstatus\n",
    "shutdown",
    "tail -5 grp:a\nquit\nstatus\n",
])
def test_piped_shell(pair, script):
    compare(pair, stdin=script)


# ---- update with real config changes ----------------------------------------

CHANGED = PROGRAMS.replace("[program:stopped]\ncommand=sleep 1000\nautostart=false\n", "") \
    .replace("[program:sleeper]\ncommand=sleep 1000", "[program:sleeper]\ncommand=sleep 999") \
    + "\n[program:newprog]\ncommand=sleep 1000\nstartsecs=0\n"


def test_update_and_reread_with_changes(daemon, kind):
    exp = daemon("real", PROGRAMS)
    act = exp if kind == "real" else daemon("ours", PROGRAMS)
    for args in (["reread"], ["update"], ["update", "sleeper"], ["update", "all"], ["update", "newprog", "nosuch"]):
        results = []
        for d, run in ((exp, exp.ctl), (act, act.rust_ctl)):
            d.write_conf(PROGRAMS)
            # Back to the original groups, by the reference client's update.
            assert d.ctl("update")[2] == 0
            d.wait_stable()
            d.write_conf(CHANGED)
            results.append(transcript(d, run(*args)))
        assert results[1] == results[0], f"ctl {' '.join(args)}"


# ---- shutdown and reload ---------------------------------------------------

@pytest.mark.parametrize("command,message", [("shutdown", "Shut down"), ("reload", "Restarted supervisord")])
def test_shutdown_and_reload(daemon, kind, command, message):
    results = []
    for which, use_rust in (("real", False), (kind, True)):
        d = daemon(which, "[program:s]\ncommand=sleep 1000\nstartsecs=0\n")
        run = d.rust_ctl if use_rust else d.ctl
        results.append(transcript(d, run(command)))
        if command == "shutdown":
            assert d.wait_exit(15) is not None, "daemon did not shut down"
            results.append(transcript(d, run(command)))
    assert results[2:] == results[:2] if command == "shutdown" else results[1] == results[0]
    assert message in results[0]


# ---- tail -f, maintail -f and fg (Ctrl-C) ------------------------------------

def spawn(args, stdin=subprocess.DEVNULL):
    return subprocess.Popen(args, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def read_until(proc, needle, timeout=DEADLINE):
    """Reads proc's stdout until `needle` appears; returns what was read."""
    got = b""
    end = time.monotonic() + timeout
    while needle not in got:
        left = end - time.monotonic()
        if left <= 0:
            raise AssertionError(f"timed out waiting for {needle!r}; got {got[-300:]!r}")
        r, _, _ = select.select([proc.stdout], [], [], left)
        if r:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                raise AssertionError(f"stream ended before {needle!r}; got {got[-300:]!r}")
            got += chunk
    return got


def interrupt(proc):
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError("did not leave after Ctrl-C")
    return out, err, proc.returncode


@pytest.mark.parametrize("use_rust", [False, True])
@pytest.mark.parametrize("what", [["tail", "-f", "ticker"], ["maintail", "-f"], ["tail", "-f", "ticker", "stdout"]])
def test_follow_and_ctrl_c(pair, use_rust, what):
    d = pair[1] if use_rust else pair[0]
    exe = paths.rust_ctl_path() if use_rust else paths.python_ctl_path()
    proc = spawn([str(exe), "-c", d.conf] + what)
    first = read_until(proc, b"==> Press Ctrl-C to exit <==\n")
    assert first.startswith(b"==> Press Ctrl-C to exit <==\n")
    if what[0] == "tail":
        read_until(proc, b"tick\ntick\n")
    else:
        time.sleep(0.5)
    out, err, code = interrupt(proc)
    assert code == 0
    if use_rust:
        # 4.3.0 sometimes reports the Ctrl-C on stderr as a connection error
        # ("Cannot connect, error: <class 'KeyboardInterrupt'>"); ours ends
        # with the empty line it prints when the Ctrl-C is handled cleanly.
        assert (out.endswith(b"\n"), err) == (True, b"")


def test_follow_unknown_name(pair):
    compare(pair, "tail", "-f", "nosuch")
    compare(pair, "tail", "-f", "nosuch", "stderr")


def test_fg_echoes_and_leaves_on_ctrl_c(pair):
    # Only ours: 4.3.0's fg hangs up to 30 s after Ctrl-C (its output thread
    # sleeps in select), a plain bug we do not copy.
    d = pair[1]
    proc = spawn([str(paths.rust_ctl_path()), "-c", d.conf, "fg", "cat"], stdin=subprocess.PIPE)
    read_until(proc, b"==> Press Ctrl-C to exit <==\n")
    proc.stdin.write(b"ping from fg\n")
    proc.stdin.flush()
    read_until(proc, b"ping from fg\n")
    out, err, code = interrupt(proc)
    assert out.endswith(b"Exiting foreground\n") and code == 0, (out, err)


def test_fg_end_of_input(pair):
    d = pair[1]
    out, err, code = d.rust_ctl("fg", "cat", stdin="")
    # Between the two lines may come the tail of cat's log, if it has one.
    assert out.startswith("==> Press Ctrl-C to exit <==\n"), out
    assert out.endswith("Exiting foreground\n") and code == 0, out


def test_fg_process_killed(pair):
    d = pair[1]
    proc = spawn([str(paths.rust_ctl_path()), "-c", d.conf, "fg", "cat"], stdin=subprocess.PIPE)
    try:
        read_until(proc, b"==> Press Ctrl-C to exit <==\n")
        d.rpc.supervisor.stopProcess("cat")
        proc.stdin.write(b"anyone?\n")
        proc.stdin.flush()
        out, err = proc.communicate(timeout=DEADLINE)
        code = proc.returncode
    finally:
        if proc.poll() is None:
            proc.kill()
        reset(d)
    assert out.endswith(b"Process got killed\nExiting foreground\n"), out
    assert code == 0


# ---- our additions -----------------------------------------------------------

def test_status_json(pair):
    import json
    d = pair[1]
    out, err, code = d.rust_ctl("status", "--json", "cat", "stopped", "nosuch")
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0] == {"error": "nosuch: ERROR (no such process)"}
    cat = lines[1]
    expected = d.rpc.supervisor.getProcessInfo("cat")
    assert set(cat) == set(expected)
    assert (cat["name"], cat["statename"], cat["pid"]) == ("cat", "RUNNING", expected["pid"])
    assert lines[2]["statename"] == "STOPPED"
    assert code == 3


def test_status_across_servers(daemon):
    a = daemon("real", "[program:one]\ncommand=sleep 1000\nstartsecs=0\n")
    b = daemon("real", "[program:two]\ncommand=sleep 1000\nstartsecs=0\nautostart=false\n")
    a.wait_state("one", "RUNNING")
    missing = "unix:///nonexistent/x.sock"
    out, err, code = a.rust_ctl("-s", a.url, "-s", b.url, "status", conf=False)
    lines = out.splitlines()
    assert len(lines) == 2 and code == 3, out
    assert lines[0].startswith(a.url + "   one") and "RUNNING" in lines[0]
    assert lines[1].startswith(b.url + "   two") and "STOPPED" in lines[1]
    out, err, code = a.rust_ctl("-s", a.url, "-s", missing, "status", "one", conf=False)
    assert out.splitlines()[0] == f"{missing} no such file" and code == 4, out
    out, err, code = a.rust_ctl("-s", a.url, "-s", b.url, "status", "--json", conf=False)
    import json
    objs = [json.loads(x) for x in out.splitlines()]
    assert [(o["server"], o["name"]) for o in objs] == [(a.url, "one"), (b.url, "two")]


# ---- the shell on a pseudo-terminal ------------------------------------------

def screen_text(raw):
    """What is left once cursor-positioning redraws are taken out."""
    return re.sub(rb"\r?\x1b\[[0-9;?]*[A-Za-z]", b"", raw)


class Pty:
    """A program on a pseudo-terminal, read with a deadline."""

    def __init__(self, args, env=None):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            # A program started at a terminal has Ctrl-C's default action; a
            # test run launched in the background (`cmd &` from a script)
            # inherits SIGINT ignored, and Python's supervisorctl would then
            # never see the Ctrl-C these tests type.
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.execve(args[0], args, env or dict(os.environ, TERM="xterm"))
        self.buf = b""

    def expect(self, needle, timeout=DEADLINE):
        if isinstance(needle, str):
            needle = needle.encode()
        end = time.monotonic() + timeout
        while needle not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {needle!r}; screen: {self.buf[-500:]!r}")
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"program ended before {needle!r}; screen: {self.buf[-500:]!r}")
                self.answer_queries(chunk)
                self.buf += chunk
        i = self.buf.index(needle) + len(needle)
        seen, self.buf = self.buf[:i], self.buf[i:]
        return seen

    def answer_queries(self, chunk):
        # Answer "where is the cursor?" as a terminal would; a line editor
        # waiting for that answer would otherwise swallow the next key.
        for _ in range(chunk.count(b"\x1b[6n")):
            os.write(self.fd, b"\x1b[1;1R")

    def send(self, text):
        os.write(self.fd, text.encode() if isinstance(text, str) else text)

    def wait_raw(self, timeout=DEADLINE):
        """Waits until the line editor has put the terminal in raw mode
        (ICANON off), so a control key is read as a key and not by the
        terminal's line discipline."""
        end = time.monotonic() + timeout
        while termios.tcgetattr(self.fd)[3] & termios.ICANON:
            if time.monotonic() > end:
                raise AssertionError("the line editor never took the terminal")
            time.sleep(0.01)

    def wait(self, timeout=DEADLINE):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                try:
                    while True:
                        r, _, _ = select.select([self.fd], [], [], 0.05)
                        if not r:
                            break
                        chunk = os.read(self.fd, 65536)
                        if not chunk:
                            break
                        self.buf += chunk
                except OSError:
                    pass
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.05)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        raise AssertionError("shell did not exit")

    def close(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


@pytest.fixture
def shell(pair):
    made = []

    def open_shell(*extra, rust=True):
        d = pair[1] if rust else pair[0]
        exe = paths.rust_ctl_path() if rust else paths.python_ctl_path()
        p = Pty([str(exe), "-c", d.conf, *extra])
        made.append(p)
        return p

    yield open_shell
    for p in made:
        p.close()


@pytest.mark.parametrize("rust", [False, True])
def test_pty_prompt_help_and_quit(shell, rust):
    p = shell(rust=rust)
    first = p.expect("supervisor> ")
    assert b"cat                              RUNNING" in first
    p.send("help\r")
    seen = p.expect("supervisor> ")
    assert b"default commands (type help <topic>):" in seen
    assert b"add    exit      open  reload  restart   start   tail" in seen
    p.send("help pid\r")
    assert b"pid all\t\t\tGet the PID of every child process, one per line." in p.expect("supervisor> ")
    p.send("quit\r")
    assert p.wait() == 0


@pytest.mark.parametrize("rust", [False, True])
def test_pty_completion(shell, rust):
    p = shell(rust=rust)
    p.expect("supervisor> ")
    p.send("versi\t")
    p.expect("version ")
    p.send("\r")
    assert b"4.3.0" in p.expect("supervisor> ")
    p.send("pid slee\t")
    p.expect("sleeper ")
    p.send("\r")
    assert re.search(rb"\r\n\d+\r\n", p.expect("supervisor> "))
    p.send("status grp:\t\t")
    seen = p.expect("grp:b")
    assert b"grp:*" in seen and b"grp:a" in seen
    p.send("\x15status multi:multi_0\t\t")
    seen = p.expect("multi:multi_01")
    assert b"multi:multi_00" in seen
    p.send("\x15remove gr\t")
    p.expect("remove grp ")
    p.send("\x15\x04")


@pytest.mark.parametrize("rust", [False, True])
def test_pty_ctrl_d_and_ctrl_c(shell, rust):
    def exit_code(p):
        # The stock client (the reference) now and then misses a key sent
        # right after its prompt on a loaded machine; ours must never.
        try:
            return p.wait()
        except AssertionError:
            if rust:
                raise
            pytest.skip("NOTICE: stock supervisorctl missed the key on a loaded machine (reference flake)")

    p = shell(rust=rust)
    p.expect("supervisor> ")
    p.wait_raw()
    p.send("\x04")
    assert exit_code(p) == 0
    assert screen_text(p.buf) == b"\r\n"
    p = shell(rust=rust)
    p.expect("supervisor> ")
    p.wait_raw()
    p.send("\x03")
    assert exit_code(p) == 0
    assert screen_text(p.buf) == b"\r\n"


@pytest.mark.parametrize("rust", [False, True])
def test_pty_history_file(pair, rust):
    d = pair[1] if rust else pair[0]
    exe = paths.rust_ctl_path() if rust else paths.python_ctl_path()
    hist = os.path.join(d.tmp, f"history-{rust}")
    conf = os.path.join(d.tmp, f"hist-{rust}.conf")
    with open(conf, "w") as f:
        f.write(f"[supervisorctl]\nserverurl=unix://{d.sock}\nhistory_file={hist}\nprompt=hist\n")
    try:
        os.unlink(hist)
    except FileNotFoundError:
        pass
    p = Pty([str(exe), "-c", conf])
    try:
        p.expect("hist> ")
        p.send("pid cat\r")
        p.expect("hist> ")
        p.send("version\r")
        p.expect("hist> ")
        p.send("quit\r")
        assert p.wait() == 0
    finally:
        p.close()
    with open(hist) as f:
        entries = [line for line in f.read().splitlines() if not line.startswith("_HiStOrY")]
    assert entries[-3:] == ["pid cat", "version", "quit"]
    p = Pty([str(exe), "-c", conf])
    try:
        p.expect("hist> ")
        p.send("\x1b[A\x1b[A")
        p.expect("version")
        p.send("\r")
        assert b"4.3.0" in p.expect("hist> ")
    finally:
        p.close()


@pytest.mark.parametrize("rust", [False, True])
def test_pty_shutdown_asks(shell, rust):
    p = shell(rust=rust)
    p.expect("supervisor> ")
    p.send("shutdown\r")
    p.expect("Really shut the remote supervisord process down y/N? ")
    p.send("n\r")
    p.expect("supervisor> ")
    p.send("quit\r")
    assert p.wait() == 0


def test_starts_fast(pair):
    # Best of five, against the stock client on the same machine and moment.
    def best(run):
        times = []
        for _ in range(5):
            t = time.monotonic()
            assert run("pid")[2] == 0
            times.append(time.monotonic() - t)
        return min(times)
    assert best(pair[1].rust_ctl) < best(pair[0].ctl)


@pytest.mark.parametrize("rust", [False, True])
def test_pty_ctrl_c_leaves_tail_f_for_the_prompt(shell, rust):
    p = shell(rust=rust)
    p.expect("supervisor> ")
    p.send("tail -f ticker\r")
    p.expect("==> Press Ctrl-C to exit <==")
    p.expect("tick")
    p.send("\x03")
    p.expect("supervisor> ")
    p.send("version\r")
    assert b"4.3.0" in p.expect("supervisor> ")
    p.send("quit\r")
    assert p.wait() == 0


@pytest.mark.parametrize("rust", [False, True])
def test_pty_asks_for_credentials_after_401(pair, rust):
    d = pair[1] if rust else pair[0]
    exe = paths.rust_ctl_path() if rust else paths.python_ctl_path()
    conf = os.path.join(d.tmp, "noauth-pty.conf")
    with open(conf, "w") as f:
        f.write("[supervisorctl]\n")
    p = Pty([str(exe), "-c", conf, "-s", d.http_url])
    try:
        p.expect("Server requires authentication")
        p.expect("Username:")
        p.send("user\r")
        p.expect("Password:")
        p.send("pass\r")
        seen = p.expect("supervisor> ")
        assert b"pass" not in seen, "the password was echoed"
        assert re.search(rb"cat +RUNNING +pid \d+", seen), seen
        p.send("quit\r")
        assert p.wait() == 0
    finally:
        p.close()
