#!/usr/bin/env bash
# The prepared GPU check (tools/misc/gpu_check.py): on a bare GPU machine,
# install the carried wheels (WHEELS, default .whl/) into /tmp/site first.
#
#   bash tools/gpu_check.sh [--dry-run] [--out REPORT.json] [--data-root ROOT]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-python3}
WHEELS=${WHEELS:-$ROOT/.whl}
if compgen -G "$WHEELS/*.whl" > /dev/null; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
    --upgrade --target /tmp/site "$WHEELS"/*.whl
  export PYTHONPATH=/tmp/site:$ROOT${PYTHONPATH:+:$PYTHONPATH}
fi
exec "$PY" "$ROOT/tools/misc/gpu_check.py" "$@"
