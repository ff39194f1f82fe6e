#!/bin/sh
# guide_ci.sh: the test step of a CI job, from the user guide. Starts
# civis-mock on a free port with a table seeded from a CSV file, checks it
# with SQL through the `civis` command, runs a program against it, and stops
# the server whatever happens.
#
#   CIVIS_MOCK=build/bin/civis-mock CIVIS=build/bin/civis \
#   EXAMPLES=build/examples sh examples/guide_ci.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
"${CIVIS_MOCK:-civis-mock}" --port 0 --port-file "$work/port" \
    --table demo.measurements="$here/guide_measurements.csv" >"$work/mock.log" 2>&1 &
mock=$!
trap 'kill "$mock" 2>/dev/null; wait "$mock" 2>/dev/null; rm -rf "$work"' EXIT

# The port file appears once the server listens.
tries=0
until [ -s "$work/port" ]; do
    kill -0 "$mock" && [ "$tries" -lt 100 ] || { cat "$work/mock.log"; exit 1; }
    tries=$((tries + 1))
    sleep 0.1
done
export CIVIS_API_ENDPOINT="http://127.0.0.1:$(cat "$work/port")/"
export CIVIS_API_KEY=ci XDG_CACHE_HOME="$work/cache"

# Every API key sees the seeded table in the database named civis-mock.
"${CIVIS:-civis}" sql -d civis-mock -c "SELECT COUNT(*) AS n, MAX(y) AS top FROM demo.measurements"
CIVIS_POLL_MS=10 "${EXAMPLES:-.}/guide_correlation" civis-mock
