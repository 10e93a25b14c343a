"""Bad and hostile input over raw sockets: malformed XML, non-UTF-8, a huge body,
dropped connections, a slow client, 200+ concurrent connections. Both daemons
must answer cleanly and stay up with their processes untouched. Where
supervisord 4.3.0 has a plain bug (observed.md: HTTP 500, a hang, a dropped
connection) only ours is checked, for the sane behaviour."""
import socket
import threading
import time
import xmlrpc.client

import pytest

CONF = """
[program:a]
command=sleep 1000
startsecs=0

[program:bin]
command=sh -c 'printf "ok \\377\\376 caf\\303\\251\\n"; exec sleep 1000'
startsecs=0
"""

AUTH = ("user", "pw")


def call_body(method, *params):
    return xmlrpc.client.dumps(params, method).encode()


GET_STATE = call_body("supervisor.getState")


def connect(d, via, timeout=10):
    if via == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(d.sock)
    else:
        s = socket.create_connection(("127.0.0.1", d.port), timeout=timeout)
    return s


def request_bytes(d, body, path="/RPC2", auth=True, content_length=None, extra=b""):
    head = [f"POST {path} HTTP/1.1", "Host: localhost", "Content-Type: text/xml",
            f"Content-Length: {len(body) if content_length is None else content_length}"]
    if auth:
        head.append("Authorization: " + d.auth_header()["Authorization"])
    return ("\r\n".join(head) + "\r\n").encode() + extra + b"\r\n" + body


def read_response(s):
    """Read one HTTP response (up to Content-Length or EOF); returns (status, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    if b"\r\n\r\n" not in data:
        return None, data
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = None
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v.strip())
    while length is not None and len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, body


def roundtrip(d, raw, via="http", timeout=10):
    with connect(d, via, timeout) as s:
        s.sendall(raw)
        return read_response(s)


def assert_unaffected(d, pids_before):
    """The daemon still answers and its processes were not restarted."""
    assert d.alive(), f"[{d.kind}] daemon died"
    p = d.proxy(timeout=10)
    assert p.supervisor.getState()["statename"] == "RUNNING"
    assert {i["name"]: i["pid"] for i in p.supervisor.getAllProcessInfo()} == pids_before


def start(daemon, kind):
    d = daemon(kind, CONF, inet=True, auth=AUTH)
    d.wait_state("a", "RUNNING")
    d.wait_state("bin", "RUNNING")
    pids = {i["name"]: i["pid"] for i in d.rpc.supervisor.getAllProcessInfo()}
    return d, pids


def ours_only(kind, why):
    if kind != "ours":
        pytest.skip(f"supervisord 4.3.0 bug, not copied ({why}); checked on ours only")


@pytest.mark.parametrize("via", ["http", "unix"])
def test_malformed_xml_is_400(daemon, kind, via):
    d, pids = start(daemon, kind)
    for body in [b"<not xml", b"<methodCall><methodName>x</methodName>",
                 b"plain text", b"<?xml version='1.0'?><methodCall></methodCall>junk<"]:
        status, _ = roundtrip(d, request_bytes(d, body), via)
        assert status == 400, f"[{kind}] {body!r} answered {status}"
    assert_unaffected(d, pids)


def test_unknown_paths_and_methods(daemon, kind):
    d, pids = start(daemon, kind)
    got = {}
    for method, path in [("GET", "/RPC2"), ("PUT", "/RPC2"), ("POST", "/nope"),
                         ("GET", "/logtail/nope/stdout")]:
        status, _, _ = d.raw_http(method, path, GET_STATE if method != "GET" else None,
                                  d.auth_header(), via="http")
        got[(method, path)] = status
    assert got == {("GET", "/RPC2"): 400, ("PUT", "/RPC2"): 400, ("POST", "/nope"): 400,
                   ("GET", "/logtail/nope/stdout"): 404}, f"[{kind}] {got}"
    assert_unaffected(d, pids)


def test_non_utf8_body(daemon, kind):
    d, pids = start(daemon, kind)
    body = ("<?xml version='1.0'?><methodCall><methodName>supervisor.getState</methodName>"
            "<params><param><value><string>\xff\xfe</string></value></param></params>"
            "</methodCall>").encode("latin-1")
    try:
        status, data = roundtrip(d, request_bytes(d, body))
    except (ConnectionError, socket.timeout):
        status, data = None, b""
    if kind == "ours":
        # supervisord 4.3.0 drops the connection without an answer; ours must answer
        # with a clean error: HTTP 400, or an XML-RPC fault
        assert status is not None, "ours dropped the connection without an answer"
        if status == 200:
            with pytest.raises(xmlrpc.client.Fault):
                xmlrpc.client.loads(data)
        else:
            assert 400 <= status < 500, status
    assert_unaffected(d, pids)


def test_huge_body(daemon, kind):
    d, pids = start(daemon, kind)
    # 32 MiB for ours; supervisord 4.3.0 needs ~90 s for that much, so it gets 1 MiB
    size = 32 * 1024 * 1024 if kind == "ours" else 1024 * 1024
    filler = b"<!--" + b"x" * size + b"-->"
    body = b"<?xml version='1.0'?>" + filler + b"<methodCall><methodName>supervisor.getState" \
        b"</methodName><params></params></methodCall>"
    raw = request_bytes(d, body)
    t0 = time.monotonic()
    # send from a thread and read at the same time: a server may answer (413)
    # before the body is all sent, and that answer must still be readable
    s = connect(d, "http", 60)

    def send_all():
        try:
            s.sendall(raw)
        except OSError:
            pass
    th = threading.Thread(target=send_all)
    th.start()
    try:
        status, _ = read_response(s)
    except (ConnectionError, socket.timeout):
        status = None
    th.join(60)
    s.close()
    elapsed = time.monotonic() - t0
    if kind == "ours":
        # ours may refuse (413/400) or parse it, but must answer, and promptly
        assert status is not None, "ours dropped a 32 MiB request without an answer"
        assert status in (200, 400, 413), status
        assert elapsed < 30, f"ours took {elapsed:.1f}s on a 32 MiB body"
    assert_unaffected(d, pids)


def test_absurd_content_length(daemon, kind):
    ours_only(kind, "supervisord waits for 10 GB that never come")
    d, pids = start(daemon, kind)
    with connect(d, "http", 10) as s:
        s.sendall(request_bytes(d, b"<x/>", content_length=10 * 1024 ** 3))
        status, _ = read_response(s)
    assert status is not None and 400 <= status < 500, status
    assert_unaffected(d, pids)


@pytest.mark.parametrize("via", ["http", "unix"])
def test_dropped_connections(daemon, kind, via):
    d, pids = start(daemon, kind)
    raw = request_bytes(d, GET_STATE)
    for cut in [0, 10, len(raw) // 2, len(raw) - 5]:
        for _ in range(5):
            s = connect(d, via)
            s.sendall(raw[:cut])
            s.close()
    # a connection reset (RST) mid-body
    s = connect(d, via)
    s.sendall(raw[:len(raw) - 5])
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()
    # a client that sends a whole request and leaves before the answer
    for _ in range(5):
        s = connect(d, via)
        s.sendall(request_bytes(d, call_body("supervisor.getAllProcessInfo")))
        s.close()
    assert_unaffected(d, pids)


def test_slow_client_does_not_block_others(daemon, kind):
    d, pids = start(daemon, kind)
    raw = request_bytes(d, GET_STATE)
    slow = connect(d, "http", 20)
    result = {}

    def dribble():
        step = max(1, len(raw) // 20)
        for i in range(0, len(raw), step):
            slow.sendall(raw[i:i + step])
            time.sleep(0.1)
        result["slow"] = read_response(slow)

    th = threading.Thread(target=dribble)
    th.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    for _ in range(3):
        assert d.proxy(timeout=5).supervisor.getState()["statename"] == "RUNNING"
    fast = time.monotonic() - t0
    th.join(30)
    slow.close()
    assert fast < 1.5, f"[{kind}] other clients waited {fast:.1f}s behind a slow one"
    status, body = result["slow"]
    assert status == 200
    assert xmlrpc.client.loads(body)[0][0]["statename"] == "RUNNING"
    assert_unaffected(d, pids)


@pytest.mark.parametrize("via", ["http", "unix"])
def test_many_concurrent_connections(daemon, kind, via):
    d, pids = start(daemon, kind)
    raw = request_bytes(d, GET_STATE)
    socks = []
    try:
        for _ in range(220):
            socks.append(connect(d, via, 30))
        # all connected and idle; a normal client still gets through
        assert d.proxy(timeout=10).supervisor.getState()["statecode"] == 1
        for s in socks:
            s.sendall(raw)
        answers = [read_response(s) for s in socks]
    finally:
        for s in socks:
            s.close()
    bad = [a for a in answers if a[0] != 200
           or xmlrpc.client.loads(a[1])[0][0]["statename"] != "RUNNING"]
    assert not bad, f"[{kind}] {len(bad)} of {len(answers)} answers bad, e.g. {bad[0]!r:.200}"
    assert_unaffected(d, pids)


def test_empty_post_body(daemon, kind):
    ours_only(kind, "an empty POST body hangs the request forever")
    d, pids = start(daemon, kind)
    status, body = roundtrip(d, request_bytes(d, b""), timeout=5)
    assert status is not None
    if status == 200:
        with pytest.raises(xmlrpc.client.Fault):
            xmlrpc.client.loads(body)
    else:
        assert 400 <= status < 500, status
    assert_unaffected(d, pids)


def test_non_string_process_name(daemon, kind):
    ours_only(kind, "HTTP 500 for a non-string process name")
    d, pids = start(daemon, kind)
    for method, params in [("supervisor.getProcessInfo", (1,)),
                           ("supervisor.startProcess", ([],)),
                           ("supervisor.stopProcessGroup", ({},)),
                           ("supervisor.readProcessStdoutLog", (1, 0, 0)),
                           ("supervisor.signalProcess", (1.5, "HUP")),
                           ("supervisor.signalProcess", ("a", [])),
                           ("supervisor.readLog", ("x", 0)),
                           ("system.multicall", (["not a struct"],)),
                           ("system.multicall", ("x",)),
                           ("system.methodHelp", (1,))]:
        try:
            answer = d.rpc._ServerProxy__request(method, params)
        except xmlrpc.client.Fault as e:
            assert e.faultCode in (2, 3, 4, 10, 11), (method, params, e)
        else:
            # a multicall may report the bad call inside its result array instead
            per_call = (method == "system.multicall" and isinstance(answer, list)
                        and all(isinstance(r, dict) and r.get("faultCode") == 2 for r in answer))
            assert per_call, f"ours answered {method}{params!r} with {answer!r:.200}, not a fault"
    assert_unaffected(d, pids)


def test_undecodable_log_bytes(daemon, kind):
    ours_only(kind, "HTTP 500 when a log read hits undecodable bytes or cuts a character")
    d, pids = start(daemon, kind)
    d.wait_for(lambda: len(d.rpc.supervisor.tailProcessStdoutLog("bin", 0, 100)[0]) > 0
               or None, what="bin's output")
    whole = d.rpc.supervisor.readProcessStdoutLog("bin", 0, 0)
    assert whole.startswith("ok ") and whole.endswith("caf\u00e9\n"), repr(whole)
    # a read that cuts the two-byte "é" in half
    cut = d.rpc.supervisor.readProcessStdoutLog("bin", 0, 11)
    assert isinstance(cut, str) and cut.startswith("ok ")
    assert isinstance(d.rpc.supervisor.tailProcessStdoutLog("bin", 0, 2)[0], str)
    assert_unaffected(d, pids)


def test_malformed_authorization(daemon, kind):
    ours_only(kind, "HTTP 500 for an Authorization header that is not base64 'user:pass'")
    d, pids = start(daemon, kind)
    for value in ["Basic !!!", "Basic dXNlcg==", "Basic", "Basic " + "A" * 10000]:
        status, _, _ = d.raw_http("POST", "/RPC2", GET_STATE, {"Authorization": value}, via="http")
        assert status == 401, (value[:40], status)
    assert_unaffected(d, pids)
