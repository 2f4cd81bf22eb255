#!/usr/bin/env bash
# The Python environment Microsoft's Graph SDK runs in, for the schema check
# (scripts/graph-schema-check.sh) and the SDK judge test (tests/it/sdk_judge.rs, tests/sdk/judge.py).
# Creates /tmp/graphcheck (or $ATLAS_SDK_VENV) with pinned packages; does nothing when they are
# already there. Needs python3 with venv and access to PyPI.
set -euo pipefail
venv="${ATLAS_SDK_VENV:-/tmp/graphcheck}"
# msgraph-core's batch support imports `deprecated` without declaring it.
packages=(msgraph-beta-sdk==1.66.0 msgraph-core==1.5.2 azure-identity==1.27.0 Deprecated==1.2.18)
probe='import msgraph_beta, msgraph_core.requests.batch_request_builder, azure.identity'
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$probe" 2>/dev/null; then
  installed=$("$venv/bin/pip" freeze 2>/dev/null || true)
  missing=0
  for p in "${packages[@]}"; do grep -qix -- "$p" <<<"$installed" || missing=1; done
  [ "$missing" = 0 ] && exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "${packages[@]}"
"$venv/bin/python" -c "$probe"
echo "python environment ready: $venv"
