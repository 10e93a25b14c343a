"""Malformed and unusual configs (compat-tests/config/) and command lines:
the real supervisord 4.3.0 and ours must reject the same ones with the same
message and exit code, and resolve the accepted ones identically.

Rejected cases run the real supervisord binary (it exits before starting
anything). Accepted cases are resolved with supervisor's own ServerOptions
(python-harness/dump_config.py) instead of starting the daemon."""
import os
import shutil

import pytest

import configsupport as cs


def case_paths():
    out = []
    for name in sorted(os.listdir(cs.CASES)):
        full = os.path.join(cs.CASES, name)
        if name.endswith(".conf") and os.path.isfile(full):
            out.append(name)
        elif os.path.isdir(full) and os.path.exists(os.path.join(full, "supervisord.conf")):
            out.append(name + "/supervisord.conf")
    return out


def case_header(path, key):
    with open(path, "rb") as f:
        first = f.readline().decode("utf-8", "replace").strip()
    prefix = "; %s:" % key
    return first[len(prefix):].strip() if first.startswith(prefix) else None


def stage(tmp_path, rel):
    """Copies a case (its directory, for multi-file cases) into tmp_path."""
    top = rel.split("/")[0]
    src = os.path.join(cs.CASES, top)
    if os.path.isdir(src):
        shutil.copytree(src, str(tmp_path / top))
    else:
        shutil.copy(src, str(tmp_path / top))
    return str(tmp_path / rel)


def replacements(tmp_path):
    ours, real = cs.our_supervisord(), cs.real_supervisord()
    return [
        (str(tmp_path), "<DIR>"),
        (ours, "<ARGV0>"),
        (real, "<ARGV0>"),
        (os.path.dirname(os.path.dirname(ours)), "<HERE>"),
        (os.path.dirname(os.path.dirname(real)), "<HERE>"),
    ]


def compare(args, tmp_path, cwd):
    ref = cs.run_reference(args, cwd)
    if ref.code == 0:
        return cs.compare_resolved(args, cwd)
    real = cs.run_real_supervisord(args, cwd)
    ours = cs.run_ours(args, cwd)
    assert real.code == 2, "real supervisord: %r" % real
    assert ours.code == real.code, "ours: %r\nreal: %r" % (ours, real)
    reps = replacements(tmp_path)
    want = cs.normalize_message(real.err, reps)
    got = cs.normalize_message(ours.err, reps)
    assert got == want
    return None


@pytest.mark.parametrize("rel", case_paths())
def test_config_case(rel, tmp_path):
    path = stage(tmp_path, rel)
    work = tmp_path / "cwd"
    work.mkdir()
    extra = case_header(path, "case-args")
    args = (extra.split() if extra else []) + ["-c", path]
    differs = case_header(path, "case-differs")
    if differs:
        ours = cs.run_ours(args, str(work))
        assert ours.code in (0, 2), ours
        assert "panicked" not in ours.err
        return
    compare(args, tmp_path, str(work))


def test_not_utf8_is_a_clear_error(tmp_path):
    # supervisord 4.3.0 dies with a UnicodeDecodeError traceback here; we
    # report the file instead.
    path = tmp_path / "latin1.conf"
    path.write_bytes(b"[supervisord]\nlogfile=/tmp/caf\xe9.log\n")
    ours = cs.run_ours(["-c", str(path)], str(tmp_path))
    assert ours.code == 2
    assert "is not valid UTF-8" in ours.err and str(path) in ours.err


def test_rejected_cases_are_plenty():
    names = case_paths()
    assert len([n for n in names if not n.startswith("ok-")]) >= 40


def cli_cases():
    with open(os.path.join(cs.CASES, "cli-cases.txt")) as f:
        rows = [line.split("|", 1) for line in f if "|" in line]
    return [(name.strip(), args.strip()) for name, args in rows]


@pytest.mark.parametrize("name,args", cli_cases())
def test_command_line_case(name, args, tmp_path):
    ok = tmp_path / "ok-minimal.conf"
    shutil.copy(os.path.join(cs.CASES, "ok-minimal.conf"), str(ok))
    argv = [a.replace("@OK@", str(ok)).replace("@DIR@", str(tmp_path)) for a in args.split()]
    work = tmp_path / "cwd"
    work.mkdir()
    if name == "help":
        real = cs.run_real_supervisord(argv, str(work))
        ours = cs.run([cs.our_supervisord()] + argv, str(work))
        assert real.code == ours.code == 0
        assert "-c/--configuration" in ours.out
        return
    if name == "version":
        real = cs.run_real_supervisord(argv, str(work))
        ours = cs.run([cs.our_supervisord()] + argv, str(work))
        assert (ours.code, ours.out) == (real.code, real.out)
        return
    if name == "no-config-found":
        # dump_config.py would search next to itself; ask the real one.
        real = cs.run_real_supervisord(argv, str(work))
        ours = cs.run_ours(argv, str(work))
        reps = replacements(tmp_path)
        assert (ours.code, cs.normalize_message(ours.err, reps)) == (real.code, cs.normalize_message(real.err, reps))
        return
    compare(argv, tmp_path, str(work))


def load_snippets():
    import json

    with open(os.path.join(cs.CASES, "snippets.json"), encoding="utf-8") as f:
        return json.load(f)


def stage_files(tmp_path, files):
    for rel, text in files.items():
        p = tmp_path / "case" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return str(tmp_path / "case" / "s.conf")


@pytest.mark.parametrize("name", sorted(load_snippets()))
def test_snippet(name, tmp_path):
    """Small odd configs (compat-tests/config/snippets.json): dialect corners,
    expansions in every kind of option, include quirks, odd values."""
    path = stage_files(tmp_path, load_snippets()[name])
    work = tmp_path / "cwd"
    work.mkdir()
    compare(["-c", path], tmp_path, str(work))


def supervisor_test_option_configs():
    """The config texts inside the installed supervisor's own test_options.py
    (read at test time, not copied), each given a [supervisord] section."""
    import re
    import textwrap

    import supervisor

    src_path = os.path.join(os.path.dirname(supervisor.__file__), "tests", "test_options.py")
    with open(src_path, encoding="utf-8") as f:
        src = f.read()
    out = {}
    for i, block in enumerate(re.findall(r'(?:"""|\'\'\')(.*?)(?:"""|\'\'\')', src, re.S)):
        text = textwrap.dedent(block)
        if "[" not in text or "=" not in text:
            continue
        if "[supervisord]" not in text:
            text = "[supervisord]\nlogfile=%(here)s/s.log\npidfile=%(here)s/s.pid\n" + text
        out["block%03d" % i] = text
    return out


@pytest.mark.parametrize("name", sorted(supervisor_test_option_configs()))
def test_supervisor_test_suite_config(name, tmp_path):
    path = stage_files(tmp_path, {"s.conf": supervisor_test_option_configs()[name]})
    work = tmp_path / "cwd"
    work.mkdir()
    compare(["-c", path], tmp_path, str(work))


def test_bare_program_name_found_on_path(tmp_path):
    """Run as plain `supervisord` from $PATH, 4.3.0 names (and searches
    next to) the full path it was found at; so do we."""
    for bad in (["-x"], ["-n"]):
        got = []
        for exe in (cs.real_supervisord(), cs.our_supervisord()):
            env = cs.clean_env({"PATH": os.path.dirname(exe) + ":" + os.environ.get("PATH", "/usr/bin:/bin")})
            r = cs.run(["supervisord"] + bad, str(tmp_path), env)
            got.append((r.code, cs.normalize_message(r.err, replacements(tmp_path))))
        assert got[0] == got[1]
        assert "<ARGV0>" in got[1][1]
