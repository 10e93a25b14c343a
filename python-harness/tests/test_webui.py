"""The web interface in a real browser (headless Debian chromium through
chromedriver): the same clicks against the real supervisord 4.3.0 and ours
must leave the processes in the same states, checked through XML-RPC.
Skips with a visible notice where chromium is not installed (.ci/run
installs it, so CI always runs these)."""
import os
import time

import pytest

from harness.webdriver import Unavailable, browser

ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "artifacts")
AUTH = ("webuser", "webpass")

CONF = """
[program:alpha]
command=sh -c 'echo alpha-says-hello; exec sleep 1000'
startsecs=0
[program:beta]
command=sleep 1000
startsecs=0
[group:grp]
programs=gamma
[program:gamma]
command=sleep 1000
startsecs=0
"""


@pytest.fixture
def chrome():
    try:
        with browser() as b:
            yield b
    except Unavailable as e:
        pytest.skip(f"NOTICE: browser tests skipped: {e}")


def states(d):
    return {f"{i['group']}:{i['name']}": i["statename"] for i in d.rpc.supervisor.getAllProcessInfo()}


def pids(d):
    return {f"{i['group']}:{i['name']}": i["pid"] for i in d.rpc.supervisor.getAllProcessInfo()}


def row_action(name, label):
    """The Stop/Start/... control in the row of `name`: a link on
    supervisord's page, a button on ours."""
    return (f"//tr[.//td//a[normalize-space(text())='{name}']]"
            f"//*[(self::a or self::button) and normalize-space(text())='{label}']")


def page_action(label):
    return f"//*[(self::a or self::button) and normalize-space(text())='{label}']"


def settle(d, want, timeout=15):
    d.wait_for(lambda: all(states(d)[k] == v for k, v in want.items()),
               timeout=timeout, what=f"states {want}")


def click_through(d, b):
    """Drives the page; returns the states seen after each step."""
    seen = []
    b.basic_auth(*AUTH)
    b.get(d.http_url + "/")
    b.wait_loaded()
    d.wait_stable()
    src = b.source()
    for name in ("alpha:alpha", "beta:beta", "grp:gamma"):
        short = name.split(":")[0] if name.split(":")[0] == name.split(":")[1] else name
        assert short in src, f"{short} not listed on the page"
    assert src.count("running") >= 3
    seen.append(("load", states(d)))

    b.click(row_action("alpha", "Stop"))
    settle(d, {"alpha:alpha": "STOPPED"})
    b.wait_loaded()
    assert "Process alpha stopped" in b.source()
    seen.append(("stop", states(d)))

    b.click(row_action("alpha", "Start"))
    settle(d, {"alpha:alpha": "RUNNING"})
    b.wait_loaded()
    assert "Process alpha started" in b.source()
    seen.append(("start", states(d)))

    before = pids(d)["alpha:alpha"]
    b.click(row_action("alpha", "Restart"))
    d.wait_for(lambda: pids(d)["alpha:alpha"] not in (0, before), what="alpha restarted")
    settle(d, {"alpha:alpha": "RUNNING"})
    b.wait_loaded()
    assert "Process alpha restarted" in b.source()
    seen.append(("restart", states(d)))

    d.wait_log("alpha", "alpha-says-hello")
    b.click(row_action("alpha", "Clear Log"))
    d.wait_for(lambda: d.rpc.supervisor.readProcessStdoutLog("alpha", 0, 0) == "", what="log cleared")
    b.wait_loaded()
    assert "Log for alpha cleared" in b.source()
    seen.append(("clear", states(d)))

    # Tail: the name links to tail.html for the process.
    d.rpc.supervisor.stopProcess("beta")
    d.rpc.supervisor.startProcess("beta")
    b.get(d.http_url + "/tail.html?processname=alpha")
    b.wait_loaded()
    assert "Supervisor tail of process alpha" in b.source()
    b.get(d.http_url + "/")
    b.wait_loaded()

    old = pids(d)
    b.click(page_action("Restart All"))
    d.wait_for(lambda: all(p not in (0, old[k]) for k, p in pids(d).items()), timeout=20,
               what="all restarted")
    settle(d, {k: "RUNNING" for k in old})
    b.wait_loaded()
    assert "All restarted at" in b.source()
    seen.append(("restartall", states(d)))

    b.click(page_action("Stop All"))
    settle(d, {k: "STOPPED" for k in old})
    b.wait_loaded()
    assert "All stopped at" in b.source()
    seen.append(("stopall", states(d)))
    return seen


def test_same_clicks_same_states(daemon, chrome):
    results = {}
    for kind in ("real", "ours"):
        d = daemon(kind, CONF, inet=True, auth=AUTH)
        results[kind] = click_through(d, chrome)
        chrome.get(d.http_url + "/")
        chrome.wait_loaded()
        chrome.screenshot(os.path.join(ARTIFACTS, f"webui-{kind}.png"))
    assert results["ours"] == results["real"]


def test_requires_auth(daemon, kind):
    d = daemon(kind, CONF, inet=True, auth=AUTH)
    for path in ("/", "/index.html", "/tail.html?processname=alpha"):
        status, _, _ = d.raw_http("GET", path, via="http")
        assert status == 401, path
    status, _, _ = d.raw_http("GET", "/", via="http", headers=d.auth_header("webuser", "wrong"))
    assert status == 401
    status, _, body = d.raw_http("GET", "/", via="http", headers=d.auth_header())
    assert status == 200 and b"alpha" in body


def test_plain_page_load_changes_nothing(daemon):
    d = daemon("ours", CONF, inet=True, auth=AUTH)
    d.wait_stable()
    before = pids(d)
    for path in ("/", "/index.html", "/index.html?processname=alpha", "/tail.html?processname=alpha"):
        status, _, _ = d.raw_http("GET", path, via="http", headers=d.auth_header())
        assert status == 200
    assert pids(d) == before


def test_html_in_names_is_escaped(daemon, chrome):
    conf = "[program:<script>]\ncommand=sleep 1000\nstartsecs=0\n"
    d = daemon("ours", conf, inet=True, auth=AUTH)
    d.wait_stable()
    status, _, body = d.raw_http("GET", "/", via="http", headers=d.auth_header())
    assert status == 200
    assert b"&lt;script&gt;" in body and b"<script>" not in body
    chrome.basic_auth(*AUTH)
    chrome.get(d.http_url + "/")
    chrome.wait_loaded()
    # Only our own script tag exists; the name is shown as text.
    assert chrome.js("return document.querySelectorAll('script').length") == 1
    assert "<script>" in chrome.js("return document.getElementById('statustable').innerText")
    chrome.get(d.http_url + "/tail.html?processname=%3Cscript%3E")
    chrome.wait_loaded()
    assert chrome.js("return document.querySelectorAll('script').length") == 1


def test_live_view_shows_changes_without_reload(daemon, chrome):
    d = daemon("ours", CONF, inet=True, auth=AUTH)
    d.wait_stable()
    chrome.basic_auth(*AUTH)
    chrome.get(d.http_url + "/")
    chrome.wait_loaded()
    deadline = time.time() + 10
    while chrome.js("return document.getElementById('live').className") != "live-on":
        assert time.time() < deadline, "live stream did not connect"
        time.sleep(0.05)
    chrome.js("window.__noReload = 1")
    d.rpc.supervisor.stopProcess("beta")
    t0 = time.time()
    xpath = "//tr[.//td//a[normalize-space(text())='beta']]//td[@class='status']"
    while (chrome.text(xpath) or "").strip() != "stopped":
        assert time.time() - t0 < 1.0, "the state change did not show within a second"
        time.sleep(0.02)
    assert chrome.js("return window.__noReload") == 1, "the page reloaded"
    chrome.window_size(390, 844)  # a phone
    chrome.screenshot(os.path.join(ARTIFACTS, "webui-ours-phone.png"))
