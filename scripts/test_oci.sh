#!/usr/bin/env bash
# `make test-oci`: the live OCI Generative AI test with your ~/.oci/config profile; it spends a
# few tokens. Skips, saying why, when there is no OCI config or no compartment and model to use.
set -euo pipefail
PYTEST=${1:-.venv/bin/pytest}
CONFIG=${QUIRE_TEST_OCI_CONFIG_FILE:-$HOME/.oci/config}
export QUIRE_TEST_OCI_PROFILE=${QUIRE_TEST_OCI_PROFILE:-DEFAULT}
missing=()
[ -f "$CONFIG" ] || missing+=("an OCI config file at $CONFIG (create one with \`oci setup config\`)")
[ -n "${QUIRE_TEST_OCI_COMPARTMENT:-}" ] || missing+=("QUIRE_TEST_OCI_COMPARTMENT (a compartment OCID)")
[ -n "${QUIRE_TEST_OCI_MODEL:-}" ] || missing+=("QUIRE_TEST_OCI_MODEL (e.g. cohere.command-r-08-2024)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "test-oci: SKIPPED — no OCI tenancy to test against; missing:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 0
fi
export QUIRE_TEST_OCI_CONFIG_FILE="$CONFIG"
echo "test-oci: profile [$QUIRE_TEST_OCI_PROFILE] of $CONFIG, model $QUIRE_TEST_OCI_MODEL"
exec scripts/run_tests.sh "$PYTEST" -q -rs -k live tests/providers/test_oci.py
