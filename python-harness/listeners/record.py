#!/usr/bin/env python
"""Recording eventlistener: appends every event it receives to a file, one
JSON object per line ({"headers": {...}, "payload": "..."}), then answers OK.

Usage: record.py OUTFILE [--fail-first N] [--env ENVFILE]
--env writes the SUPERVISOR_* environment variables it got as JSON first.
Uses supervisor.childutils exactly as third-party listeners do, so it checks
the protocol as real listeners see it.
"""
import json
import os
import sys

from supervisor import childutils


def main():
    out = sys.argv[1]
    fail_first = 0
    if '--fail-first' in sys.argv:
        fail_first = int(sys.argv[sys.argv.index('--fail-first') + 1])
    if '--env' in sys.argv:
        env = {k: v for k, v in os.environ.items() if k.startswith('SUPERVISOR_')}
        with open(sys.argv[sys.argv.index('--env') + 1], 'w') as f:
            json.dump(env, f)
    seen = 0
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        with open(out, 'a') as f:
            f.write(json.dumps({'headers': headers, 'payload': payload}) + '\n')
        seen += 1
        if seen <= fail_first:
            childutils.listener.fail(sys.stdout)
        else:
            childutils.listener.ok(sys.stdout)


if __name__ == '__main__':
    main()
