"""supervisorctl one-shot basics against both daemons."""
from harness import scenario

CONF = """
[program:a]
command=sleep 1000
startsecs=0

[program:b]
command=sh -c 'echo x; exit 3'
startsecs=0
autorestart=false
"""


@scenario(CONF)
def test_status_all(d, t):
    d.wait_state("b", "EXITED")
    t.ctl("status")
    t.ctl("status", "a")
    t.ctl("status", "nope")
    t.rpc("supervisor.getAllProcessInfo")
