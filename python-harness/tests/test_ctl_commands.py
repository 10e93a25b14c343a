"""The stock Python supervisorctl, one-shot and interactive, for every command:
the same script runs against the real supervisord 4.3.0 and ours and the
normalized transcripts (stdout, stderr, exit codes) must be identical."""
from harness import scenario

# a: long-running; b: exits 3 at once (EXITED, not restarted); c: not autostarted;
# g: a group of two long-running programs. startsecs=0 keeps states deterministic.
CONF = """
[program:a]
command=sleep 1000
startsecs=0

[program:b]
command=sh -c 'echo out-b; echo err-b >&2; sleep 0.5; exit 3'
startsecs=0
autorestart=false

[program:c]
command=sleep 1000
autostart=false
startsecs=0

[program:x]
command=sleep 1000
startsecs=0

[program:y]
command=sleep 1000
startsecs=0

[group:g]
programs=x,y
"""


def settle(d):
    d.wait_stable()
    d.wait_state("b", "EXITED")
    d.wait_log("b", "out-b")
    d.wait_log("b", "err-b", "stderr")


@scenario(CONF, ctl_variant=True)
def test_status_forms(d, t):
    settle(d)
    t.ctl("status")
    t.ctl("status", "a")
    t.ctl("status", "b")
    t.ctl("status", "c")
    t.ctl("status", "g:*")
    t.ctl("status", "g:x")
    t.ctl("status", "a", "g:y")
    t.ctl("status", "a", "c")
    t.ctl("status", "all")
    t.ctl("status", "nope")
    t.ctl("status", "a", "nope")
    t.ctl("status", "g:nope")
    t.ctl("status", "nope:*")
    t.ctl("stop", "c")
    t.ctl("stop", "b")
    t.ctl("start", "c")
    t.ctl("status", "a", "c", "g:*")


@scenario(CONF, ctl_variant=True)
def test_start_stop_restart(d, t):
    settle(d)
    t.ctl("start", "c")
    t.ctl("start", "c")
    t.ctl("stop", "c")
    t.ctl("stop", "c")
    t.ctl("stop", "g:*", sort_lines=True)
    t.ctl("status", "g:*")
    t.ctl("start", "g:*", sort_lines=True)
    t.ctl("stop", "g:x")
    t.ctl("start", "g:x")
    t.ctl("restart", "a")
    t.ctl("restart", "g:y")
    t.ctl("restart", "g:*", sort_lines=True)
    t.ctl("restart", "c")
    t.ctl("stop", "a", "c")
    t.ctl("start", "a", "c")
    t.ctl("stop", "all", sort_lines=True)
    t.ctl("status")
    t.ctl("start", "all", sort_lines=True)
    d.wait_state("b", "EXITED")
    t.ctl("status")
    t.ctl("restart", "all", sort_lines=True)
    d.wait_state("b", "EXITED")
    t.ctl("start", "nope")
    t.ctl("stop", "nope")
    t.ctl("restart", "nope")
    t.ctl("start", "g:nope")
    t.ctl("stop", "nope:*")
    t.ctl("start", "a", "nope", "c")
    t.ctl("start")
    t.ctl("stop")
    t.ctl("restart")


# programs that survive HUP/USR1 and say so (a plain `sleep` dies of them and
# is restarted, which would make the transcript timing-dependent)
CATCHER = "sh -c 'trap \"echo got-HUP\" HUP; trap \"echo got-USR1\" USR1; sleep 1000 & while :; do wait; done'"
SIGNAL_CONF = f"""
[program:a]
command={CATCHER}
startsecs=0

[program:b]
command=sh -c 'sleep 0.5; exit 3'
startsecs=0
autorestart=false

[program:c]
command=sleep 1000
autostart=false

[program:x]
command={CATCHER}
startsecs=0

[program:y]
command={CATCHER}
startsecs=0

[group:g]
programs=x,y
"""


def caught(d, name, count):
    d.wait_for(lambda: d.rpc.supervisor.readProcessStdoutLog(name, 0, 0).count("got-") >= count,
               what=f"{name} to catch signal number {count}")


@scenario(SIGNAL_CONF, ctl_variant=True)
def test_signal(d, t):
    d.wait_stable()
    d.wait_state("b", "EXITED")
    for n, sig in enumerate(["HUP", "1", "sighup", "USR1"], 1):
        t.ctl("signal", sig, "a")
        caught(d, "a", n)
    t.ctl("signal", "USR1", "g:x")
    caught(d, "g:x", 1)
    t.ctl("signal", "HUP", "g:*", sort_lines=True)
    caught(d, "g:x", 2)
    caught(d, "g:y", 1)
    t.ctl("signal", "HUP", "c")
    t.ctl("signal", "HUP", "b")
    t.ctl("signal", "NOPE", "a")
    t.ctl("signal", "99999", "a")
    t.ctl("signal", "HUP", "nope")
    t.ctl("signal", "HUP", "a", "c")
    caught(d, "a", 5)
    t.ctl("signal", "HUP")
    t.ctl("signal")
    t.ctl("signal", "HUP", "all", sort_lines=True)
    caught(d, "a", 6)
    caught(d, "g:x", 3)
    caught(d, "g:y", 2)
    t.ctl("tail", "a")
    t.ctl("tail", "g:x")
    t.ctl("signal", "KILL", "a")
    d.wait_mainlog("exited: a (terminated by SIGKILL")
    d.wait_mainlog("success: a entered RUNNING state")  # 2nd start: first is earlier
    d.wait_for(lambda: d.mainlog().count("success: a entered RUNNING") >= 2, what="a restarted")
    t.ctl("status", "a")
    t.ctl("signal", "TERM", "all", sort_lines=True)
    d.wait_stable()


SPAWN_ERR_CONF = """
[program:missing]
command=/nonexistent/program
autostart=false
startretries=0

[program:quick]
command=sh -c 'sleep 0.3; exit 1'
autostart=false
startsecs=10
startretries=0
autorestart=false

[program:ok]
command=sleep 1000
startsecs=0
"""


@scenario(SPAWN_ERR_CONF, ctl_variant=True)
def test_spawn_errors(d, t):
    d.wait_stable()
    t.ctl("start", "missing")
    t.ctl("status", "missing")
    t.ctl("start", "quick")
    t.ctl("status", "quick")
    t.ctl("start", "missing", "ok")
    t.ctl("status")
    t.rpc("supervisor.getProcessInfo", "missing")


@scenario(CONF, ctl_variant=True)
def test_pid_avail_version(d, t):
    settle(d)
    t.ctl("pid")
    t.ctl("pid", "a", mask_numbers=True)
    t.ctl("pid", "g:x", mask_numbers=True)
    t.ctl("pid", "b")
    t.ctl("pid", "c")
    t.ctl("pid", "all", mask_numbers=True)
    t.ctl("pid", "nope")
    t.ctl("pid", "a", "c", mask_numbers=True)
    t.ctl("avail")
    t.ctl("version")
    t.ctl("version", "extra")


@scenario(CONF, ctl_variant=True)
def test_tail(d, t):
    settle(d)
    t.ctl("tail", "b")
    t.ctl("tail", "b", "stdout")
    t.ctl("tail", "b", "stderr")
    t.ctl("tail", "-3", "b")
    t.ctl("tail", "-3", "b", "stderr")
    t.ctl("tail", "-100", "b")
    t.ctl("tail", "a")
    t.ctl("tail", "nope")
    t.ctl("tail", "b", "bogus")
    t.ctl("tail", "-x", "b")
    t.ctl("tail")
    t.ctl("tail", "g:x")
    t.ctl("tail", "g:*")


TALKER_CONF = CONF + """
[program:talker]
command=sh -c 'echo hello; echo oops >&2; exec sleep 1000'
startsecs=0
"""


@scenario(TALKER_CONF, ctl_variant=True)
def test_clear(d, t):
    # (clearing an EXITED process's logs is a no-op in supervisord 4.3.0 even
    # though it answers "cleared"; not part of the compared transcript)
    settle(d)
    d.wait_log("talker", "hello")
    d.wait_log("talker", "oops", "stderr")
    t.ctl("tail", "talker")
    t.ctl("clear", "talker")
    t.ctl("tail", "talker")
    t.ctl("tail", "talker", "stderr")
    t.ctl("clear", "nope")
    t.ctl("clear", "a", "g:x")
    t.ctl("clear", "g:*", sort_lines=True)
    t.ctl("clear", "all", sort_lines=True)
    t.ctl("clear")


ONE_CONF = """
[program:solo]
command=sleep 1000
startsecs=0
"""


@scenario(ONE_CONF, ctl_variant=True)
def test_maintail(d, t):
    d.wait_state("solo", "RUNNING")
    d.wait_mainlog("success: solo entered RUNNING state")
    t.ctl("stop", "solo")
    d.wait_mainlog("stopped: solo")
    # the whole (short) log, then byte-counted tails ending in a fixed last line
    t.ctl("maintail")
    t.ctl("maintail", "-20")
    t.ctl("maintail", "-1")
    t.ctl("maintail", "-x")
    t.ctl("maintail", "a", "b")


@scenario(CONF, ctl_variant=True)
def test_help(d, t):
    t.ctl("help")
    for cmd in ["add", "avail", "clear", "exit", "fg", "maintail", "open", "pid", "quit",
                "reload", "remove", "reread", "restart", "shutdown", "signal", "start",
                "status", "stop", "tail", "update", "version", "help", "nope"]:
        t.ctl("help", cmd)
    t.ctl("nope")


@scenario(CONF, ctl_variant=True)
def test_interactive_shell(d, t):
    settle(d)
    t.ctl(stdin="status\nstart c\nstatus c\nstop c\nstatus nope\nnope\n"
          "help stop\nversion\navail\ntail b\npid c\nstop g:x\nstart g:x\nquit\n")
    t.ctl(stdin="status a\nexit\nstatus a\n")
    t.ctl(stdin="")
    t.ctl(stdin="\n\n   \nstatus a\n")


AUTH = ("user", "s3cret")


@scenario(ONE_CONF, inet=True, auth=AUTH, ctl_variant=True)
def test_auth_and_connection_errors(d, t):
    d.wait_state("solo", "RUNNING")
    t.ctl("status")
    t.ctl("-u", "user", "-p", "wrong", "status")
    t.ctl("-u", "nobody", "-p", "s3cret", "status")
    t.ctl("-s", d.http_url, "-u", "user", "-p", "s3cret", "status")
    t.ctl("-s", d.http_url, "-u", "user", "-p", "wrong", "status")
    t.ctl("-s", "unix://" + d.tmp + "/none.sock", "status")
    t.ctl("-s", "unix://" + d.tmp + "/none.sock", "version")
    t.ctl("-s", "http://127.0.0.1:1", "status")
    t.ctl("-s", "unix://" + d.tmp + "/none.sock", stdin="status\n")
