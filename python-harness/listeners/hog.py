#!/usr/bin/env python
"""Allocates and touches the number of MB given as argv[1], then sleeps."""
import sys
import time

blob = bytearray(int(sys.argv[1]) * 1024 * 1024)
for i in range(0, len(blob), 4096):
    blob[i] = 1
while True:
    time.sleep(1000)
