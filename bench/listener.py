"""Event listener for the events workload: acks every event and records its serials.

Appends "poolserial serial monotonic_time" per event to <outdir>/<process name>.txt
(line-buffered, so the record survives the listener being killed).
Usage: listener.py OUTDIR
"""
import os
import sys
import time

from supervisor import childutils


def main():
    outdir = sys.argv[1]
    name = os.environ.get("SUPERVISOR_PROCESS_NAME", str(os.getpid()))
    with open(os.path.join(outdir, name + ".txt"), "a", buffering=1) as out:
        while True:
            headers, _payload = childutils.listener.wait(sys.stdin, sys.stdout)
            out.write(f"{headers['poolserial']} {headers['serial']} {time.monotonic():.6f}\n")
            childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main()
