"""A minimal W3C WebDriver client (stdlib only) driving Debian's chromium
through chromedriver, for the web UI's end-to-end tests.

`browser()` yields a Browser or raises Unavailable (chromium/chromedriver not
installed); chromedriver and chromium run in their own process group, killed
by pid at the end, never by name."""
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMEDRIVER_CANDIDATES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")


class Unavailable(RuntimeError):
    pass


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _find(cands):
    for c in cands:
        if os.path.exists(c):
            return c
    return None


class Browser:
    def __init__(self, base, session):
        self.base = base
        self.session = session

    def _call(self, method, path, body=None, timeout=30):
        url = f"{self.base}/session/{self.session}{path}"
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read() or b"{}").get("value")
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"webdriver {method} {path}: {e.read()[:500]!r}")

    def cdp(self, cmd, params=None):
        return self._call("POST", "/goog/cdp/execute", {"cmd": cmd, "params": params or {}})

    def basic_auth(self, username, password):
        """Sends an Authorization header with every request of the page."""
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.cdp("Network.enable")
        self.cdp("Network.setExtraHTTPHeaders", {"headers": {"Authorization": "Basic " + token}})

    def get(self, url):
        self._call("POST", "/url", {"url": url})

    @property
    def url(self):
        return self._call("GET", "/url")

    def source(self):
        return self._call("GET", "/source")

    def js(self, script, *args):
        return self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, xpath):
        """The first element matching xpath, or None."""
        found = self._call("POST", "/elements", {"using": "xpath", "value": xpath})
        if not found:
            return None
        return next(iter(found[0].values()))

    def click(self, xpath, timeout=10):
        """Finds and clicks in one script run, so a page that re-renders
        itself (the live view) cannot detach the element in between."""
        script = ("var r = document.evaluate(arguments[0], document, null, "
                  "XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;"
                  "if (!r) return false; r.click(); return true;")
        deadline = time.time() + timeout
        while not self.js(script, xpath):
            if time.time() > deadline:
                raise AssertionError(f"no element {xpath} on {self.url}")
            time.sleep(0.05)

    def text(self, xpath):
        """The element's text (found and read in one script run), or None."""
        return self.js("var r = document.evaluate(arguments[0], document, null, "
                       "XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;"
                       "return r ? r.innerText : null;", xpath)

    def wait_loaded(self, timeout=15):
        deadline = time.time() + timeout
        while self.js("return document.readyState") != "complete":
            if time.time() > deadline:
                raise AssertionError("page did not finish loading")
            time.sleep(0.05)

    def screenshot(self, path):
        png = base64.b64decode(self._call("GET", "/screenshot"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(png)

    def window_size(self, width, height):
        self._call("POST", "/window/rect", {"width": width, "height": height})


@contextlib.contextmanager
def browser():
    chromium = _find(CHROMIUM_CANDIDATES)
    driver = _find(CHROMEDRIVER_CANDIDATES) or shutil.which("chromedriver")
    if not chromium or not driver:
        raise Unavailable("Debian's chromium and chromium-driver are not installed "
                          "(.ci/run installs them; apt-get install chromium chromium-driver)")
    port = _free_port()
    profile = tempfile.mkdtemp(prefix="rsh-chrome-")
    proc = subprocess.Popen([driver, f"--port={port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    session = None
    try:
        deadline = time.time() + 20
        while True:
            try:
                with urllib.request.urlopen(base + "/status", timeout=2) as r:
                    if json.loads(r.read())["value"].get("ready"):
                        break
            except (OSError, ValueError):
                pass
            if time.time() > deadline:
                raise Unavailable("chromedriver did not start")
            time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                     "--window-size=1200,900"]}}}}
        req = urllib.request.Request(base + "/session", data=json.dumps(caps).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=60) as r:
            session = json.loads(r.read())["value"]["sessionId"]
        yield Browser(base, session)
    finally:
        if session:
            try:
                urllib.request.urlopen(urllib.request.Request(
                    f"{base}/session/{session}", method="DELETE"), timeout=10).read()
            except OSError:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
