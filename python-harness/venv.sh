#!/usr/bin/env bash
# Creates python-harness/.venv (never committed) with the pinned reference
# supervisor 4.3.0 and the test tools, on first use or when requirements change.
# Prints the venv path on stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${RSUP_VENV:-$here/.venv}"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$stamp"; then
  echo "creating Python venv in $venv (supervisor 4.3.0 and test tools)" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
  cp "$here/requirements.txt" "$stamp"
fi
echo "$venv"
