#!/usr/bin/env bash
# Schemathesis against the running server's /openapi.json: every operation,
# positive and negative (out-of-spec) inputs, every check. Fails on any
# finding. Run it alone with `scripts/schemathesis.sh`; `.ci/run` calls it
# after the Rust tests with NEXTARGET_BIN set to the binary they built.
#
#   NEXTARGET_BIN               binary to run (default: `cargo build` it)
#   CARGO_TARGET_DIR            where that build, and the venv, go (default target)
#   SCHEMATHESIS_SEED           default 20261125
#   SCHEMATHESIS_MAX_EXAMPLES   per operation and phase, default 200
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

SCHEMATHESIS_VERSION=4.32.5
SEED=${SCHEMATHESIS_SEED:-20261125}
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-200}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
VENV=$TARGET_DIR/schemathesis-venv
WORK=$(mktemp -d)
SERVER_PID=
GRAPH_PID=

cleanup() {
  for pid in "$SERVER_PID" "$GRAPH_PID"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"; then
  echo "schemathesis: installing schemathesis==$SCHEMATHESIS_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

BIN=${NEXTARGET_BIN:-}
if [ -z "$BIN" ]; then
  cargo build --bin nextarget
  BIN=$TARGET_DIR/debug/nextarget
fi

# A fresh SQLite database, the fake LLM, any free port. The AI budget and
# the failed-login threshold are raised so that 429s (documented, and tested
# in tests/ai and tests/auth) do not crowd out every other answer of the run.
# Google, Facebook and Apple are configured (their endpoints pointing at a
# closed local port, never reached by a fuzzer, which cannot forge a `state`
# or a signed id_token; Apple signs its client secrets with the test key of
# tests/fixtures) so that /start answers its 302, not the 503 of a server
# without them.
NOWHERE=http://127.0.0.1:9
# Except Facebook's Graph: a fuzzer's `access_token` for native sign-in does
# reach debug_token, so a static stub answers it (http.server ignores the
# query string): "not valid", which the server answers 401
# invalid_provider_token, as documented, rather than the 502 of a closed port.
mkdir -p "$WORK/graph/facebook/graph"
printf '{"data": {"is_valid": false, "scopes": []}}' >"$WORK/graph/facebook/graph/debug_token"
: >"$WORK/graph.out"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$WORK/graph" >"$WORK/graph.out" 2>&1 &
GRAPH_PID=$!
GRAPH_PORT=
for _ in $(seq 1 100); do
  GRAPH_PORT=$(sed -n 's#^Serving HTTP on [^ ]* port \([0-9]*\).*#\1#p' "$WORK/graph.out" || true)
  [ -n "$GRAPH_PORT" ] && break
  sleep 0.1
done
if [ -z "$GRAPH_PORT" ]; then
  echo "schemathesis: the Graph stub did not start" >&2
  cat "$WORK/graph.out" >&2
  exit 1
fi
GRAPH=http://127.0.0.1:$GRAPH_PORT/facebook/graph
# Created here: the server's redirections happen in the child, maybe later.
: >"$WORK/server.out"
: >"$WORK/server.err"
NEXTARGET_ENV=test \
  JWT_SECRET_KEY=schemathesis-only-secret-0123456789-0123456789 \
  NEXTARGET__LLM__PROVIDER=fake \
  NEXTARGET__OAUTH__GOOGLE__CLIENT_ID=schemathesis-google \
  NEXTARGET__OAUTH__GOOGLE__CLIENT_SECRET=schemathesis-google-secret \
  NEXTARGET__OAUTH__GOOGLE__REDIRECT_URI=http://127.0.0.1/auth/google/callback \
  NEXTARGET__OAUTH__GOOGLE__AUTH_URL=$NOWHERE/google/auth \
  NEXTARGET__OAUTH__GOOGLE__TOKEN_URL=$NOWHERE/google/token \
  NEXTARGET__OAUTH__GOOGLE__JWKS_URL=$NOWHERE/google/jwks \
  NEXTARGET__OAUTH__FACEBOOK__CLIENT_ID=schemathesis-facebook \
  NEXTARGET__OAUTH__FACEBOOK__CLIENT_SECRET=schemathesis-facebook-secret \
  NEXTARGET__OAUTH__FACEBOOK__REDIRECT_URI=http://127.0.0.1/auth/facebook/callback \
  NEXTARGET__OAUTH__FACEBOOK__AUTH_URL=$NOWHERE/facebook/dialog \
  NEXTARGET__OAUTH__FACEBOOK__GRAPH_URL=$GRAPH \
  NEXTARGET__OAUTH__FACEBOOK__JWKS_URL=$NOWHERE/facebook/jwks \
  NEXTARGET__OAUTH__APP_REDIRECT_URLS=nextarget://auth \
  NEXTARGET__OAUTH__APPLE__CLIENT_ID=schemathesis.apple \
  NEXTARGET__OAUTH__APPLE__TEAM_ID=SCHEMATEAM \
  NEXTARGET__OAUTH__APPLE__KEY_ID=SCHEMAKEY1 \
  NEXTARGET__OAUTH__APPLE__PRIVATE_KEY="$(cat "$ROOT/tests/fixtures/apple_test_key.p8")" \
  NEXTARGET__OAUTH__APPLE__REDIRECT_URI=http://127.0.0.1/auth/apple/callback \
  NEXTARGET__OAUTH__APPLE__AUTH_URL=$NOWHERE/apple/auth \
  NEXTARGET__OAUTH__APPLE__TOKEN_URL=$NOWHERE/apple/token \
  NEXTARGET__OAUTH__APPLE__JWKS_URL=$NOWHERE/apple/keys \
  DATABASE_URL="sqlite://$WORK/schemathesis.db?mode=rwc" \
  NEXTARGET__SERVER__PORT=0 \
  NEXTARGET__RATE_LIMIT__AI_REQUESTS_PER_MINUTE=1000000 \
  NEXTARGET__AUTH__MAX_FAILED_LOGINS=1000000 \
  "$BIN" serve >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!

PORT=
for _ in $(seq 1 100); do
  PORT=$(sed -n 's#^NexTarget listening on http://[^:]*:\([0-9]*\).*#\1#p' "$WORK/server.out" || true)
  [ -n "$PORT" ] && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$PORT" ]; then
  echo "schemathesis: the server did not start" >&2
  cat "$WORK/server.err" >&2
  exit 1
fi
BASE="http://127.0.0.1:$PORT"

# A real user: every protected operation is exercised signed in.
register() {
  curl -sf -X POST "$BASE/auth/register" -H 'content-type: application/json' \
    -d "{\"email\": \"$1@example.com\", \"password\": \"tundra-Velvet-93-orbit\", \"provider\": \"local\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

# Run from the temp dir: schemathesis keeps a cache in `.schemathesis/` there.
# Every check (`--checks all`), with the documented refusals of
# scripts/schemathesis.toml as the only additions to what a valid request may get.
# Phases: examples (the spec has none yet), coverage (boundary and
# out-of-spec values of every field) and fuzzing (random, both valid and
# invalid with --mode all). Not stateful: the spec declares no links.
st() {
  (cd "$WORK" && "$VENV/bin/schemathesis" --config-file "$ROOT/scripts/schemathesis.toml" \
    run "$BASE/openapi.json" \
    --mode all --phases examples,coverage,fuzzing \
    --seed "$SEED" --max-examples "$MAX_EXAMPLES" \
    --generation-database none --no-color --output-truncate false \
    --workers 1 --request-timeout 10 --checks all "$@")
}

START=$(date +%s)
status=0
# Everything but DELETE /users/me, which would delete the token's user in
# the middle of the run and turn every later request into a 401.
TOKEN=$(register "schemathesis")
st -H "Authorization: Bearer $TOKEN" --exclude-method DELETE || status=1
# DELETE /users/me on its own, with a user of its own.
TOKEN=$(register "schemathesis-delete")
st -H "Authorization: Bearer $TOKEN" --include-method DELETE || status=1
echo "schemathesis: $(( $(date +%s) - START )) s, seed $SEED, max examples $MAX_EXAMPLES"

if grep -q "panicked" "$WORK/server.err"; then
  echo "schemathesis: the server panicked" >&2
  grep -A5 "panicked" "$WORK/server.err" >&2
  status=1
fi
exit $status
