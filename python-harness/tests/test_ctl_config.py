"""supervisorctl commands that change the daemon's configuration or lifecycle:
reread, update, add, remove, avail, reload, shutdown -- compared between the
real supervisord 4.3.0 and ours."""
from harness import mainlog_lines, scenario

BEFORE = """
[program:keep]
command=sleep 1000
startsecs=0

[program:change]
command=sleep 1000
startsecs=0

[program:gone]
command=sleep 1000
startsecs=0

[program:gx]
command=sleep 1000
startsecs=0

[program:gy]
command=sleep 1000
startsecs=0

[group:grp]
programs=gx
"""

AFTER = """
[program:keep]
command=sleep 1000
startsecs=0

[program:change]
command=sleep 999
startsecs=0

[program:fresh]
command=sleep 1000
startsecs=0

[program:gx]
command=sleep 1000
startsecs=0

[program:gy]
command=sleep 1000
startsecs=0

[program:nx]
command=sleep 1000
startsecs=0
autostart=false

[group:grp]
programs=gx,gy

[group:ng]
programs=nx
"""


@scenario(BEFORE, ctl_variant=True)
def test_reread_update(d, t):
    d.wait_stable()
    t.ctl("status")
    t.ctl("reread")
    t.ctl("update")
    d.write_conf(AFTER)
    t.ctl("avail")
    t.ctl("reread")
    t.ctl("reread")
    t.ctl("avail")
    t.ctl("update", sort_lines=True)
    d.wait_stable()
    t.ctl("status")
    t.ctl("reread")
    t.ctl("update")
    t.ctl("avail")
    # back to the first config, updating one group at a time
    d.write_conf(BEFORE)
    t.ctl("reread")
    t.ctl("update", "change")
    t.ctl("update", "grp")
    t.ctl("update", "nope")
    t.ctl("update", "all", sort_lines=True)
    d.wait_stable()
    t.ctl("status")
    t.ctl("update", "extra", "grp")


@scenario(BEFORE, ctl_variant=True)
def test_add_remove(d, t):
    d.wait_stable()
    t.ctl("add", "fresh")
    t.ctl("remove", "fresh")
    d.write_conf(AFTER)
    t.ctl("add", "fresh")
    t.ctl("reread")
    t.ctl("add", "fresh")
    t.ctl("add", "fresh")
    d.wait_stable()
    t.ctl("status", "fresh")
    t.ctl("remove", "fresh")
    t.ctl("stop", "fresh")
    t.ctl("remove", "fresh")
    t.ctl("remove", "fresh")
    t.ctl("status", "fresh")
    t.ctl("add", "ng")
    t.ctl("status", "ng:*")
    t.ctl("remove", "ng")
    t.ctl("remove", "nope")
    t.ctl("add", "nope")
    t.ctl("add", "fresh", "nope")
    t.ctl("add")
    t.ctl("remove")
    t.ctl("avail")


BAD_CONF = """
[program:keep]
command=sleep 1000
startsecs=0

[program:broken]
command=sleep 1000
autorestart=sometimes
"""


@scenario(BEFORE, ctl_variant=True)
def test_reread_bad_config(d, t):
    d.wait_stable()
    d.write_conf(BAD_CONF)
    t.ctl("reread")
    t.ctl("update")
    t.ctl("avail")
    t.ctl("status")


ONE = """
[program:solo]
command=sleep 1000
startsecs=0
"""


def lifecycle_lines(d):
    """Main-log lines without the per-start banner lines that are the same anyway."""
    return mainlog_lines(d, levels={"INFO", "WARN", "ERRO", "CRIT"})


def wait_started(d, times):
    """Wait until the daemon has (re)started `times` times and settled."""
    d.wait_for(lambda: d.mainlog().count("supervisord started with pid") >= times,
               what=f"start number {times}")
    d.wait_ready()
    d.wait_stable()


@scenario(ONE, ctl_variant=True)
def test_reload(d, t):
    d.wait_state("solo", "RUNNING")
    d.write_conf(ONE + "\n[program:later]\ncommand=sleep 1000\nstartsecs=0\n")
    t.ctl("reload")
    wait_started(d, 2)
    t.ctl("status")
    t.ctl(stdin="reload\nn\nstatus solo\n")
    t.ctl(stdin="reload\ny\n")
    wait_started(d, 3)
    t.ctl("status")
    t.ctl("reload", "extra")
    t.value("daemon pid unchanged", d.proc.poll() is None)
    d.wait_mainlog("success: later entered RUNNING state")
    t.value("main log", lifecycle_lines(d))


@scenario(ONE, ctl_variant=True)
def test_shutdown(d, t):
    d.wait_state("solo", "RUNNING")
    t.ctl("shutdown", "extra")
    t.ctl(stdin="shutdown\nn\nstatus solo\n")
    t.ctl("shutdown")
    t.value("daemon exit code", d.wait_exit(15))
    t.ctl("status")
    t.ctl("shutdown")
    t.value("main log", lifecycle_lines(d))
