"""Summaries of the samples: the comparison table, the targets (met/missed) and the JSON record."""
import statistics

# key, label, unit, which way is better
METRICS = [
    ("rss_1prog_kib", "RSS, 1 program", "MiB", "lower"),
    ("pss_1prog_kib", "PSS, 1 program", "MiB", "lower"),
    ("rss_kib", "RSS, N programs", "MiB", "lower"),
    ("pss_kib", "PSS, N programs", "MiB", "lower"),
    ("rss_after_rpc_kib", "RSS, N programs, after RPC load", "MiB", "lower"),
    ("threads", "threads", "", "lower"),
    ("idle_cpu_s", "idle CPU over the window (N programs)", "s", "lower"),
    ("idle_cpu_precise_s", "idle CPU, schedstat", "s", "lower"),
    ("idle_wakeups_per_s", "idle context switches", "/s", "lower"),
    ("spawn_s", "launch to all N RUNNING", "s", "lower"),
    ("gapi_p50_ms", "getAllProcessInfo p50", "ms", "lower"),
    ("gapi_p99_ms", "getAllProcessInfo p99", "ms", "lower"),
    ("getstate_p50_ms", "getState p50", "ms", "lower"),
    ("getstate_p99_ms", "getState p99", "ms", "lower"),
    ("ctl_status_s", "supervisorctl status (own ctl)", "s", "lower"),
    ("pyctl_status_s", "supervisorctl status (Python ctl)", "s", "lower"),
    ("stopall_s", "stopAllProcesses", "s", "lower"),
    ("startall_s", "startAllProcesses", "s", "lower"),
    ("conc_calls_per_s", "concurrent getAllProcessInfo throughput", "calls/s", "higher"),
    ("conc_p99_ms", "concurrent getAllProcessInfo p99", "ms", "lower"),
    ("log_mibps", "log capture, 1 writer", "MiB/s", "higher"),
    ("log_cpu_s_per_gib", "log capture daemon CPU", "s/GiB", "lower"),
    ("log_lost_bytes", "log capture bytes lost", "B", "lower"),
    ("chatty_mibps", "log capture, chatty children total", "MiB/s", "higher"),
    ("chatty_cpu_s_per_gib", "chatty daemon CPU", "s/GiB", "lower"),
    ("chatty_lost_bytes", "chatty bytes lost", "B", "lower"),
    ("storm_restarts_per_s", "restart storm", "restarts/s", "higher"),
    ("storm_cpu_frac", "restart storm daemon CPU", "cores", "lower"),
    ("storm_getstate_p50_ms", "getState p50 during storm", "ms", "lower"),
    ("storm_getstate_p99_ms", "getState p99 during storm", "ms", "lower"),
    ("events_per_s", "events delivered (3 listeners)", "events/s", "higher"),
    ("events_received", "events received", "", "higher"),
    ("events_lost", "events lost", "", "lower"),
]
LABELS = {k: (label, unit) for k, label, unit, _ in METRICS}


def scale(key, v):
    return v / 1024.0 if key.endswith("_kib") else v


def fmt(v):
    if v is None:
        return "-"
    if v == float("inf"):
        return "inf"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    if a >= 0.01:
        return f"{v:.3f}"
    return f"{v:.2g}"


def summarize(samples):
    """{metric: {impl: {median, min, max, n}}}"""
    out = {}
    for key, per_impl in samples.items():
        out[key] = {}
        for impl, values in per_impl.items():
            vals = [scale(key, v) for v in values if v is not None]
            if vals:
                out[key][impl] = {"median": statistics.median(vals), "min": min(vals),
                                  "max": max(vals), "n": len(vals)}
    return out


def med(summary, key, impl):
    return summary.get(key, {}).get(impl, {}).get("median")


def ratio(summary, key, a="ours", b="real"):
    x, y = med(summary, key, a), med(summary, key, b)
    if x is None or y is None:
        return None
    if y == 0:
        # e.g. no call of the real daemon finished inside the window
        return float("inf") if x > 0 else None
    return x / y


def cell(summary, key, impl):
    s = summary.get(key, {}).get(impl)
    if not s:
        return "-"
    if s["n"] == 1:
        return fmt(s["median"])
    return f"{fmt(s['median'])} [{fmt(s['min'])}-{fmt(s['max'])}]"


def table(summary, failures, metric_workload):
    """Markdown table: metric, unit, real, ours, floor, ours/real."""
    rows = ["| metric | unit | supervisord 4.3.0 | ours | floor | ours/real |",
            "|---|---|---|---|---|---|"]
    for key, label, unit, _ in METRICS:
        if key not in summary:
            continue
        r = ratio(summary, key)
        ours = cell(summary, key, "ours")
        if ours == "-" and (failures.get(key, {}).get("ours")
                            or failures.get(metric_workload.get(key), {}).get("ours")):
            ours = "failed"
        rows.append(f"| {label} | {unit} | {cell(summary, key, 'real')} | {ours} | "
                    f"{cell(summary, key, 'floor')} | {fmt(r) + 'x' if r is not None else '-'} |")
    return "\n".join(rows)


def _cmp(v, op, limit):
    if v is None:
        return None
    return v <= limit if op == "<=" else (v < limit if op == "<" else v >= limit)


def targets(summary):
    """[(description, met True/False/None, measured text)]"""
    out = []

    def by_ratio(desc, key, op, limit, a="ours", b="real"):
        r = ratio(summary, key, a, b)
        out.append((desc, _cmp(r, op, limit), f"{fmt(r)}x" if r is not None else "no data"))

    def absolute(desc, key, op, limit, unit):
        v = med(summary, key, "ours")
        out.append((desc, _cmp(v, op, limit), f"{fmt(v)} {unit}" if v is not None else "no data"))

    by_ratio("RSS with N programs <= 0.1x", "rss_kib", "<=", 0.1)
    # utime+stime ticks are 10 ms: when the real daemon used under one tick, compare schedstat
    idle_key = "idle_cpu_s" if (med(summary, "idle_cpu_s", "real") or 0) > 0 else "idle_cpu_precise_s"
    by_ratio("idle CPU <= 0.1x", idle_key, "<=", 0.1)
    absolute("no periodic wake-ups when idle (< 0.2 context switches/s)", "idle_wakeups_per_s", "<", 0.2, "/s")
    by_ratio("spawn N to RUNNING <= 0.05x", "spawn_s", "<=", 0.05)
    by_ratio("spawn within 2x of the floor", "spawn_s", "<=", 2.0, "ours", "floor")
    by_ratio("getAllProcessInfo p50 <= 0.01x", "gapi_p50_ms", "<=", 0.01)
    by_ratio("getState p50 <= 0.1x", "getstate_p50_ms", "<=", 0.1)
    by_ratio("log capture >= 3x MiB/s", "log_mibps", ">=", 3.0)
    by_ratio("log capture >= 80% of the floor", "log_mibps", ">=", 0.8, "ours", "floor")
    lost = [med(summary, k, "ours") for k in ("log_lost_bytes", "chatty_lost_bytes")]
    known = [v for v in lost if v is not None]
    out.append(("log capture loses 0 bytes", (max(known) == 0) if known else None,
                f"{fmt(max(known))} B" if known else "no data"))
    by_ratio("log capture CPU per GiB <= 0.2x", "log_cpu_s_per_gib", "<=", 0.2)
    by_ratio("restart storm >= 5x restarts/s", "storm_restarts_per_s", ">=", 5.0)
    absolute("getState p99 during the storm < 10 ms", "storm_getstate_p99_ms", "<", 10.0, "ms")
    absolute("events: none lost", "events_lost", "<=", 0, "lost")
    by_ratio("concurrency >= 10x throughput", "conc_calls_per_s", ">=", 10.0)
    return out


def targets_text(results):
    lines = []
    for desc, met, measured in results:
        tag = "met" if met else ("MISSED" if met is False else "n/a")
        lines.append(f"- {tag:6s} {desc}: {measured}")
    return "\n".join(lines)
