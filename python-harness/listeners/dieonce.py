#!/usr/bin/env python
"""An eventlistener that dies in the middle of its first event, then (after
supervisord restarts it) records like record.py.

Usage: dieonce.py MARKERFILE OUTFILE
First life: READY, reads one event header, writes it to MARKERFILE, exits 1
without answering. Later lives: record.py OUTFILE.
"""
import os
import sys

marker, out = sys.argv[1], sys.argv[2]
if not os.path.exists(marker):
    sys.stdout.write('READY\n')
    sys.stdout.flush()
    header = sys.stdin.readline()
    with open(marker, 'w') as f:
        f.write(header)
    sys.exit(1)
here = os.path.dirname(os.path.abspath(__file__))
os.execv(sys.executable, [sys.executable, os.path.join(here, 'record.py'), out])
