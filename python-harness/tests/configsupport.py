"""Helpers for the config comparison tests: run supervisor 4.3.0's resolver
(python-harness/dump_config.py), the real supervisord, and our
`supervisord --check-config`, and compare what they say."""
import atexit
import json
import os
import subprocess
import sys

HARNESS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(HARNESS)
DUMP = os.path.join(HARNESS, "dump_config.py")
CASES = os.path.join(REPO, "compat-tests", "config")


def venv_dir():
    v = os.environ.get("RSUP_VENV")
    if v:
        return v
    return os.path.dirname(os.path.dirname(os.path.abspath(sys.executable)))


def venv_python():
    p = os.path.join(venv_dir(), "bin", "python")
    return p if os.path.exists(p) else sys.executable


def real_supervisord():
    return os.path.join(venv_dir(), "bin", "supervisord")


def bin_dir():
    return os.environ.get("RSUP_BIN_DIR") or os.path.join(REPO, "target", "debug")


def our_supervisord():
    return os.path.join(bin_dir(), "supervisord")


def our_echo_conf():
    return os.path.join(bin_dir(), "echo_supervisord_conf")


def clean_env(extra=None):
    """A small fixed environment, so that messages listing every ENV_ name
    are the same for both programs (and C-locale coercion adds nothing)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/root", "LANG": "C.UTF-8"}
    if extra:
        env.update(extra)
    return env


class Result:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return "Result(code=%r, out=%r, err=%r)" % (self.code, self.out[:2000], self.err[:2000])


def run(argv, cwd, env=None, timeout=60):
    p = subprocess.run(argv, cwd=cwd, env=env or clean_env(), capture_output=True, text=True,
                       timeout=timeout, errors="replace")
    return Result(p.returncode, p.stdout, p.stderr)


class _ReferenceServer:
    """One long-lived `dump_config.py --serve` per test process."""

    def __init__(self):
        self.proc = None

    def ask(self, args, cwd):
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen([venv_python(), DUMP, "--serve"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, env=clean_env(), text=True)
            atexit.register(self.close)
        self.proc.stdin.write(json.dumps({"args": list(args), "cwd": cwd}) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        return Result(reply["code"], reply["out"], reply["err"])

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


_reference = _ReferenceServer()


def run_reference(args, cwd, env=None):
    """supervisor 4.3.0's ServerOptions on these arguments (no daemon)."""
    if env is None and "-c" in args:
        return _reference.ask(args, cwd)
    return run([venv_python(), DUMP] + list(args), cwd, env)


def run_real_supervisord(args, cwd, env=None, timeout=30):
    """The real supervisord; only for arguments it rejects (it exits at once)."""
    return run([real_supervisord()] + list(args), cwd, env, timeout=timeout)


def run_ours(args, cwd, env=None):
    return run([our_supervisord(), "--check-config"] + list(args), cwd, env)


def diff(a, b, path="$"):
    """Every path where two JSON values differ."""
    out = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append("%s.%s: %s vs %s" % (path, k, a.get(k, "<missing>"), b.get(k, "<missing>")))
            else:
                out.extend(diff(a[k], b[k], "%s.%s" % (path, k)))
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append("%s: length %d vs %d: %r vs %r" % (path, len(a), len(b), a, b))
        else:
            for i, (x, y) in enumerate(zip(a, b)):
                out.extend(diff(x, y, "%s[%d]" % (path, i)))
    elif a != b or type(a) != type(b):
        out.append("%s: %r vs %r" % (path, a, b))
    return out


def normalize_message(text, replacements):
    """Drops Python's warning lines and replaces run-specific paths."""
    lines = [
        line for line in text.splitlines()
        if "UserWarning:" not in line and not line.strip().startswith("self.warnings.warn(")
    ]
    text = "\n".join(lines)
    for old, new in sorted(replacements, key=lambda r: -len(r[0])):
        if old:
            text = text.replace(old, new)
    return text


def compare_resolved(args, cwd, env=None):
    """Asserts supervisor 4.3.0 and we resolve these arguments identically."""
    ref = run_reference(args, cwd, env)
    ours = run_ours(args, cwd, env)
    assert ref.code == 0, "supervisor 4.3.0 rejected it: %r" % ref
    assert ours.code == 0, "we rejected it: %r" % ours
    differences = diff(ref.json(), ours.json())
    assert not differences, "fields differ (supervisor vs ours):\n" + "\n".join(differences)
    return ours.json()
