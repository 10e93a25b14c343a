"""Where the things under test live: the repo, the reference venv, our binaries."""
import os
from pathlib import Path

HARNESS = Path(__file__).resolve().parent.parent
REPO = HARNESS.parent
SCENARIO_DIR = REPO / "compat-tests" / "scenarios"


def venv_dir() -> Path:
    """The venv holding the reference supervisor 4.3.0 ($RSUP_VENV)."""
    return Path(os.environ.get("RSUP_VENV") or HARNESS / ".venv")


def bin_dir() -> Path:
    """Directory of our built binaries ($RSUP_BIN_DIR, default target/debug)."""
    return Path(os.environ.get("RSUP_BIN_DIR") or REPO / "target" / "debug")


def supervisord_path(kind: str) -> Path:
    if kind == "real":
        return venv_dir() / "bin" / "supervisord"
    if kind == "ours":
        return bin_dir() / "supervisord"
    raise ValueError(f"unknown daemon kind {kind!r} (use 'real' or 'ours')")


def python_ctl_path() -> Path:
    return venv_dir() / "bin" / "supervisorctl"


def rust_ctl_path() -> Path:
    return bin_dir() / "supervisorctl"
