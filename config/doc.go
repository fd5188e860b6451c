// Package config loads and serves Cairn's configuration the way redis-server
// 7.0.15 does: redis.conf syntax and error texts, the command line, CONFIG
// GET, CONFIG SET and CONFIG REWRITE, plus Cairn's own cairn-* directives and
// CAIRN_* environment variables.
//
// The oracle for every text and format is real Redis 7.0.15; where this
// package departs from it, the departure is noted where it happens.
package config

// RedisVersion is the Redis release whose behaviour this package reproduces;
// it appears in error texts exactly as redis-server prints it.
const RedisVersion = "7.0.15"
