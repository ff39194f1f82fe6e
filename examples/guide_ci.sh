#!/bin/sh
# guide_ci.sh: the test step of a CI job, from the user guide. Starts
# civis-mock on a free port, seeds a table with SQL through the `civis`
# command, runs a program against it and stops the server whatever happens.
#
#   CIVIS_MOCK=build/bin/civis-mock CIVIS=build/bin/civis \
#   EXAMPLES=build/examples sh examples/guide_ci.sh
set -eu
work=$(mktemp -d)
"${CIVIS_MOCK:-civis-mock}" --port 0 --port-file "$work/port" >"$work/mock.log" 2>&1 &
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

# Each API key has its own database, named civis-mock, empty at start.
"${CIVIS:-civis}" sql -d civis-mock -c "
    CREATE TABLE demo.measurements (x INT, y DOUBLE PRECISION, z INT);
    INSERT INTO demo.measurements VALUES (1, 2.0, 6), (2, 4.5, 4), (3, 5.5, 5), (4, 8.0, 1);
    SELECT COUNT(*) AS n FROM demo.measurements"
CIVIS_POLL_MS=10 "${EXAMPLES:-.}/guide_correlation" civis-mock
