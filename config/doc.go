// Package config loads and serves Cairn's configuration the way redis-server
// 7.0.15 does: redis.conf syntax and error texts, the command line, CONFIG
// GET, CONFIG SET and CONFIG REWRITE, plus Cairn's own cairn-* directives and
// CAIRN_* environment variables.
//
// A server starts with
//
//	cfg, err := config.Load(os.Args[1:], os.Environ())
//
// after handling -v, --help and the like itself. On a *LoadError it prints
// "\n" + err.Error() + "\n" to standard error, on an *OpenError it logs the
// text as a warning, and exits with status 1, as redis-server does. Then it
// logs cfg.IgnoredDirectives(), reads values with the typed getters and
// registers OnSet appliers for what it can change at run time.
//
// Every directive lives in one table, in table.go.
//
// The oracle for every text and format is real Redis 7.0.15; where this
// package departs from it, the departure is noted where it happens.
package config

// RedisVersion is the Redis release whose behaviour this package reproduces;
// it appears in error texts exactly as redis-server prints it.
const RedisVersion = "7.0.15"
