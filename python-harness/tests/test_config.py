"""Our `supervisord --check-config` resolves configs exactly as supervisor
4.3.0's ServerOptions does: every field of the resolved config is compared
(python-harness/dump_config.py prints supervisor's view in our JSON shape)."""
import glob
import os
import shutil

import pytest

import configsupport as cs


def supervisor_package_dir():
    import supervisor

    return os.path.dirname(os.path.abspath(supervisor.__file__))


def fixture_configs():
    fixtures = os.path.join(supervisor_package_dir(), "tests", "fixtures")
    return sorted(glob.glob(os.path.join(fixtures, "*.conf")) + glob.glob(os.path.join(fixtures, "*", "*.conf")))


def test_sample_conf_from_the_installed_package(tmp_path):
    sample = os.path.join(supervisor_package_dir(), "skel", "sample.conf")
    cs.compare_resolved(["-c", sample], str(tmp_path))


@pytest.mark.parametrize("path", fixture_configs(), ids=os.path.basename)
def test_fixture_configs_of_the_installed_package(path, tmp_path):
    ref = cs.run_reference(["-c", path], str(tmp_path))
    ours = cs.run_ours(["-c", path], str(tmp_path))
    if ref.code != 0 and ours.code != 0:
        pytest.skip("neither loads it: %s" % ref.err.strip().splitlines()[0])
    cs.compare_resolved(["-c", path], str(tmp_path))


def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_tutorial_node_program(tmp_path):
    shutil.copytree(os.path.join(cs.CASES, "tutorial"), str(tmp_path / "t"))
    got = cs.compare_resolved(["-c", str(tmp_path / "t" / "supervisord.conf")], str(tmp_path))
    (group,) = got["groups"]
    (proc,) = group["processes"]
    assert proc["command"] == "node server.js"
    assert proc["directory"] == str(tmp_path / "t" / "server")
    assert proc["stdout"]["logfile"] == {"file": str(tmp_path / "t" / "node-server.log")}
    assert proc["serverurl"] == "unix://" + str(tmp_path / "t" / "supervisor.sock")


def test_laravel_queue_worker(tmp_path):
    shutil.copytree(os.path.join(cs.CASES, "laravel"), str(tmp_path / "l"))
    got = cs.compare_resolved(["-c", str(tmp_path / "l" / "supervisord.conf")], str(tmp_path))
    (group,) = got["groups"]
    names = [p["name"] for p in group["processes"]]
    assert names == ["laravel-worker_%02d" % i for i in range(8)]
    first = group["processes"][0]
    assert first["stopwaitsecs"] == 3600 and first["redirect_stderr"] is True
    assert first["stderr"]["logfile"] == "none"
    assert first["user"] == "daemon" and first["uid"] == 1
    assert first["serverurl"] == "http://127.0.0.1:9001"


def test_includes(tmp_path):
    shutil.copytree(os.path.join(cs.CASES, "includes"), str(tmp_path / "i"))
    got = cs.compare_resolved(["-c", str(tmp_path / "i" / "supervisord.conf")], str(tmp_path))
    names = sorted(g["name"] for g in got["groups"])
    assert names == ["pair", "watch"]
    assert any("No file matches via include" in w for w in got["warnings"])


def test_groups_listeners_and_ordering(tmp_path):
    path = shutil.copy(os.path.join(cs.CASES, "ok-group-ordering.conf"), str(tmp_path))
    got = cs.compare_resolved(["-c", path], str(tmp_path))
    assert [g["name"] for g in got["groups"]][0] == "e"  # listeners default to priority -1


def test_fcgi_programs(tmp_path):
    path = shutil.copy(os.path.join(cs.CASES, "ok-fcgi.conf"), str(tmp_path))
    got = cs.compare_resolved(["-c", path], str(tmp_path))
    kinds = {g["name"]: g["kind"] for g in got["groups"]}
    assert kinds["php"]["socket"]["url"] == "tcp://localhost:9100"


def test_eventlistener_fixture_style(tmp_path):
    path = write(tmp_path, "s.conf", """
[supervisord]
logfile=%(here)s/s.log

[eventlistener:mem]
command=python -u memmon.py -p program=200MB
events=TICK_60,PROCESS_STATE_EXITED , process_state_fatal
buffer_size=50
priority=5
stdout_logfile=NONE
stderr_logfile=%(here)s/%(program_name)s.err

[eventlistener:crash]
command=crashmail -a -m root@localhost
events=PROCESS_STATE
process_name=crash_%(process_num)s
numprocs=2
""")
    got = cs.compare_resolved(["-c", path], str(tmp_path))
    assert got["groups"][0]["kind"]["events"] == ["PROCESS_STATE"]


def test_repo_example_config(tmp_path):
    cs.compare_resolved(["-c", os.path.join(cs.REPO, "etc", "supervisord.conf")], str(tmp_path))


def test_echo_supervisord_conf_output(tmp_path):
    out = cs.run([cs.our_echo_conf()], str(tmp_path))
    assert out.code == 0
    path = write(tmp_path, "sample.conf", out.out)
    got = cs.compare_resolved(["-c", path], str(tmp_path))
    # Every kind of section is in the sample and active.
    for section in ("[unix_http_server]", "[inet_http_server]", "[supervisord]", "[supervisorctl]",
                    "[rpcinterface:supervisor]", "[include]"):
        assert section in out.out, section
    for marker in (";[program:", ";[eventlistener:", ";[fcgi-program:", ";[group:"):
        assert marker in out.out, marker
    assert got["unix_http_server"] is not None


def test_echo_sample_with_every_section_enabled(tmp_path):
    """Uncommenting every section and option of the sample still gives a
    config both parsers accept and resolve identically."""
    out = cs.run([cs.our_echo_conf()], str(tmp_path))
    lines = []
    for line in out.out.splitlines():
        if line.startswith(";[") or (line.startswith(";") and "=" in line and not line.startswith("; ")):
            line = line[1:]
        lines.append(line)
    text = "\n".join(lines).replace("/tmp/", str(tmp_path) + "/")
    path = write(tmp_path, "all.conf", text)
    (tmp_path / "conf.d").mkdir()
    got = cs.compare_resolved(["-c", path], str(tmp_path))
    kinds = sorted({g["kind"]["type"] for g in got["groups"]})
    assert kinds == ["event_listener_pool", "fcgi", "programs"]


@pytest.mark.parametrize("args", [
    ["-n", "-s", "-k", "-t"],
    ["-e", "debug", "-i", "other", "-m", "007", "-a", "64", "--minprocs", "9", "-y", "5KB", "-z", "2"],
    ["-u", "daemon", "--loglevel=blather", "--identif", "x"],
    ["-l", "syslog"],
])
def test_command_line_overrides(args, tmp_path):
    path = shutil.copy(os.path.join(cs.CASES, "ok-values.conf"), str(tmp_path))
    cs.compare_resolved(args + ["-c", path], str(tmp_path))


def test_relative_config_path_and_defaults(tmp_path):
    write(tmp_path, "sub/rel.conf", "[supervisord]\n[program:p]\ncommand=cat\n[inet_http_server]\nport=9003\n")
    got = cs.compare_resolved(["-c", "sub/rel.conf"], str(tmp_path))
    assert got["daemon"]["logfile"] == {"file": str(tmp_path / "supervisord.log")}
    assert got["groups"][0]["processes"][0]["serverurl"] == "http://localhost:9003"


def test_supervisord_environment_reaches_programs(tmp_path):
    path = write(tmp_path, "e.conf", """
[supervisord]
environment=A="1",B='two words',C=x
[program:p]
command=echo %(ENV_A)s %(ENV_B)s
environment=C=override,D=%(ENV_C)s
""")
    got = cs.compare_resolved(["-c", path], str(tmp_path))
    env = got["groups"][0]["processes"][0]["environment"]
    assert env == [["A", "1"], ["B", "two words"], ["C", "override"], ["D", "x"]]
