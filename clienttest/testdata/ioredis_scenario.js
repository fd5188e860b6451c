// ioredis scenario: node ioredis_scenario.js HOST PORT
// Strings, every collection type, pipelines, MULTI/WATCH retries,
// pub/sub, Lua (defineCommand: EVALSHA with EVAL fallback), blocking pops
// and consumer-group streams. Every step asserts; a failure exits 1.
"use strict";
const assert = require("assert/strict");
const Redis = require("ioredis");

const [host, port] = [process.argv[2], Number(process.argv[3])];
let checks = 0;
function eq(got, want, what) {
  checks++;
  try {
    assert.deepEqual(got, want);
  } catch (e) {
    throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms).unref());

async function main() {
  const opts = { host, port, connectionName: "scenario-js", maxRetriesPerRequest: 1, enableOfflineQueue: true };
  const r = new Redis(opts);
  const other = new Redis(opts);
  await r.flushall();

  // Handshake (CLIENT SETNAME from connectionName, CLIENT SETINFO ignored
  // like against Redis 7.0), INFO-based ready check, CONFIG GET.
  eq(await r.ping(), "PONG", "PING");
  eq(await r.client("GETNAME"), "scenario-js", "connectionName");
  // ioredis's ready check parses INFO's "loading" field; so do users.
  const info = Object.fromEntries((await r.info()).split("\r\n").filter((l) => l.includes(":")).map((l) => l.split(/:(.*)/s).slice(0, 2)));
  eq(info.redis_version, "7.0.15", "INFO redis_version");
  eq(info.loading, "0", "INFO loading");
  eq(info.role, "master", "INFO role");
  eq(r.status, "ready", "connection ready");
  eq(await r.config("GET", "maxmemory"), ["maxmemory", "0"], "CONFIG GET");
  const list = await r.client("LIST");
  eq(/name=scenario-js/.test(list), true, "CLIENT LIST shows the name");

  // Strings.
  eq(await r.set("s", "hello", "EX", 100), "OK", "SET EX");
  eq(await r.get("s"), "hello", "GET");
  eq(await r.incr("n"), 1, "INCR");
  eq(await r.incrbyfloat("n", "1.5"), "2.5", "INCRBYFLOAT");
  eq(await r.mset({ a: "1", b: "2" }), "OK", "MSET object");
  eq(await r.mget("a", "b", "c"), ["1", "2", null], "MGET");
  eq(await r.set("s", "x", "NX"), null, "SET NX");
  const buf = await r.getBuffer("s");
  eq(Buffer.isBuffer(buf) && buf.toString(), "hello", "getBuffer");
  eq(await r.setrange("s", 0, "J"), 5, "SETRANGE");
  eq(await r.get("s"), "Jello", "GET after SETRANGE");

  // Lists, hashes, sets, sorted sets.
  eq(await r.rpush("l", "a", "b", "c"), 3, "RPUSH");
  eq(await r.lrange("l", 0, -1), ["a", "b", "c"], "LRANGE");
  eq(await r.lmove("l", "l2", "LEFT", "RIGHT"), "a", "LMOVE");
  eq(await r.hset("h", { f1: "v1", f2: "v2" }), 2, "HSET object");
  eq(await r.hgetall("h"), { f1: "v1", f2: "v2" }, "HGETALL object");
  eq(await r.hincrby("h", "n", 3), 3, "HINCRBY");
  eq(await r.sadd("set", "x", "y", "z"), 3, "SADD");
  eq((await r.smembers("set")).sort(), ["x", "y", "z"], "SMEMBERS");
  eq(await r.sinterstore("set2", "set", "set"), 3, "SINTERSTORE");
  eq(await r.zadd("z", 1, "a", 2, "b", 3, "c"), 3, "ZADD");
  eq(await r.zrange("z", 0, -1, "WITHSCORES"), ["a", "1", "b", "2", "c", "3"], "ZRANGE WITHSCORES");
  eq(await r.zrangebyscore("z", "(1", "+inf", "LIMIT", 0, 1), ["b"], "ZRANGEBYSCORE LIMIT");
  eq(await r.zrevrank("z", "a"), 2, "ZREVRANK");

  // Streams with a consumer group.
  const id1 = await r.xadd("st", "*", "f", "1");
  eq(/^\d+-\d+$/.test(id1), true, "XADD id");
  eq(await r.xgroup("CREATE", "st", "g", "0"), "OK", "XGROUP CREATE");
  const rg = await r.xreadgroup("GROUP", "g", "c1", "COUNT", 10, "STREAMS", "st", ">");
  eq(rg, [["st", [[id1, ["f", "1"]]]]], "XREADGROUP");
  eq(await r.xack("st", "g", id1), 1, "XACK");
  eq((await r.xpending("st", "g"))[0], 0, "XPENDING after XACK");

  // Geo, HyperLogLog.
  eq(await r.geoadd("geo", 13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania"), 2, "GEOADD");
  eq(await r.geodist("geo", "Palermo", "Catania", "km"), "166.2742", "GEODIST");
  eq(await r.pfadd("hll", "a", "b", "c", "a"), 1, "PFADD");
  eq(await r.pfcount("hll"), 3, "PFCOUNT");

  // Scan stream.
  const keys = [];
  await new Promise((resolve, reject) => {
    r.scanStream({ match: "s*", count: 2 })
      .on("data", (ks) => keys.push(...ks))
      .on("end", resolve)
      .on("error", reject);
  });
  eq([...new Set(keys)].sort(), ["s", "set", "set2", "st"], "scanStream");

  // Pipeline, auto-pipelining and MULTI.
  const p = r.pipeline();
  for (let i = 0; i < 100; i++) p.set(`p:${i}`, i).incr(`p:${i}`);
  const res = await p.exec();
  eq(res.length, 200, "pipeline length");
  eq(res.slice(0, 2), [[null, "OK"], [null, 1]], "pipeline results");
  eq(await r.get("p:99"), "100", "pipeline effect");
  const ap = new Redis({ ...opts, enableAutoPipelining: true });
  const many = await Promise.all(Array.from({ length: 50 }, (_, i) => ap.incr("auto")));
  eq(many[49], 50, "auto-pipelining");
  ap.disconnect();
  eq(await r.multi().incr("m").incr("m").exec(), [[null, 1], [null, 2]], "MULTI/EXEC");

  // WATCH retry loop: a concurrent write makes the first EXEC fail.
  await r.set("bal", 100);
  let attempts = 0;
  for (;;) {
    attempts++;
    await r.watch("bal");
    const bal = Number(await r.get("bal"));
    if (attempts === 1) await other.incrby("bal", 1);
    const out = await r.multi().set("bal", bal - 30).exec();
    if (out !== null) break;
  }
  eq(attempts, 2, "WATCH retry attempts");
  eq(await r.get("bal"), "71", "WATCH retry result");

  // Pub/sub.
  const sub = new Redis(opts);
  const got = [];
  const gotAll = new Promise((resolve) => {
    sub.on("message", (ch, msg) => { got.push(["message", ch, msg]); if (got.length === 2) resolve(); });
    sub.on("pmessage", (pat, ch, msg) => { got.push(["pmessage", pat, ch, msg]); if (got.length === 2) resolve(); });
  });
  eq(await sub.subscribe("news"), 1, "SUBSCRIBE");
  eq(await sub.psubscribe("ev.*"), 2, "PSUBSCRIBE");
  eq(await r.publish("news", "n1"), 1, "PUBLISH");
  eq(await r.publish("ev.x", "e1"), 1, "PUBLISH pattern");
  await Promise.race([gotAll, sleep(5000)]);
  eq(got, [["message", "news", "n1"], ["pmessage", "ev.*", "ev.x", "e1"]], "pub/sub messages");
  sub.disconnect();

  // Lua.
  eq(await r.eval("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}", 1, "lua", "x"), ["lua", "x", 1], "EVAL");
  r.defineCommand("getSuffix", { numberOfKeys: 1, lua: "return redis.call('GET', KEYS[1]) .. ARGV[1]" });
  await r.script("FLUSH");
  eq(await r.getSuffix("s", "!"), "Jello!", "defineCommand (EVALSHA, NOSCRIPT, EVAL)");
  eq(await r.getSuffix("s", "?"), "Jello?", "defineCommand again (EVALSHA)");

  // Blocking pops served by another client's writes.
  setTimeout(() => other.rpush("q", "job1"), 200);
  eq(await r.blpop("q", 5), ["q", "job1"], "BLPOP");
  setTimeout(() => other.zadd("bz", 5, "m"), 200);
  eq(await r.bzpopmin("bz", 5), ["bz", "m", "5"], "BZPOPMIN");
  setTimeout(() => other.rpush("q2", "job2"), 200);
  eq(await r.blmove("q2", "done", "RIGHT", "LEFT", 5), "job2", "BLMOVE");
  eq(await r.blpop("never", 0.2), null, "BLPOP timeout");
  setTimeout(() => other.xadd("st", "*", "f", "2"), 200);
  const blk = await r.xreadgroup("GROUP", "g", "c2", "BLOCK", 5000, "STREAMS", "st", ">");
  eq(blk[0][1][0][1], ["f", "2"], "XREADGROUP BLOCK");
  eq(await r.xack("st", "g", blk[0][1][0][0]), 1, "XACK");

  await r.flushall();
  r.disconnect();
  other.disconnect();
  console.log(`OK ${checks} checks`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
