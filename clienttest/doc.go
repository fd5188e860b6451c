// Package clienttest proves that Redis's own tools (redis-cli,
// redis-benchmark) and common client libraries (go-redis, rueidis,
// redis-py, aioredis, ioredis) work against Cairn unchanged. Every test
// drives the real tool or library: redis-cli and redis-benchmark run as
// subprocesses, the Python and Node.js scenarios are scripts under
// testdata/ run by the system's interpreters.
//
// A test whose tool or library is missing is skipped with a message
// naming the package to install; with CAIRN_REQUIRE_CLIENTS=1 (set by
// .ci/run) the skip becomes a failure, so CI cannot pass without them.
package clienttest
