"""A raw XML-RPC-over-HTTP client for the daemon's unix socket.

Timed calls send prebuilt request bytes and read the whole response (honouring
Content-Length, chunked encoding or close-delimited bodies) without parsing the
XML, so the client adds as little as possible to what is measured. `call()`
parses with xmlrpc.client for the untimed bookkeeping calls.
"""
import socket
import time
import xmlrpc.client
from xml.sax.saxutils import escape


class RpcError(Exception):
    pass


def _param(value):
    if isinstance(value, bool):
        return f"<param><value><boolean>{int(value)}</boolean></value></param>"
    if isinstance(value, int):
        return f"<param><value><int>{value}</int></value></param>"
    return f"<param><value><string>{escape(str(value))}</string></value></param>"


def build_request(method, *params):
    body = ("<?xml version='1.0'?>\n<methodCall>\n<methodName>%s</methodName>\n<params>\n%s\n"
            "</params>\n</methodCall>\n" % (method, "\n".join(_param(p) for p in params))).encode()
    head = ("POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: rsup-bench\r\n"
            "Content-Type: text/xml\r\nContent-Length: %d\r\n\r\n" % len(body)).encode()
    return head + body


class RawConnection:
    """One keep-alive HTTP connection to a unix socket; reconnects when the server closes."""

    def __init__(self, path, timeout=60.0):
        self.path = path
        self.timeout = timeout
        self.sock = None
        self.buf = bytearray(1 << 18)

    def _connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.path)
        self.sock = s

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None

    def shutdown(self):
        s = self.sock
        if s is not None:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def request(self, req):
        """Send prebuilt request bytes; return the response body (bytes)."""
        if self.sock is None:
            self._connect()
        try:
            self.sock.sendall(req)
            return self._read_response()
        except (BrokenPipeError, ConnectionResetError, _Closed):
            # the server closed an idle keep-alive connection: retry once afresh
            self.close()
            self._connect()
            self.sock.sendall(req)
            return self._read_response()

    def _recv(self):
        n = self.sock.recv_into(self.buf)
        if n == 0:
            raise _Closed()
        return self.buf[:n]

    def _read_response(self):
        data = bytearray()
        while True:
            end = data.find(b"\r\n\r\n")
            if end >= 0:
                break
            try:
                data += self._recv()
            except _Closed:
                if data:
                    raise RpcError("connection closed inside response headers")
                raise
            if len(data) > 1 << 20:
                raise RpcError("response headers too long")
        head = bytes(data[:end]).decode("latin-1").split("\r\n")
        rest = data[end + 4:]
        status = head[0].split(" ", 2)
        if len(status) < 2 or status[1] != "200":
            self.close()
            raise RpcError("HTTP status: " + head[0])
        headers = {}
        for line in head[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        close_after = headers.get("connection", "").lower() == "close"
        if "content-length" in headers:
            length = int(headers["content-length"])
            while len(rest) < length:
                rest += self._recv()
            body = bytes(rest[:length])
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._read_chunked(rest)
        else:
            try:
                while True:
                    rest += self._recv()
            except _Closed:
                pass
            body = bytes(rest)
            close_after = True
        if close_after:
            self.close()
        return body

    def _read_chunked(self, rest):
        out = bytearray()
        while True:
            while b"\r\n" not in rest:
                rest += self._recv()
            line, _, rest = bytes(rest).partition(b"\r\n")
            rest = bytearray(rest)
            size = int(line.split(b";")[0], 16)
            while len(rest) < size + 2:
                rest += self._recv()
            out += rest[:size]
            rest = rest[size + 2:]
            if size == 0:
                return bytes(out)

    def timed(self, req):
        """(seconds, body_length) for one prebuilt request."""
        t = time.perf_counter()
        body = self.request(req)
        return time.perf_counter() - t, len(body)

    def call(self, method, *params):
        """An ordinary parsed call; raises xmlrpc.client.Fault on faults."""
        body = self.request(build_request(method, *params))
        result, _ = xmlrpc.client.loads(body)
        return result[0]


class _Closed(Exception):
    pass


def call(path, method, *params, timeout=60.0):
    conn = RawConnection(path, timeout)
    try:
        return conn.call(method, *params)
    finally:
        conn.close()
