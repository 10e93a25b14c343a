"""Log rotation through the daemon, on the real supervisord 4.3.0 and ours:
a child writes 200 MB as fast as it can into stdout_logfile with
maxbytes=10MB and backups=3. The backups from oldest to newest followed by
the live log must be an exact, contiguous suffix of what was written (byte
for byte: nothing lost or duplicated between rotations), and the two
daemons' main logs carry the same lines."""
import os

from test_lifecycle import run_both

TOTAL = 200 * 1024 * 1024
BLOCK = 64 * 1024

# Every 64 KiB block is its own number repeated, so any loss, duplication
# or reordering shows; the writer is a separate script so both daemons run
# exactly the same bytes.
WRITER = r"""
import os, sys
total, block = int(sys.argv[1]), int(sys.argv[2])
for i in range(total // block):
    stamp = b"%012d\n" % i
    os.write(1, (stamp * (block // len(stamp) + 1))[:block])
"""


def expected_stream():
    out = bytearray()
    for i in range(TOTAL // BLOCK):
        stamp = b"%012d\n" % i
        out += (stamp * (BLOCK // len(stamp) + 1))[:BLOCK]
    return bytes(out)


def test_fast_writer_rotation_keeps_a_contiguous_suffix(daemon, tmp_path):
    writer = tmp_path / "writer.py"
    writer.write_text(WRITER)
    python = os.path.join(os.environ.get("RSUP_VENV", ""), "bin", "python") \
        if os.environ.get("RSUP_VENV") else "python3"
    if not os.path.exists(python):
        python = "python3"
    expected = expected_stream()
    suffixes = {}

    conf = f"""
[program:writer]
command={python} {writer} {TOTAL} {BLOCK}
autorestart=false
startsecs=0
stdout_logfile=%(here)s/writer.log
stdout_logfile_maxbytes=10MB
stdout_logfile_backups=3
"""

    def script(d):
        log = os.path.join(d.tmp, "writer.log")
        d.wait_state("writer", "EXITED", timeout=180)
        parts = [log + ".3", log + ".2", log + ".1", log]
        assert all(os.path.exists(p) for p in parts), "three backups and the live log"
        for p in parts[:-1]:
            assert os.path.getsize(p) >= 10 * 1024 * 1024
        data = b"".join(open(p, "rb").read() for p in parts)
        assert len(data) >= 30 * 1024 * 1024
        assert expected.endswith(data), f"{d.kind}: the logs are not a contiguous suffix of the stream"
        suffixes[d.kind] = len(data)

    run_both(daemon, conf, script)
    assert set(suffixes) == {"ours", "real"}
