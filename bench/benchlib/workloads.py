"""The benchmark workloads. Each one runs against one implementation ("real",
"ours") or the floor ("floor") and returns {metric: value} for that run.

A workload raises DaemonFailed when the daemon cannot run it at all; a step
that fails on its own is reported in the returned dict under "errors" so the
other metrics of the same run still count.
"""
import math
import os
import statistics
import subprocess
import threading
import time

from . import procs, rpc
from .daemon import Daemon, DaemonFailed, LogTail, file_size

RUNNING_LINE = b"entered RUNNING state"
SPAWNED_LINE = b"spawned: "
MIB = 1 << 20


def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100.0 * len(ordered)) - 1))
    return ordered[k]


def sleepers(ctx, n):
    return f"""[program:sleep]
command={ctx.sleep_path} 100000
process_name=%(program_name)s_%(process_num)04d
numprocs={n}
startsecs=0
"""


def wait_running(ctx, d, n, deadline_s):
    """Seconds from daemon launch until n processes are RUNNING.

    Watches the main log for the "entered RUNNING state" lines (no load on the
    daemon); falls back to polling getAllProcessInfo if the log stays silent."""
    tail = LogTail(d.mainlog, RUNNING_LINE)
    end = d.t_start + deadline_s
    # only a daemon that logs no RUNNING lines at all gets polled (polling loads it,
    # and supervisord logs none until its first pass has spawned all N, ~40 s here)
    next_rpc = time.monotonic() + 120.0
    while time.monotonic() < end:
        if tail.poll() >= n:
            return time.monotonic() - d.t_start, "log"
        d.check_alive("spawning")
        now = time.monotonic()
        if now >= next_rpc and tail.count == 0:
            try:
                states = d.states()
                if sum(1 for s in states.values() if s == "RUNNING") >= n:
                    return time.monotonic() - d.t_start, "rpc"
            except Exception:  # noqa: BLE001 - not answering yet
                pass
            next_rpc = time.monotonic() + 0.5
        time.sleep(0.005)
    raise DaemonFailed(f"only {tail.count} of {n} processes RUNNING after {deadline_s:.0f}s")


def expect_states(d, n, state):
    states = d.states()
    good = sum(1 for s in states.values() if s == state)
    if good < n:
        raise DaemonFailed(f"{good} of {n} processes {state} (of {len(states)} reported)")


def new_daemon(ctx, impl, label, programs):
    if impl == "real":
        argv, ctl = [ctx.real_supervisord], [ctx.real_supervisorctl]
    else:
        argv, ctl = [ctx.ours_supervisord], [ctx.ours_supervisorctl]
    d = Daemon(impl, argv, ctl, ctx.tmp_root, label, programs)
    ctx.current = d
    return d


# ---------------------------------------------------------------- footprint 1


def footprint_one(ctx, impl, rep):
    d = new_daemon(ctx, impl, f"{impl}-one-{rep}", sleepers(ctx, 1))
    try:
        d.start()
        d.wait_ready()
        wait_running(ctx, d, 1, 60)
        time.sleep(ctx.args.settle)
        d.check_alive()
        mem = procs.memory_kib(d.pid)
        return {"rss_1prog_kib": mem["rss"], "pss_1prog_kib": mem["pss"]}
    finally:
        d.stop()
        d.remove()


# ------------------------------------------------------- many (N sleepers)


def rpcload(ctx, sock, method, clients, count=0, seconds=0.0, deadline_s=600.0):
    """Runs the C load client (native/rpcload.c): prebuilt request bytes, whole
    responses read without XML parsing, latencies timed in C.

    Returns {"calls", "errors", "elapsed_s", "p50_s", "p99_s", "max_s", "first_error"}."""
    req_path = os.path.join(ctx.tmp_root, f"req-{method}.bin")
    if not os.path.exists(req_path):
        with open(req_path, "wb") as f:
            f.write(rpc.build_request(method))
    r = subprocess.run([ctx.native["rpcload"], sock, req_path, str(clients), str(count), str(seconds)],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=deadline_s, text=True)
    words = r.stdout.split()
    if r.returncode != 0 or len(words) < 14 or words[0] != "calls":
        raise RuntimeError(f"rpcload failed: {r.stdout[-300:]!r}")
    out = {"calls": int(words[1]), "errors": int(words[3]), "elapsed_s": float(words[5]),
           "p50_s": float(words[7]) / 1e6, "p99_s": float(words[9]) / 1e6,
           "max_s": float(words[11]) / 1e6, "first_error": " ".join(words[13:])}
    return out


def timed_calls(ctx, sock, method, count):
    """(p50, p99) seconds of `count` sequential calls on one keep-alive connection."""
    rpcload(ctx, sock, method, 1, 3)  # warm up; not counted
    r = rpcload(ctx, sock, method, 1, count)
    if r["errors"] or r["calls"] < count:
        raise RuntimeError(f"{r['calls']} of {count} {method} calls succeeded: {r['first_error']}")
    return r["p50_s"], r["p99_s"]


def ctl_status(argv, count, deadline_s=120.0):
    times = []
    for _ in range(count):
        t = time.monotonic()
        r = subprocess.run(argv + ["status"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=deadline_s)
        times.append(time.monotonic() - t)
        if r.returncode != 0:
            raise RuntimeError(f"status exited {r.returncode}: {r.stdout[-200:]!r}")
    return statistics.median(times)


def many(ctx, impl, rep):
    a = ctx.args
    n = a.programs
    d = new_daemon(ctx, impl, f"{impl}-many-{rep}", sleepers(ctx, n))
    out, errors = {}, {}

    def step(name, fn):
        try:
            fn()
        except DaemonFailed:
            raise
        except Exception as e:  # noqa: BLE001 - one step failing keeps the others
            d.check_alive(name)
            errors[name] = f"{type(e).__name__}: {e}"[:300]

    try:
        d.start()
        spawn_s, how = wait_running(ctx, d, n, a.spawn_deadline)
        out["spawn_s"] = spawn_s
        if how != "log":
            errors["spawn_s"] = "timed by polling getAllProcessInfo (no RUNNING log lines)"
        d.wait_ready()
        expect_states(d, n, "RUNNING")
        time.sleep(a.settle)
        mem = procs.memory_kib(d.pid)
        out["rss_kib"], out["pss_kib"] = mem["rss"], mem["pss"]
        out["threads"] = mem["threads"]

        # idle: nobody talks to the daemon during the window
        c0, v0, p0 = d.cpu(), procs.context_switches(d.pid), procs.cpu_ns_precise(d.pid)
        t0 = time.monotonic()
        time.sleep(a.idle_seconds)
        c1, v1, p1 = d.cpu(), procs.context_switches(d.pid), procs.cpu_ns_precise(d.pid)
        win = time.monotonic() - t0
        out["idle_cpu_s"] = c1 - c0
        if p0 is not None and p1 is not None:
            out["idle_cpu_precise_s"] = (p1 - p0) / 1e9
        out["idle_wakeups_per_s"] = ((v1[0] - v0[0]) + (v1[1] - v0[1])) / win

        def latencies():
            p50, p99 = timed_calls(ctx, d.sock, "supervisor.getAllProcessInfo", a.rpc_calls)
            out["gapi_p50_ms"], out["gapi_p99_ms"] = p50 * 1e3, p99 * 1e3
            p50, p99 = timed_calls(ctx, d.sock, "supervisor.getState", a.rpc_calls)
            out["getstate_p50_ms"], out["getstate_p99_ms"] = p50 * 1e3, p99 * 1e3
        step("rpc", latencies)

        def ctl():
            out["ctl_status_s"] = ctl_status(d.ctl_argv, a.ctl_runs)
        step("ctl_status_s", ctl)

        def pyctl():
            out["pyctl_status_s"] = ctl_status([ctx.real_supervisorctl, "-c", d.conf], a.ctl_runs)
        step("pyctl_status_s", pyctl)

        def stop_start():
            conn = rpc.RawConnection(d.sock, timeout=a.spawn_deadline)
            try:
                t = time.monotonic()
                conn.call("supervisor.stopAllProcesses")
                out["stopall_s"] = time.monotonic() - t
                expect_states(d, n, "STOPPED")
                t = time.monotonic()
                conn.call("supervisor.startAllProcesses")
                out["startall_s"] = time.monotonic() - t
                expect_states(d, n, "RUNNING")
            finally:
                conn.close()
        step("stop_start", stop_start)

        def conc():
            # calls still running when the window closes finish (uncounted) before rpcload exits
            r = rpcload(ctx, d.sock, "supervisor.getAllProcessInfo", a.clients, 0, a.conc_seconds,
                        deadline_s=a.conc_seconds + 600)
            out["conc_calls_per_s"] = r["calls"] / a.conc_seconds
            if r["calls"]:
                out["conc_p99_ms"] = r["p99_s"] * 1e3
            if r["errors"]:
                errors["conc"] = f"{r['errors']} client errors, first: {r['first_error']}"[:300]
        step("conc", conc)
        d.check_alive()
        out["rss_after_rpc_kib"] = procs.memory_kib(d.pid)["rss"]
        if errors:
            out["errors"] = errors
        return out
    finally:
        d.stop()
        d.remove()


def many_floor(ctx, rep):
    n = ctx.args.programs
    t = time.monotonic()
    p = subprocess.Popen([ctx.native["spawn_floor"], str(n), ctx.sleep_path, "100000"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, start_new_session=True)
    try:
        line = procs.read_line_with_deadline(p.stdout, ctx.args.spawn_deadline)
        elapsed = time.monotonic() - t
        if not line or not line.startswith(b"done"):
            raise RuntimeError(f"spawn_floor did not finish: {line!r}")
        return {"spawn_s": elapsed}
    finally:
        procs.kill_tree(p.pid)
        p.stdout.close()


# --------------------------------------------------------------- log capture


def expected_block(k):
    return (b"B%014d\n" % k) * 4096


def verify_stream(paths, total):
    """Bytes of the pattern stream found intact, in order, across `paths` (oldest first)."""
    good = 0
    k = 0
    pending = b""
    for path in paths:
        try:
            f = open(path, "rb")
        except OSError:
            continue
        with f:
            while True:
                data = f.read(1 << 22)
                if not data:
                    break
                pending += data
                while len(pending) >= 65536:
                    if pending[:65536] != expected_block(k):
                        return good
                    pending = pending[65536:]
                    good += 65536
                    k += 1
    if pending:
        exp = expected_block(k)[:len(pending)]
        if pending == exp:
            good += len(pending)
        else:
            # count the matching prefix of the last partial block
            i = 0
            while i < len(pending) and pending[i] == exp[i]:
                i += 1
            good += i - i % 16
    return min(good, total)


def rotated_files(base, backups):
    """Oldest first: base.N ... base.1, base."""
    return [f"{base}.{i}" for i in range(backups, 0, -1)] + [base]


def logs_programs(ctx):
    a = ctx.args
    per_chatty = (a.chatty_bytes // a.chatty // 65536) * 65536
    maxbytes = 50 * 1000 * 1000
    backups = math.ceil(a.log_bytes / maxbytes) + 3
    chatty_backups = math.ceil(per_chatty / maxbytes) + 3
    text = f"""[program:writer]
command={ctx.native["patwrite"]} {a.log_bytes}
autostart=false
autorestart=false
startsecs=0
stdout_logfile=%(here)s/logs/writer.log
stdout_logfile_maxbytes=50MB
stdout_logfile_backups={backups}
stderr_logfile=%(here)s/logs/writer.err

[program:chatty]
command={ctx.native["patwrite"]} {per_chatty}
process_name=%(program_name)s_%(process_num)02d
numprocs={a.chatty}
autostart=false
autorestart=false
startsecs=0
stdout_logfile=%(here)s/logs/%(program_name)s_%(process_num)02d.log
stdout_logfile_maxbytes=50MB
stdout_logfile_backups={chatty_backups}
stderr_logfile=%(here)s/logs/%(program_name)s_%(process_num)02d.err
"""
    return text, per_chatty, backups, chatty_backups


def wait_bytes(d, paths, total, deadline_s):
    """Poll until the files hold `total` bytes; returns (seconds-stamp, bytes seen)."""
    end = time.monotonic() + deadline_s
    last, last_change = -1, time.monotonic()
    while True:
        now = time.monotonic()
        seen = sum(file_size(p) for p in paths)
        if seen >= total:
            return now, seen
        if seen != last:
            last, last_change = seen, now
        d.check_alive("capturing output")
        if now > end or now - last_change > 30.0:
            return None, seen
        time.sleep(0.005)


def remove_files(paths):
    for p in paths:
        try:
            os.unlink(p)
        except OSError:
            pass


def logs(ctx, impl, rep):
    a = ctx.args
    programs, per_chatty, backups, chatty_backups = logs_programs(ctx)
    d = new_daemon(ctx, impl, f"{impl}-logs-{rep}", programs)
    out, errors = {}, {}
    try:
        d.start()
        d.wait_ready()
        logdir = os.path.join(d.workdir, "logs")
        conn = rpc.RawConnection(d.sock, timeout=120.0)

        # one writer, 64 KiB writes, as fast as it can
        files = rotated_files(os.path.join(logdir, "writer.log"), backups)
        c0, t0 = d.cpu(), time.monotonic()
        conn.call("supervisor.startProcess", "writer", False)
        t1, seen = wait_bytes(d, files, a.log_bytes, a.log_deadline)
        c1 = d.cpu()
        if t1 is None:
            errors["log"] = f"only {seen} of {a.log_bytes} bytes reached the log"
            t1 = time.monotonic()
        good = verify_stream(files, a.log_bytes)
        out["log_mibps"] = a.log_bytes / MIB / (t1 - t0)
        out["log_cpu_s_per_gib"] = (c1 - c0) * (1 << 30) / a.log_bytes
        out["log_lost_bytes"] = a.log_bytes - good
        remove_files(files)

        # many writers at once
        names = [f"chatty_{i:02d}" for i in range(a.chatty)]
        sets = [rotated_files(os.path.join(logdir, n + ".log"), chatty_backups) for n in names]
        every = [p for s in sets for p in s]
        total = per_chatty * a.chatty
        c0, t0 = d.cpu(), time.monotonic()
        conn.call("supervisor.startProcessGroup", "chatty", False)
        t1, seen = wait_bytes(d, every, total, a.log_deadline)
        c1 = d.cpu()
        if t1 is None:
            errors["chatty"] = f"only {seen} of {total} bytes reached the logs"
            t1 = time.monotonic()
        good = sum(verify_stream(s, per_chatty) for s in sets)
        out["chatty_mibps"] = total / MIB / (t1 - t0)
        out["chatty_cpu_s_per_gib"] = (c1 - c0) * (1 << 30) / total
        out["chatty_lost_bytes"] = total - good
        remove_files(every)
        conn.close()
        if errors:
            out["errors"] = errors
        return out
    finally:
        d.stop()
        d.remove()


def logs_floor(ctx, rep):
    a = ctx.args
    _, per_chatty, _, _ = logs_programs(ctx)
    work = os.path.join(ctx.tmp_root, f"floor-logs-{rep}")
    os.makedirs(work, exist_ok=True)
    pw = ctx.native["patwrite"]
    out = {}
    try:
        target = os.path.join(work, "writer.log")
        t = time.monotonic()
        p = subprocess.Popen(["/bin/sh", "-c", f'exec "{pw}" {a.log_bytes} | cat > "{target}"'],
                             start_new_session=True)
        try:
            p.wait(timeout=a.log_deadline)
        finally:
            procs.kill_tree(p.pid)
        out["log_mibps"] = a.log_bytes / MIB / (time.monotonic() - t)
        out["log_lost_bytes"] = a.log_bytes - verify_stream([target], a.log_bytes)
        os.unlink(target)

        script = "\n".join(f'"{pw}" {per_chatty} | cat > "{work}/c{i}.log" &' for i in range(a.chatty))
        t = time.monotonic()
        p = subprocess.Popen(["/bin/sh", "-c", script + "\nwait"], start_new_session=True)
        try:
            p.wait(timeout=a.log_deadline)
        finally:
            procs.kill_tree(p.pid)
        out["chatty_mibps"] = per_chatty * a.chatty / MIB / (time.monotonic() - t)
        return out
    finally:
        import shutil
        shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------- restart storm


def storm_programs(ctx):
    return f"""[program:storm]
command={ctx.true_path}
process_name=%(program_name)s_%(process_num)03d
numprocs={ctx.args.storm_programs}
startsecs=0
autorestart=true
"""


class GetStateSampler:
    """A background thread timing getState every `interval` seconds."""

    def __init__(self, sock, interval=0.01):
        self.sock, self.interval = sock, interval
        self.lat, self.errors = [], []
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        conn = rpc.RawConnection(self.sock, timeout=30.0)
        req = rpc.build_request("supervisor.getState")
        try:
            while not self.stop_flag.is_set():
                try:
                    self.lat.append(conn.timed(req)[0])
                except Exception as e:  # noqa: BLE001 - reported
                    self.errors.append(f"{type(e).__name__}: {e}")
                    conn.close()
                self.stop_flag.wait(self.interval)
        finally:
            conn.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.thread.join(timeout=40)


def storm(ctx, impl, rep):
    a = ctx.args
    d = new_daemon(ctx, impl, f"{impl}-storm-{rep}", storm_programs(ctx))
    out = {}
    try:
        d.start()
        d.wait_ready()
        time.sleep(a.storm_warmup)
        d.check_alive()
        tail = LogTail(d.mainlog, SPAWNED_LINE, offset=file_size(d.mainlog))
        with GetStateSampler(d.sock) as sampler:
            c0, t0 = d.cpu(), time.monotonic()
            time.sleep(a.storm_seconds)
            n = tail.poll()
            c1, t1 = d.cpu(), time.monotonic()
        out["storm_restarts_per_s"] = n / (t1 - t0)
        out["storm_cpu_frac"] = (c1 - c0) / (t1 - t0)
        if sampler.lat:
            out["storm_getstate_p50_ms"] = percentile(sampler.lat, 50) * 1e3
            out["storm_getstate_p99_ms"] = percentile(sampler.lat, 99) * 1e3
        if sampler.errors:
            out["errors"] = {"storm_getstate": f"{len(sampler.errors)} errors, first: {sampler.errors[0]}"}
        if n == 0:
            raise DaemonFailed("no 'spawned:' lines in the main log during the storm")
        return out
    finally:
        d.stop()
        d.remove()


# -------------------------------------------------------------------- events


def read_listener_records(outdir):
    serials, times = [], []
    for name in os.listdir(outdir):
        with open(os.path.join(outdir, name), "rb") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3:
                    serials.append(int(parts[0]))
                    times.append(float(parts[2]))
    return serials, times


def events(ctx, impl, rep):
    a = ctx.args
    label = f"{impl}-events-{rep}"
    outdir = os.path.join(ctx.tmp_root, label + "-records")
    os.makedirs(outdir, exist_ok=True)
    programs = storm_programs(ctx) + f"""
[eventlistener:listeners]
command={ctx.venv_python} {ctx.listener_py} {outdir}
process_name=%(program_name)s_%(process_num)d
numprocs=3
events=PROCESS_STATE
buffer_size={a.event_buffer}
"""
    d = new_daemon(ctx, impl, label, programs)
    try:
        d.start()
        d.wait_ready()
        time.sleep(a.storm_seconds)
        d.check_alive()
        rpc.call(d.sock, "supervisor.stopProcessGroup", "storm", timeout=120.0)
        # drain: wait until the listeners stop receiving
        end = time.monotonic() + a.drain_deadline
        last, last_change = -1, time.monotonic()
        while time.monotonic() < end:
            d.check_alive("draining events")
            count = sum(file_size(os.path.join(outdir, f)) for f in os.listdir(outdir))
            if count != last:
                last, last_change = count, time.monotonic()
            elif time.monotonic() - last_change > 3.0:
                break
            time.sleep(0.1)
        serials, times = read_listener_records(outdir)
        if len(serials) < 2:
            raise DaemonFailed(f"listeners received {len(serials)} events")
        unique = set(serials)
        # pool serials start at 0; every one not received is a lost event
        missing = (max(unique) + 1) - len(unique)
        with open(d.mainlog, "rb") as f:
            overflowed = f.read().count(b"overflowed")
        span = max(times) - min(times)
        out = {"events_per_s": len(serials) / span if span > 0 else None,
               "events_received": len(serials),
               "events_lost": max(missing, overflowed)}
        notes = []
        if len(unique) != len(serials):
            notes.append(f"{len(serials) - len(unique)} duplicate pool serials")
        if missing:
            gaps = sorted(set(range(max(unique) + 1)) - unique)
            notes.append(f"missing pool serials {gaps[:10]} of 0..{max(unique)}")
        if overflowed:
            notes.append(f"{overflowed} 'overflowed' lines in the main log")
        if notes:
            out["errors"] = {"events": "; ".join(notes)}
        return out
    finally:
        d.stop()
        d.remove()
        import shutil
        shutil.rmtree(outdir, ignore_errors=True)


WORKLOADS = {
    # name: (function(ctx, impl, rep), floor function(ctx, rep) or None)
    "footprint": (footprint_one, None),
    "many": (many, many_floor),
    "logs": (logs, logs_floor),
    "storm": (storm, None),
    "events": (events, None),
}
