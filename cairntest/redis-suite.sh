#!/bin/sh
# redis-suite.sh runs Redis 7.0's own Tcl test suite (from Debian's source
# package) against a Cairn built from this tree, in the suite's external
# server mode, and lists what failed. Extra arguments go to runtest, e.g.
# `--single unit/type/list` or `--only "<test name>"`.
#
# It needs root (apt-get for tcl and the source) and a few minutes; it is
# a survey, not part of `go test ./...`. Skipped: tests tagged needs:repl
# and, in redis-suite-skip.txt, those that read Redis's replication stream
# (Cairn's master sends replicas a snapshot only). What else fails, and
# why, is in the latest closing note of issue 10.
set -eu
tree=$(cd "$(dirname "$0")/.." && pwd)
work=${REDIS_SUITE_DIR:-$HOME/.cache/cairn-redis-suite}
port=${REDIS_SUITE_PORT:-7379}
mkdir -p "$work"

src=$(ls -d "$work"/redis-7.0.*/ 2>/dev/null | head -n 1 || true)
if [ -z "$src" ]; then
	if ! ls /etc/apt/sources.list.d/*.sources 2>/dev/null | xargs grep -q deb-src 2>/dev/null; then
		printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
			>/etc/apt/sources.list.d/cairn-redis-src.sources
		apt-get update -qq
	fi
	(cd "$work" && apt-get source --download-only -qq redis && tar xzf redis_7.0.*.orig.tar.gz)
	src=$(ls -d "$work"/redis-7.0.*/ | head -n 1)
fi
command -v tclsh >/dev/null || apt-get install -y -qq tcl
# The suite runs redis-cli and redis-benchmark from its own src/.
for tool in redis-cli redis-benchmark redis-server; do
	ln -sf "$(command -v $tool)" "$src/src/$tool"
done

(cd "$tree" && go build -o "$work/cairn-server" ./cmd/cairn-server)
data=$(mktemp -d)
# The suite's own server settings (DEBUG enabled, keyspace events ...).
grep -v '^#' "$src/tests/assets/default.conf" | grep -v '^$' | grep -v pidfile >"$data/test.conf"
"$work/cairn-server" "$data/test.conf" --port "$port" --dir "$data" --logfile "$data/cairn.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done

cd "$src"
status=0
./runtest --host 127.0.0.1 --port "$port" --baseport 31000 --clients 1 --tags -needs:repl \
	--durable --timeout 120 --skipfile "$tree/cairntest/redis-suite-skip.txt" "$@" >"$work/last.log" 2>&1 || status=$?
sed 's/\x1b\[[0-9;]*m//g' "$work/last.log" | grep -E '^\[(err|exception)\]|^\[(TIMEOUT)\]' || true
echo "runtest exited $status; the whole log: $work/last.log"
