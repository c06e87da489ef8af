#!/usr/bin/env bash
# `make test-oracle`: the store contract suite and the sync tests against a real Oracle Database
# 23ai Free in a throwaway container, once with an HNSW and once with an IVF vector index, Oracle
# Text required. gvenzl/oracle-free:23 is the regular image: it keeps Oracle Text (the small one does not).
# Skips, saying why, where neither docker nor podman can run a container.
set -euo pipefail
PYTEST=${1:-.venv/bin/pytest}
IMAGE=${QUIRE_ORACLE_IMAGE:-gvenzl/oracle-free:23}
PORT=${QUIRE_ORACLE_PORT:-1521}
NAME=quire-oracle-test-$$
SYS_PASSWORD=QuireSys_$$
APP_PASSWORD=QuireApp_$$
READY_S=${QUIRE_ORACLE_READY_S:-900}

runtime=""
for candidate in docker podman; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" info >/dev/null 2>&1; then
    runtime=$candidate
    break
  fi
done
if [ -z "$runtime" ]; then
  why="neither docker nor podman is installed"
  if command -v docker >/dev/null 2>&1 || command -v podman >/dev/null 2>&1; then
    why="docker/podman is installed but cannot run containers here (is its daemon or socket up?)"
  fi
  echo "test-oracle: SKIPPED — $why, so no Oracle Database 23ai container can be started." >&2
  echo "test-oracle: against a database of your own instead: QUIRE_TEST_ORACLE_DSN=host:1521/FREEPDB1" \
    "QUIRE_TEST_ORACLE_USER=… QUIRE_TEST_ORACLE_PASSWORD=… $PYTEST -k oracle tests/stores" >&2
  exit 0
fi

cleanup() { "$runtime" rm -f "$NAME" >/dev/null 2>&1 || true; }
trap cleanup EXIT INT TERM

sql_as_sysdba() { "$runtime" exec -i "$NAME" sqlplus -s / as sysdba; }

wait_ready() {
  local waited=0
  until "$runtime" exec "$NAME" healthcheck.sh >/dev/null 2>&1; do
    if [ "$("$runtime" inspect -f '{{.State.Running}}' "$NAME" 2>/dev/null)" != "true" ]; then
      echo "test-oracle: the container stopped while starting:" >&2
      "$runtime" logs --tail 40 "$NAME" >&2 || true
      exit 1
    fi
    if [ "$waited" -ge "$READY_S" ]; then
      echo "test-oracle: the database was not ready after ${READY_S} s" >&2
      "$runtime" logs --tail 40 "$NAME" >&2 || true
      exit 1
    fi
    sleep 5
    waited=$((waited + 5))
  done
  echo "test-oracle: database ready after ${waited} s"
}

echo "test-oracle: starting $IMAGE with $runtime on 127.0.0.1:$PORT"
"$runtime" run -d --name "$NAME" -p "127.0.0.1:$PORT:1521" \
  -e ORACLE_PASSWORD="$SYS_PASSWORD" -e APP_USER=quire -e APP_USER_PASSWORD="$APP_PASSWORD" "$IMAGE" >/dev/null
wait_ready

# The vector pool for HNSW is sized in CDB$ROOT (a PDB's VECTOR_MEMORY_SIZE is only its share).
if ! printf 'WHENEVER SQLERROR EXIT 1\nALTER SYSTEM SET vector_memory_size=512M SCOPE=BOTH;\nexit\n' | sql_as_sysdba; then
  echo "test-oracle: VECTOR_MEMORY_SIZE is not dynamic here; setting it in the spfile and restarting"
  printf 'WHENEVER SQLERROR EXIT 1\nALTER SYSTEM SET vector_memory_size=512M SCOPE=SPFILE;\nexit\n' | sql_as_sysdba
  "$runtime" restart "$NAME" >/dev/null
  wait_ready
fi

export QUIRE_TEST_ORACLE_DSN="localhost:$PORT/FREEPDB1"
export QUIRE_TEST_ORACLE_USER=quire QUIRE_TEST_ORACLE_PASSWORD="$APP_PASSWORD"
export QUIRE_TEST_ORACLE_REQUIRE_TEXT=1
status=0
for kind in hnsw ivf; do
  echo "test-oracle: store contract and sync tests with an ${kind^^} vector index"
  QUIRE_TEST_ORACLE_VECTOR_INDEX=$kind scripts/run_tests.sh "$PYTEST" -q -rs -k oracle tests/stores || status=1
done
exit $status
