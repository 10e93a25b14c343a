"""Masks what legitimately differs between two runs (pids, times, temp paths,
random log-file suffixes, event serials) so transcripts can be compared."""
import re

from .paths import REPO, venv_dir

_RULES = [
    # main-log timestamp: 2026-11-30 03:24:26,123
    (re.compile(r"\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(,\d+)?"), "<TS>"),
    # status column for stopped/exited processes: "Nov 30 03:24 AM"
    (re.compile(r"\b[A-Z][a-z]{2} [ \d]\d \d\d:\d\d [AP]M\b"), "<DATE>"),
    (re.compile(r"\buptime (\d+ days?, )?\d+:\d\d:\d\d\b"), "uptime <UPTIME>"),
    (re.compile(r"\bpid \d+\b"), "pid <PID>"),
    (re.compile(r"\bpid: \d+\b"), "pid: <PID>"),
    (re.compile(r"\bpid=\d+\b"), "pid=<PID>"),
    (re.compile(r"---supervisor-[A-Za-z0-9_]{8}\.log"), "---supervisor-<RND>.log"),
    (re.compile(r"\bserial:\d+"), "serial:<N>"),
    (re.compile(r"\bpool_serial:\d+"), "pool_serial:<N>"),
    (re.compile(r"/tmp/rsh[A-Za-z0-9_]+"), "<TMP>"),
    # Python tracebacks summarized by supervisorctl: "file: /.../x.py line: 668"
    (re.compile(r"file: /\S+\.py line: \d+"), "file: <PYFILE> line: <N>"),
]


def normalize(text, daemon=None, extra=()):
    """Mask run-dependent parts of `text`.

    daemon: when given, its temp dir becomes <TMP> and its own pid <DPID>.
    extra: further (regex, replacement) pairs applied last.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if daemon is not None:
        text = text.replace(daemon.tmp, "<TMP>")
        if getattr(daemon, "port", None):
            text = re.sub(rf":{daemon.port}\b", ":<PORT>", text)
        if daemon.pid:
            text = re.sub(rf"\b{daemon.pid}\b", "<DPID>", text)
    text = text.replace(str(venv_dir()), "<VENV>")
    text = text.replace(str(REPO), "<REPO>")
    for rx, repl in _RULES:
        text = rx.sub(repl, text)
    for rx, repl in extra:
        text = re.sub(rx, repl, text)
    return text


_LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ")


def mainlog_lines(daemon, levels=None, drop=()):
    """The daemon's main log as normalized lines 'LEVEL message' (timestamps
    removed). levels: keep only these (e.g. {'INFO', 'WARN'}); drop: regexes of
    lines to leave out."""
    out = []
    for line in daemon.mainlog().splitlines():
        line = _LOG_PREFIX.sub("", line)
        level = line.split(" ", 1)[0]
        if levels is not None and level not in levels:
            continue
        line = normalize(line, daemon)
        if any(re.search(d, line) for d in drop):
            continue
        out.append(line)
    return out
