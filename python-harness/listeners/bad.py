#!/usr/bin/env python
"""Eventlisteners that break the protocol, for robustness tests.

Usage: bad.py MODE
  partial  -- writes half of READY\\n and then nothing
  huge     -- READY, then answers its event with RESULT 99999999999999 and
              a little data, then goes silent (stays BUSY forever)
  silent   -- never writes anything
  garbage  -- writes garbage instead of READY
  badlen   -- READY, then answers with 'RESULT two' (bad result line)
  flood    -- writes 64 MB of garbage to stdout as fast as it can
Each then sleeps, reading (and discarding) whatever it is sent.
"""
import sys
import time


def out(data):
    sys.stdout.write(data)
    sys.stdout.flush()


def main():
    mode = sys.argv[1]
    if mode == 'partial':
        out('REA')
    elif mode == 'garbage':
        out('this is not the protocol\n')
    elif mode == 'flood':
        chunk = 'x' * 65536
        for _ in range(1024):
            out(chunk)
    elif mode in ('huge', 'badlen'):
        out('READY\n')
        sys.stdin.readline()
        if mode == 'huge':
            out('RESULT 99999999999999\nOK, more to come...')
        else:
            out('RESULT two\n')
    while True:
        if not sys.stdin.read(1):
            time.sleep(1000)


if __name__ == '__main__':
    main()
