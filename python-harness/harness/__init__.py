"""Differential test harness: runs the real supervisord 4.3.0 and ours on the same
config, drives both with the stock clients, and compares normalized transcripts.

Public API (used by python-harness/tests/*):
  Daemon, start_daemon          -- one running daemon in its own temp dir
  normalize, mainlog_lines      -- masking of pids, times, paths, serials
  Transcript, scenario          -- record a scripted session, compare real vs ours
  ours_unavailable_reason       -- why our supervisord cannot be tested (or None)
"""
from .paths import REPO, HARNESS, venv_dir, bin_dir
from .daemon import Daemon, start_daemon, DaemonStartError, ours_unavailable_reason
from .normalize import normalize, mainlog_lines
from .transcript import Transcript, scenario, assert_same_transcripts

__all__ = [
    "REPO", "HARNESS", "venv_dir", "bin_dir",
    "Daemon", "start_daemon", "DaemonStartError", "ours_unavailable_reason",
    "normalize", "mainlog_lines",
    "Transcript", "scenario", "assert_same_transcripts",
]
