"""supervisorctl commands that stream over HTTP (/logtail, /mainlogtail):
`tail -f`, `maintail -f`, and `fg` driven through a pseudo-terminal; stopped
with Ctrl-C once the expected output arrived, transcripts compared between the
real supervisord 4.3.0 and ours."""
from harness import scenario

CONF = """
[program:cat]
command=cat
startsecs=0

[program:errcat]
command=sh -c 'echo started-err >&2; exec cat >&2'
startsecs=0

[program:idle]
command=sleep 1000
autostart=false
startsecs=0
"""


def upto(out, marker):
    """The output up to the end of the last `marker`: what follows depends on
    where the Ctrl-C (SIGINT) happened to land in the Python client."""
    return out[:out.rindex(marker) + len(marker)]


def send(d, name, text):
    d.rpc.supervisor.sendProcessStdin(name, text)


@scenario(CONF, ctl_variant=True)
def test_tail_follow(d, t):
    d.wait_stable()
    send(d, "cat", "before\n")
    d.wait_log("cat", "before")
    out, rc = d.ctl_stream(
        "tail", "-f", "cat", until=lambda o: "two\n" in o,
        keys=[(lambda o: "before" in o, b""),
              (lambda o: send(d, "cat", "one\n") or True, b""),
              (lambda o: "one\n" in o and (send(d, "cat", "two\n") or True), b"")])
    t.note(f"$ supervisorctl tail -f cat\n{upto(out, 'two')}")
    d.wait_log("errcat", "started-err", "stderr")
    out, rc = d.ctl_stream(
        "tail", "-f", "errcat", "stderr", until=lambda o: "three\n" in o,
        keys=[(lambda o: "started-err" in o and (send(d, "errcat", "three\n") or True), b"")])
    t.note(f"$ supervisorctl tail -f errcat stderr\n{upto(out, 'three')}")
    t.ctl("tail", "-f", "nope")
    out, rc = d.ctl_stream("tail", "-f", "idle", until=lambda o: "Ctrl-C" in o)
    t.note(f"$ supervisorctl tail -f idle\n{out[:out.index('exit <==') + 8]}")
    t.ctl("tail", "-f")


ONE = """
[program:solo]
command=sleep 1000
startsecs=0
"""


@scenario(ONE, ctl_variant=True)
def test_maintail_follow(d, t):
    d.wait_state("solo", "RUNNING")
    d.wait_mainlog("success: solo entered RUNNING state")

    def stop_solo(o):
        d.rpc.supervisor.stopProcess("solo", False)
        return True

    out, rc = d.ctl_stream(
        "maintail", "-f", until=lambda o: "stopped: solo" in o,
        keys=[(lambda o: "success: solo" in o and stop_solo(o), b"")])
    t.note(f"$ supervisorctl maintail -f\n{upto(out, 'stopped: solo (terminated by SIGTERM)')}")


@scenario(CONF, ctl_variant=True)
def test_fg(d, t):
    d.wait_stable()
    # fg ends on Ctrl-C or end of input; its log reader thread then only notices
    # on the next output, so one more line is sent to the process
    out, rc = d.ctl_stream(
        "fg", "cat", pty=True, until=lambda o: o.count("hello") >= 2,
        keys=[(lambda o: "Ctrl-C" in o, b"hello\r")], stop=b"\x04",
        after_stop=[(lambda o: "Exiting foreground" in o
                     and (send(d, "cat", "bye\n") or True), b"")])
    out = out.replace("\r\n", "\n")  # the terminal's line ends
    t.note(f"$ supervisorctl fg cat  (pty: typed hello, then Ctrl-D)\n{out}[exit {rc}]")
    t.ctl("fg", "idle")
    t.ctl("fg", "nope")
    t.ctl("fg")
    t.ctl("fg", "cat", "extra")
    t.rpc("supervisor.readProcessStdoutLog", "cat", 0, 0)
