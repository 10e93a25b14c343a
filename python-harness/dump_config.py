"""Resolve a supervisord config with supervisor 4.3.0's own ServerOptions and
print it as JSON in the shape of rsupervisor's `supervisord --check-config`
(src/config/model.rs), so the two can be compared field by field.

Usage: python dump_config.py [supervisord options...]   (e.g. -c FILE)

On a config error supervisor's own usage() runs: the message goes to stderr
and the exit code is 2, exactly as the real supervisord reports it.

Where our model holds something supervisor keeps elsewhere, it is recovered
here: the user name as written and each process's process_num (recorded
while supervisor expands them), [ctlplugin:x] names (from its parser), and
the [supervisorctl] section (read by supervisor's ClientOptions). The
warnings rsupervisor adds about Python plugins it cannot load are added here
with the same text, after supervisor's own parse warnings.
"""
import io
import json
import os
import socket
import sys

import supervisor.options as so
from supervisor.datatypes import (
    Automatic,
    RestartUnconditionally,
    RestartWhenExitUnexpected,
)
from supervisor.events import getEventNameByType
from supervisor.loggers import LevelsByDescription

BUILTIN_RPC = "supervisor.rpcinterface:make_main_rpcinterface"
DEFAULT_HANDLER = "supervisor.dispatchers:default_handler"
NO_GROUP = 4294967295  # a left-out group in chown=user (-1 in supervisor)

_state = {"process_num": None, "parsers": []}

# Record the process_num in force when supervisor expands each process_name.
_orig_expand = so.expand


def _recording_expand(s, expansions, name):
    if name == "process_name":
        _state["process_num"] = expansions.get("process_num")
    return _orig_expand(s, expansions, name)


so.expand = _recording_expand

_orig_pc_init = so.ProcessConfig.__init__


def _pc_init(self, options, **params):
    _orig_pc_init(self, options, **params)
    self._dump_process_num = _state["process_num"]


so.ProcessConfig.__init__ = _pc_init


class _RecordingParser(so.UnhosedConfigParser):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        _state["parsers"].append(self)


so.UnhosedConfigParser = _RecordingParser


class DumpServerOptions(so.ServerOptions):
    def _processes_from_section(self, parser, section, group_name, klass=None):
        procs = so.ServerOptions._processes_from_section(self, parser, section, group_name, klass)
        program_name = section.split(":", 1)[1].strip()
        expansions = {
            "here": self.here,
            "program_name": program_name,
            "host_node_name": so.platform.node(),
            "group_name": group_name,
        }
        user = parser.saneget(section, "user", None, expansions=expansions)
        for p in procs:
            p._dump_user = user
        return procs


def spec_of(func):
    return "%s:%s" % (func.__module__, func.__name__)


def logtarget(v):
    if v is None or v == "":
        return "none"
    if v is Automatic:
        return "auto"
    return {"file": v}


def env_list(d):
    if not d:
        return None
    return [[k, v] for k, v in d.items()]


def level_name(num):
    for name, value in vars(LevelsByDescription).items():
        if value == num and not name.startswith("_"):
            return name
    return str(num)


def autorestart(v):
    if v is RestartUnconditionally:
        return "always"
    if v is RestartWhenExitUnexpected:
        return "unexpected"
    return "never"


def owner(t):
    if t is None or tuple(t) == (-1, -1):
        return None
    uid, gid = t
    return [uid, NO_GROUP if gid == -1 else gid]


def channel(pc, ch):
    return {
        "logfile": logtarget(getattr(pc, ch + "_logfile")),
        "logfile_maxbytes": getattr(pc, ch + "_logfile_maxbytes"),
        "logfile_backups": getattr(pc, ch + "_logfile_backups"),
        "capture_maxbytes": getattr(pc, ch + "_capture_maxbytes"),
        "events_enabled": bool(getattr(pc, ch + "_events_enabled")),
        "syslog": bool(getattr(pc, ch + "_syslog")),
    }


def process(pc, options):
    serverurl = pc.serverurl if pc.serverurl is not None else options.serverurl
    return {
        "name": pc.name,
        "command": pc.command,
        "uid": pc.uid,
        "user": getattr(pc, "_dump_user", None),
        "directory": pc.directory,
        "umask": pc.umask,
        "priority": pc.priority,
        "autostart": bool(pc.autostart),
        "autorestart": autorestart(pc.autorestart),
        "startsecs": pc.startsecs,
        "startretries": pc.startretries,
        "stdout": channel(pc, "stdout"),
        "stderr": channel(pc, "stderr"),
        "stopsignal": int(pc.stopsignal),
        "stopwaitsecs": pc.stopwaitsecs,
        "stopasgroup": bool(pc.stopasgroup),
        "killasgroup": bool(pc.killasgroup),
        "exitcodes": list(pc.exitcodes),
        "redirect_stderr": bool(pc.redirect_stderr),
        "environment": env_list(pc.environment),
        "serverurl": serverurl or None,
        "process_num": pc._dump_process_num,
    }


def group(g, options, warnings):
    if isinstance(g, so.EventListenerPoolConfig):
        handler = spec_of(g.result_handler)
        kind = {
            "type": "event_listener_pool",
            "buffer_size": g.buffer_size,
            "events": sorted(getEventNameByType(e) for e in g.pool_events),
            "result_handler": handler,
        }
    elif isinstance(g, so.FastCGIGroupConfig):
        s = g.socket_config
        kind = {
            "type": "fcgi",
            "socket": {
                "url": s.url,
                "owner": owner(getattr(s, "owner", None)),
                "mode": getattr(s, "mode", None),
                "backlog": s.backlog,
                "reuseaddr": True,
            },
        }
    else:
        kind = {"type": "programs"}
    return {
        "name": g.name,
        "priority": g.priority,
        "kind": kind,
        "processes": [process(p, options) for p in g.process_configs],
    }


def ctl_section(configfile):
    copts = so.ClientOptions()
    copts.stderr = io.StringIO()
    copts.stdout = io.StringIO()

    def _exit(code=0):
        raise SystemExit(code)

    copts.exit = _exit
    # [ctlplugin:x] factories are Python plugins; whether they import does
    # not change what the [supervisorctl] section says.
    copts.import_spec = lambda spec: object
    try:
        copts.realize(args=["-c", configfile])
    except (SystemExit, Exception):
        return {
            "serverurl": "http://localhost:9001",
            "username": None,
            "password": None,
            "prompt": "supervisor",
            "history_file": None,
        }
    return {
        "serverurl": copts.serverurl,
        "username": copts.username,
        "password": copts.password,
        "prompt": copts.prompt,
        "history_file": copts.history_file,
    }


def dump(options, parser):
    section = options.configroot.supervisord
    warnings = list(options.parse_warnings)
    sections = parser.sections() if parser is not None else []

    rpcs = []
    for name, factory, _extras in options.rpcinterface_factories:
        spec = spec_of(factory)
        rpcs.append({"name": name, "factory": spec, "is_builtin": spec == BUILTIN_RPC})
        if spec != BUILTIN_RPC:
            warnings.append(
                "[rpcinterface:%s] names the Python plugin factory %s, which rsupervisor "
                "cannot load; the section is ignored and its XML-RPC methods are not available" % (name, spec)
            )
    ctlplugins = []
    for s in sections:
        if s.startswith("ctlplugin:"):
            ctlplugins.append(s.split(":", 1)[1])
            warnings.append("[%s] names a Python supervisorctl plugin, which rsupervisor ignores" % s)

    by_name = {}
    for g in options.process_group_configs:
        if isinstance(g, so.EventListenerPoolConfig):
            by_name[g.name] = g
    for s in sections:
        if s.startswith("eventlistener:") and s.split(":", 1)[1] in by_name:
            handler = spec_of(by_name[s.split(":", 1)[1]].result_handler)
            if handler != DEFAULT_HANDLER:
                warnings.append(
                    "[%s] names the Python result handler %s, which rsupervisor "
                    "cannot load; the default handler is used" % (s, handler)
                )
    groups = [group(g, options, warnings) for g in options.process_group_configs]

    unix = inet = None
    for c in options.server_configs:
        if (c["family"] == socket.AF_UNIX and unix is not None) or (c["family"] == socket.AF_INET and inet is not None):
            warnings.append("[%s] is an extra HTTP server section; only the first is served" % c["section"])
        if c["family"] == socket.AF_UNIX and unix is None:
            unix = {
                "file": c["file"],
                "chmod": c["chmod"],
                "chown": owner(c["chown"]),
                "username": c["username"],
                "password": c["password"],
            }
        elif c["family"] == socket.AF_INET and inet is None:
            inet = {"host": c["host"], "port": c["port"], "username": c["username"], "password": c["password"]}

    # rsupervisor's warnings about names supervisord silently drops.
    seen = []
    for g in options.process_group_configs:
        if g.name in seen:
            warnings.append("There are two groups named %s; only the first one is used" % g.name)
        seen.append(g.name)
        names = []
        for p in g.process_configs:
            if p.name in names:
                warnings.append("Group %s has two processes named %s; only the last one is used" % (g.name, p.name))
            names.append(p.name)

    if options.profile_options:
        warnings.append("--profile_options is accepted for compatibility but profiling is not supported")

    logfile = options.logfile
    return {
        "path": os.path.abspath(options.configfile),
        "daemon": {
            "logfile": "syslog" if logfile == "syslog" else {"file": logfile},
            "logfile_maxbytes": options.logfile_maxbytes,
            "logfile_backups": options.logfile_backups,
            "loglevel": level_name(options.loglevel),
            "pidfile": options.pidfile,
            "umask": options.umask,
            "nodaemon": bool(options.nodaemon),
            "silent": bool(options.silent),
            "minfds": options.minfds,
            "minprocs": options.minprocs,
            "nocleanup": bool(options.nocleanup),
            "childlogdir": options.childlogdir,
            "user": options.user,
            "directory": options.directory,
            "strip_ansi": bool(options.strip_ansi),
            "environment": env_list(section.environment),
            "identifier": options.identifier,
        },
        "unix_http_server": unix,
        "inet_http_server": inet,
        "rpcinterfaces": rpcs,
        "ctlplugins": ctlplugins,
        "supervisorctl": ctl_section(options.configfile),
        "groups": groups,
        "warnings": warnings,
        "infos": list(options.parse_infos),
    }


def resolve(argv, progname, stderr=None):
    """Returns the JSON text for these arguments; on a config error
    supervisor's usage() writes to `stderr` and raises SystemExit(2)."""
    _state["process_num"] = None
    _state["parsers"] = []
    options = DumpServerOptions()
    if stderr is not None:
        options.stderr = stderr
    options.realize(args=argv, progname=progname)
    parser = _state["parsers"][-1] if _state["parsers"] else None
    return json.dumps(dump(options, parser), indent=2)


def serve():
    """Answers many requests in one process, one JSON object per line:
    {"args": [...], "cwd": "..."} -> {"code": n, "out": "...", "err": "..."}.
    The tests use this to avoid starting Python once per config."""
    progname = os.environ.get("DUMP_PROGNAME", sys.argv[0])
    for line in sys.stdin:
        request = json.loads(line)
        err = io.StringIO()
        out, code = "", 0
        try:
            os.chdir(request["cwd"])
            out = resolve(request["args"], progname, err) + "\n"
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except Exception as e:  # supervisor itself crashed on this input
            code = 1
            err.write("Traceback: %s: %s\n" % (type(e).__name__, e))
        sys.stdout.write(json.dumps({"code": code, "out": out, "err": err.getvalue()}) + "\n")
        sys.stdout.flush()
    return 0


def main(argv):
    if argv == ["--serve"]:
        return serve()
    print(resolve(argv, os.environ.get("DUMP_PROGNAME", sys.argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
