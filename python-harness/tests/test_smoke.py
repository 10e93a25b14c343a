"""Smoke test: the reference supervisor 4.3.0 is importable from the venv."""
import supervisor


def test_reference_supervisor_is_pinned():
    import importlib.metadata
    assert importlib.metadata.version("supervisor") == "4.3.0"
