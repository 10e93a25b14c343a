"""Starting, measuring and killing the processes the benchmark runs.

Everything the bench starts ends up killed by process group (never by name):
the bench makes itself a child subreaper, so even processes orphaned by a
killed daemon are reparented to it and can be found as its descendants.
"""
import ctypes
import os
import select
import signal
import subprocess
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    """Orphans of anything we start get reparented to us, so cleanup can find them."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except OSError:
        pass


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def cpu_seconds(pid):
    """utime+stime of the whole process (all threads, not its children), in seconds."""
    data = _read(f"/proc/{pid}/stat")
    fields = data[data.rindex(b")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_ns_precise(pid):
    """On-CPU time summed over the process's threads from schedstat (ns), or None."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            total += int(_read(f"/proc/{pid}/task/{tid}/schedstat").split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return total


def context_switches(pid):
    """(voluntary, involuntary) context switches summed over all threads."""
    vol = invol = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            for line in _read(f"/proc/{pid}/task/{tid}/status").splitlines():
                if line.startswith(b"voluntary_ctxt_switches:"):
                    vol += int(line.split()[1])
                elif line.startswith(b"nonvoluntary_ctxt_switches:"):
                    invol += int(line.split()[1])
        except OSError:
            continue
    return vol, invol


def memory_kib(pid):
    """{'rss': VmRSS KiB, 'pss': Pss KiB or None, 'threads': n}."""
    out = {"rss": None, "pss": None, "threads": None}
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith(b"VmRSS:"):
            out["rss"] = int(line.split()[1])
        elif line.startswith(b"Threads:"):
            out["threads"] = int(line.split()[1])
    try:
        for line in _read(f"/proc/{pid}/smaps_rollup").splitlines():
            if line.startswith(b"Pss:"):
                out["pss"] = int(line.split()[1])
    except OSError:
        pass
    return out


def _ppid_map():
    parents = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            data = _read(f"/proc/{name}/stat")
        except OSError:
            continue
        fields = data[data.rindex(b")") + 2:].split()
        parents[int(name)] = int(fields[1])
    return parents


def descendants(root):
    """All live descendants of root (pids), found through /proc."""
    children = {}
    for pid, ppid in _ppid_map().items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def count_children(pid):
    return sum(1 for p in _ppid_map().values() if p == pid)


def _kill_group_or_pid(pid):
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def reap_zombies():
    """Collect exit statuses of orphans reparented to us (we are a subreaper)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_tree(pid, deadline_s=15.0):
    """SIGKILL a process's group, then every descendant's group, until none remain.

    The bench runs one thing at a time, so once the daemon is dead anything
    still alive below the bench (orphans reparented to us) is its leftover."""
    tree = descendants(pid)
    _kill_group_or_pid(pid)
    for child in tree:
        _kill_group_or_pid(child)
    kill_everything_we_started(deadline_s)


def _is_alive(pid):
    try:
        data = _read(f"/proc/{pid}/stat")
    except OSError:
        return False
    state = data[data.rindex(b")") + 2:].split()[0]
    return state != b"Z"


def kill_everything_we_started(deadline_s=20.0):
    """Final sweep: kill every descendant of the bench (by group), reap them all."""
    end = time.monotonic() + deadline_s
    while True:
        live = [p for p in descendants(os.getpid()) if _is_alive(p)]
        for p in live:
            _kill_group_or_pid(p)
        reap_zombies()
        if not live or time.monotonic() > end:
            return
        time.sleep(0.05)


def start(argv, cwd, out_path, env=None):
    """Start argv in its own session/process group with output to out_path."""
    with open(out_path, "ab") as out:
        proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True, env=env)
    return proc


def read_line_with_deadline(stream, deadline_s):
    """One line from a pipe, or None if none arrives in time."""
    end = time.monotonic() + deadline_s
    buf = b""
    fd = stream.fileno()
    while b"\n" not in buf:
        left = end - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                return buf or None
            buf += chunk
    return buf.split(b"\n", 1)[0]
