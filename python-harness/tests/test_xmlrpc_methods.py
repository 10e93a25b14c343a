"""Every supervisor.* and system.* XML-RPC method and every fault, called with
xmlrpc.client over the unix socket (supervisor's own SupervisorTransport);
the real supervisord 4.3.0 and ours must give identical transcripts."""
import xmlrpc.client

from harness import scenario
from harness.transcript import canonical

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

[program:digits]
command=sh -c 'printf 0123456789abcdefghij; printf ERR >&2; exec sleep 1000'
startsecs=0

[program:cat]
command=cat
startsecs=0

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
    d.wait_log("digits", "0123456789abcdefghij")
    d.wait_log("digits", "ERR", "stderr")


@scenario(CONF)
def test_versions_and_identity(d, t):
    t.rpc("supervisor.getAPIVersion")
    t.rpc("supervisor.getVersion")
    t.rpc("supervisor.getSupervisorVersion")
    t.rpc("supervisor.getIdentification")
    t.rpc("supervisor.getState")
    t.rpc("supervisor.getPID")
    t.rpc("supervisor.getState", 1)
    t.rpc("supervisor.getPID", "x", "y")
    t.rpc("supervisor.nope")
    t.rpc("nope")
    t.rpc("nope.nope")
    t.rpc("system.nope")


@scenario(CONF)
def test_system_methods(d, t):
    t.rpc("system.listMethods", sort=True)
    methods = d.rpc.system.listMethods()
    for m in sorted(methods):
        t.rpc("system.methodSignature", m)
    # methodHelp returns supervisord's docstrings (prose we do not copy): only
    # check that every method has some help text
    helps = {m: d.rpc.system.methodHelp(m) for m in methods}
    t.value("methods with a non-empty string help",
            sorted(m for m, h in helps.items() if isinstance(h, str) and h.strip()))
    t.rpc("system.methodHelp", "nope")
    t.rpc("system.methodSignature", "nope")
    t.rpc("system.methodHelp")
    t.rpc("system.listMethods", "extra")


@scenario(CONF)
def test_process_info(d, t):
    settle(d)
    t.rpc("supervisor.getProcessInfo", "a")
    t.rpc("supervisor.getProcessInfo", "b")
    t.rpc("supervisor.getProcessInfo", "c")
    t.rpc("supervisor.getProcessInfo", "g:x")
    t.rpc("supervisor.getProcessInfo", "x")
    t.rpc("supervisor.getProcessInfo", "g:*")
    t.rpc("supervisor.getProcessInfo", "g")
    t.rpc("supervisor.getProcessInfo", "nope")
    t.rpc("supervisor.getProcessInfo", "nope:x")
    t.rpc("supervisor.getProcessInfo", "")
    t.rpc("supervisor.getProcessInfo")
    t.rpc("supervisor.getAllProcessInfo")
    t.rpc("supervisor.getAllConfigInfo")


@scenario(CONF)
def test_start_stop_faults(d, t):
    settle(d)
    t.rpc("supervisor.startProcess", "c")
    t.rpc("supervisor.startProcess", "c")
    t.rpc("supervisor.stopProcess", "c")
    t.rpc("supervisor.stopProcess", "c")
    t.rpc("supervisor.startProcess", "nope")
    t.rpc("supervisor.stopProcess", "nope")
    t.rpc("supervisor.startProcess", "g:nope")
    t.rpc("supervisor.startProcess", "missing")
    t.rpc("supervisor.startProcess", "quick")
    t.rpc("supervisor.getProcessInfo", "quick")
    t.rpc("supervisor.startProcess", "quick", False)
    d.wait_state("quick", "FATAL")
    # wait=False returns at once; then the state settles
    t.rpc("supervisor.startProcess", "c", False)
    d.wait_state("c", "RUNNING")
    t.rpc("supervisor.stopProcess", "c", False)
    d.wait_state("c", "STOPPED")
    # a bool sent as the int 1 / 0 (PHP clients do this)
    t.rpc("supervisor.startProcess", "c", 1)
    t.rpc("supervisor.stopProcess", "c", 1)
    t.rpc("supervisor.startProcess", "c", 0)
    d.wait_state("c", "RUNNING")
    t.rpc("supervisor.stopProcess", "c", 0)
    d.wait_state("c", "STOPPED")
    t.rpc("supervisor.startProcess")
    t.rpc("supervisor.startProcess", "c", True, "extra")
    t.rpc("supervisor.stopProcess")
    # a group name where a process is expected, and group:* forms
    t.rpc("supervisor.startProcess", "g:*", sort=True)
    t.rpc("supervisor.stopProcess", "g:*", sort=True)
    t.rpc("supervisor.startProcess", "g:*", sort=True)


@scenario(CONF)
def test_group_and_all(d, t):
    settle(d)
    t.rpc("supervisor.stopProcessGroup", "g", sort=True)
    t.rpc("supervisor.stopProcessGroup", "g", sort=True)
    t.rpc("supervisor.startProcessGroup", "g", sort=True)
    t.rpc("supervisor.startProcessGroup", "g", sort=True)
    t.rpc("supervisor.stopProcessGroup", "g", False, sort=True)
    d.wait_stable()
    t.rpc("supervisor.startProcessGroup", "g", False, sort=True)
    d.wait_stable()
    t.rpc("supervisor.startProcessGroup", "nope")
    t.rpc("supervisor.stopProcessGroup", "nope")
    t.rpc("supervisor.startProcessGroup")
    t.rpc("supervisor.stopAllProcesses", sort=True)
    t.rpc("supervisor.getAllProcessInfo")
    t.rpc("supervisor.stopAllProcesses", sort=True)
    t.rpc("supervisor.startAllProcesses", sort=True)
    d.wait_stable()
    d.wait_state("b", "EXITED")  # b runs for half a second
    t.rpc("supervisor.startAllProcesses", sort=True)
    d.wait_stable()
    d.wait_state("b", "EXITED")
    t.rpc("supervisor.stopAllProcesses", False, sort=True)
    d.wait_stable()
    t.rpc("supervisor.startAllProcesses", 0, sort=True)
    d.wait_stable()
    d.wait_state("b", "EXITED")
    t.rpc("supervisor.getAllProcessInfo")


# programs that survive HUP/USR1 and say so on stdout (a plain `sleep` dies of
# them and gets restarted, which would make the transcript timing-dependent)
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


@scenario(SIGNAL_CONF)
def test_signals(d, t):
    d.wait_stable()
    d.wait_state("b", "EXITED")
    caught = {"a": 0, "g:x": 0, "g:y": 0}

    def delivered(*names):
        # wait for each catcher to log the signal before the next one is sent:
        # signals of one kind sent back to back may merge into one
        for n in names:
            caught[n] += 1
            want = caught[n]
            d.wait_for(lambda: d.rpc.supervisor.readProcessStdoutLog(n, 0, 0).count("got-") >= want,
                       what=f"{n} to catch signal number {want}")

    for sig in ["HUP", "SIGHUP", "hup", 1, "1", "usr1"]:
        t.rpc("supervisor.signalProcess", "a", sig)
        delivered("a")
    t.rpc("supervisor.signalProcess", "a", "NOPE")
    t.rpc("supervisor.signalProcess", "a", 99999)
    t.rpc("supervisor.signalProcess", "a", "")
    t.rpc("supervisor.signalProcess", "c", "HUP")
    t.rpc("supervisor.signalProcess", "b", "HUP")
    t.rpc("supervisor.signalProcess", "nope", "HUP")
    t.rpc("supervisor.signalProcess", "a")
    t.rpc("supervisor.signalProcessGroup", "g", "USR1", sort=True)
    delivered("g:x", "g:y")
    t.rpc("supervisor.signalProcessGroup", "g", "NOPE", sort=True)
    t.rpc("supervisor.signalProcessGroup", "nope", "HUP")
    t.rpc("supervisor.signalAllProcesses", "HUP", sort=True)
    delivered("a", "g:x", "g:y")
    t.rpc("supervisor.signalAllProcesses", "NOPE", sort=True)
    t.rpc("supervisor.signalProcess", "g:*", "HUP", sort=True)
    delivered("g:x", "g:y")
    t.rpc("supervisor.readProcessStdoutLog", "a", 0, 0)
    t.rpc("supervisor.readProcessStdoutLog", "g:x", 0, 0)
    t.rpc("supervisor.signalProcess", "a", "KILL")
    d.wait_mainlog("exited: a (terminated by SIGKILL")
    d.wait_mainlog("success: a entered RUNNING state")  # 2nd start: first is earlier
    d.wait_for(lambda: d.mainlog().count("success: a entered RUNNING") >= 2, what="a restarted")
    t.rpc("supervisor.getProcessInfo", "a",
          mask=lambda i: {k: i[k] for k in ("statename", "exitstatus", "spawnerr")})


@scenario(CONF)
def test_process_logs(d, t):
    settle(d)
    name = "digits"
    for off, length in [(0, 0), (5, 0), (5, 3), (0, 100), (19, 5), (20, 0), (100, 0),
                        (-5, 0), (-100, 0), (-5, 3), (0, -1), (-1, -1)]:
        t.rpc("supervisor.readProcessStdoutLog", name, off, length)
    t.rpc("supervisor.readProcessStderrLog", name, 0, 0)
    t.rpc("supervisor.readProcessStderrLog", name, -2, 0)
    t.rpc("supervisor.readProcessLog", name, 0, 0)
    for off, length in [(0, 5), (0, 100), (0, 20), (15, 5), (18, 5), (25, 5), (10, 0),
                        (0, 0), (-5, 5), (5, -5)]:
        t.rpc("supervisor.tailProcessStdoutLog", name, off, length)
    t.rpc("supervisor.tailProcessStderrLog", name, 0, 2)
    t.rpc("supervisor.tailProcessLog", name, 0, 2)
    t.rpc("supervisor.readProcessStdoutLog", "nope", 0, 0)
    t.rpc("supervisor.tailProcessStdoutLog", "nope", 0, 10)
    t.rpc("supervisor.readProcessStdoutLog", "c", 0, 0)
    t.rpc("supervisor.tailProcessStdoutLog", "c", 0, 10)
    t.rpc("supervisor.readProcessStdoutLog", name, 0)
    t.rpc("supervisor.clearProcessLogs", name)
    t.rpc("supervisor.readProcessStdoutLog", name, 0, 0)
    t.rpc("supervisor.readProcessStderrLog", name, 0, 0)
    t.rpc("supervisor.tailProcessStdoutLog", name, 0, 10)
    t.rpc("supervisor.clearProcessLogs", "nope")
    t.rpc("supervisor.clearProcessLog", "a")
    t.rpc("supervisor.clearAllProcessLogs", sort=True)
    t.rpc("supervisor.clearProcessLogs")


NOLOG_CONF = """
[program:quiet]
command=sleep 1000
startsecs=0
stdout_logfile=NONE
stderr_logfile=NONE
"""


@scenario(NOLOG_CONF)
def test_no_log_file(d, t):
    d.wait_state("quiet", "RUNNING")
    t.rpc("supervisor.readProcessStdoutLog", "quiet", 0, 0)
    t.rpc("supervisor.readProcessStderrLog", "quiet", 0, 0)
    t.rpc("supervisor.tailProcessStdoutLog", "quiet", 0, 10)
    t.rpc("supervisor.tailProcessStderrLog", "quiet", 0, 10)
    t.rpc("supervisor.clearProcessLogs", "quiet")
    t.rpc("supervisor.getProcessInfo", "quiet")


@scenario(CONF)
def test_main_log(d, t):
    settle(d)
    full = d.rpc.supervisor.readLog(0, 0)
    t.value("readLog(0, 0) is the main log file", full == d.mainlog())
    # offsets into the main log are checked against the whole text, not stored:
    # line lengths depend on pids
    for off, length in [(5, 0), (5, 10), (-10, 0), (-100000, 0), (0, 100000), (100000, 0)]:
        got = d.rpc.supervisor.readLog(off, length)
        want = full[off:] if length == 0 else full[off:off + length]
        if off < 0:
            want = full[max(len(full) + off, 0):]
        t.value(f"readLog({off}, {length}) matches", got == want)
    t.rpc("supervisor.readLog", -10, 5)
    t.rpc("supervisor.readLog", 0, -1)
    t.rpc("supervisor.readLog", 0)
    t.rpc("supervisor.readMainLog", 100000, 0)
    t.rpc("supervisor.clearLog")
    t.value("main log after clearLog", d.rpc.supervisor.readLog(0, 0))
    t.rpc("supervisor.clearLog", 1)


@scenario(CONF)
def test_stdin_and_comm_events(d, t):
    settle(d)
    t.rpc("supervisor.sendProcessStdin", "cat", "hello\n")
    d.wait_log("cat", "hello")
    t.rpc("supervisor.readProcessStdoutLog", "cat", 0, 0)
    t.rpc("supervisor.sendProcessStdin", "cat", "")
    t.rpc("supervisor.sendProcessStdin", "cat", 123)
    t.rpc("supervisor.sendProcessStdin", "c", "x")
    t.rpc("supervisor.sendProcessStdin", "nope", "x")
    t.rpc("supervisor.sendProcessStdin", "cat")
    t.rpc("supervisor.sendProcessStdin", "g:*", "x")
    t.rpc("supervisor.sendRemoteCommEvent", "type", "data")
    t.rpc("supervisor.sendRemoteCommEvent", "type")
    t.rpc("supervisor.sendRemoteCommEvent", "", "")


@scenario(CONF)
def test_multicall(d, t):
    settle(d)
    calls = [
        {"methodName": "supervisor.getAPIVersion", "params": []},
        {"methodName": "supervisor.startProcess", "params": ["nope"]},
        {"methodName": "supervisor.startProcess", "params": ["c"]},
        {"methodName": "supervisor.getProcessInfo", "params": ["c"]},
        {"methodName": "supervisor.nope", "params": []},
        {"methodName": "supervisor.stopProcess", "params": ["c"]},
        {"methodName": "supervisor.stopProcess", "params": ["c"]},
        {"methodName": "supervisor.getState"},
        {"params": []},
        {"methodName": "system.multicall", "params": [[]]},
        {"methodName": "supervisor.getState", "params": [1]},
        {"methodName": "supervisor.getSupervisorVersion", "params": []},
    ]
    t.rpc("system.multicall", calls)
    t.rpc("system.multicall", [])
    t.rpc("system.multicall")
    # (a non-struct call or a non-array argument is an HTTP 500 in supervisord
    # 4.3.0: see test_http_robustness for what ours does instead)
    m = xmlrpc.client.MultiCall(d.rpc)
    m.supervisor.getSupervisorVersion()
    m.supervisor.getAllProcessInfo()
    m.supervisor.stopProcessGroup("g")
    m.supervisor.startProcessGroup("g")
    out = []
    for r in m().results:
        out.append(r)
    # group results in any order
    def group_result(r):
        return isinstance(r, list) and r and isinstance(r[0], dict) and "status" in r[0]
    t.value("MultiCall results", [sorted(r, key=canonical) if group_result(r) else r
                                  for r in out])


NEW_CONF = CONF.replace("[program:c]\ncommand=sleep 1000", "[program:c]\ncommand=sleep 999") + """
[program:fresh]
command=sleep 1000
startsecs=0
"""


@scenario(CONF)
def test_reload_config_and_groups(d, t):
    settle(d)
    t.rpc("supervisor.reloadConfig")
    t.rpc("supervisor.addProcessGroup", "a")
    t.rpc("supervisor.addProcessGroup", "nope")
    t.rpc("supervisor.removeProcessGroup", "a")
    t.rpc("supervisor.removeProcessGroup", "nope")
    d.write_conf(NEW_CONF.replace("[program:b]", "[program:bb]"))
    t.rpc("supervisor.reloadConfig")
    t.rpc("supervisor.addProcessGroup", "fresh")
    t.rpc("supervisor.addProcessGroup", "fresh")
    d.wait_state("fresh", "RUNNING")
    t.rpc("supervisor.getProcessInfo", "fresh")
    t.rpc("supervisor.removeProcessGroup", "fresh")
    t.rpc("supervisor.stopProcessGroup", "fresh")
    t.rpc("supervisor.removeProcessGroup", "fresh")
    t.rpc("supervisor.getProcessInfo", "fresh")
    # removing a group whose processes are stopped, and re-adding a changed one
    t.rpc("supervisor.removeProcessGroup", "c")
    t.rpc("supervisor.addProcessGroup", "c")
    t.rpc("supervisor.getAllConfigInfo", mask=lambda l: [
        (i["name"], i["command"]) for i in l if i["name"] in ("c", "fresh")])
    t.rpc("supervisor.removeProcessGroup", "b")
    t.rpc("supervisor.addProcessGroup", "bb")
    t.rpc("supervisor.reloadConfig")
    d.write_conf(CONF + "\n[program:broken]\ncommand=sleep 1\nautorestart=sometimes\n")
    t.rpc("supervisor.reloadConfig")
    t.rpc("supervisor.addProcessGroup")
    t.rpc("supervisor.getAllProcessInfo", mask=lambda l: sorted(i["name"] for i in l))


ONE = """
[program:solo]
command=sleep 1000
startsecs=0
"""


@scenario(ONE)
def test_restart_and_shutdown(d, t):
    d.wait_state("solo", "RUNNING")
    t.rpc("supervisor.restart", "extra")
    t.rpc("supervisor.restart")
    d.wait_for(lambda: d.mainlog().count("supervisord started with pid") >= 2,
               what="the restart")
    d.wait_ready()
    d.wait_state("solo", "RUNNING")
    t.rpc("supervisor.getState")
    t.value("same daemon process", d.alive())
    t.rpc("supervisor.shutdown", "extra")
    t.rpc("supervisor.shutdown")
    t.value("daemon exit code", d.wait_exit(15))
    try:
        d.rpc.supervisor.getState()
        t.note("getState after shutdown answered")
    except (OSError, xmlrpc.client.ProtocolError) as e:
        t.note(f"getState after shutdown: {type(e).__name__}")


@scenario(CONF, inet=True, auth=("user", "pw"), sha=True)
def test_methods_over_inet_with_auth(d, t):
    """The same calls through the TCP server with basic auth ({SHA} password)."""
    settle(d)
    p = d.proxy("http")
    t.rpc("supervisor.getState", proxy=p)
    t.rpc("supervisor.getProcessInfo", "a", proxy=p)
    t.rpc("supervisor.startProcess", "c", proxy=p)
    t.rpc("supervisor.startProcess", "c", proxy=p)
    t.rpc("supervisor.stopProcess", "c", 1, proxy=p)
    t.rpc("supervisor.stopProcessGroup", "g", proxy=p, sort=True)
    t.rpc("supervisor.startProcessGroup", "g", False, proxy=p, sort=True)
    d.wait_stable()
    t.rpc("supervisor.signalProcess", "nope", "HUP", proxy=p)
    t.rpc("supervisor.readProcessStdoutLog", "digits", -5, 0, proxy=p)
    t.rpc("supervisor.tailProcessStderrLog", "digits", 0, 2, proxy=p)
    t.rpc("supervisor.sendProcessStdin", "cat", "over tcp\n", proxy=p)
    d.wait_log("cat", "over tcp")
    t.rpc("supervisor.readProcessStdoutLog", "cat", 0, 0, proxy=p)
    t.rpc("supervisor.reloadConfig", proxy=p)
    t.rpc("system.multicall", [{"methodName": "supervisor.getAPIVersion", "params": []},
                               {"methodName": "supervisor.getProcessInfo", "params": ["nope"]}],
          proxy=p)
    t.rpc("supervisor.getAllProcessInfo", proxy=p,
          mask=lambda l: [(i["group"], i["name"], i["statename"]) for i in l])
