"""redis-py (RESP2) scenario against a server: python3 redispy_scenario.py HOST PORT PARSER.

PARSER is "hiredis" or "python". Every step asserts real values; any
failure raises, prints a traceback and exits non-zero.
"""
import sys
import threading
import time

import redis
try:
    from redis.connection import PythonParser, HiredisParser
except ImportError:  # redis-py 5 moved the parsers
    from redis._parsers import _RESP2Parser as PythonParser, _HiredisParser as HiredisParser

host, port, parser = sys.argv[1], int(sys.argv[2]), sys.argv[3]
parser_class = HiredisParser if parser == "hiredis" else PythonParser
if parser == "hiredis":
    from redis.utils import HIREDIS_AVAILABLE
    assert HIREDIS_AVAILABLE, "hiredis parser requested but not available"

checks = 0


def eq(got, want, what):
    global checks
    checks += 1
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def client(**kw):
    pool = redis.ConnectionPool(host=host, port=port, decode_responses=True, parser_class=parser_class,
                                socket_timeout=10, **kw)
    return redis.Redis(connection_pool=pool)


r = client(client_name="scenario-py")
r.flushall()

# Handshake and introspection the library and its users rely on.
eq(r.ping(), True, "PING")
eq(r.client_getname(), "scenario-py", "CLIENT GETNAME after client_name=")
info = r.info()
eq(info["redis_version"], "7.0.15", "INFO redis_version")
eq(info["role"], "master", "INFO role")
eq(isinstance(info["connected_clients"], int), True, "INFO ints parsed")
eq("used_memory" in r.info("memory"), True, "INFO memory")
eq(r.info("keyspace"), {}, "INFO keyspace, empty")
eq(list(r.config_get("maxmemory").keys()), ["maxmemory"], "CONFIG GET maxmemory")
eq(r.config_get("save")["save"], "", "CONFIG GET save")
cmds = r.command()
eq(cmds["get"]["arity"], 2, "COMMAND parsed: get arity")
eq(r.command_count() > 200, True, "COMMAND COUNT")
eq(r.dbsize(), 0, "DBSIZE")

# Strings.
eq(r.set("s", "hello"), True, "SET")
eq(r.get("s"), "hello", "GET")
eq(r.append("s", " world"), 11, "APPEND")
eq(r.getrange("s", 0, 4), "hello", "GETRANGE")
eq(r.set("s", "x", nx=True), None, "SET NX on existing")
eq(r.set("n", 10, ex=100), True, "SET EX")
eq(0 < r.ttl("n") <= 100, True, "TTL")
eq(r.incr("n"), 11, "INCR")
eq(r.incrby("n", 5), 16, "INCRBY")
eq(r.incrbyfloat("f", 1.5), 1.5, "INCRBYFLOAT")
eq(r.mset({"a": "1", "b": "2"}), True, "MSET")
eq(r.mget("a", "b", "nope"), ["1", "2", None], "MGET")
eq(r.getdel("a"), "1", "GETDEL")
eq(r.exists("a", "b"), 1, "EXISTS")
eq(r.type("b"), "string", "TYPE")
eq(r.strlen("s"), 11, "STRLEN")

# Lists.
eq(r.rpush("l", "a", "b", "c"), 3, "RPUSH")
eq(r.lpush("l", "z"), 4, "LPUSH")
eq(r.lrange("l", 0, -1), ["z", "a", "b", "c"], "LRANGE")
eq(r.linsert("l", "before", "b", "x"), 5, "LINSERT")
eq(r.lpos("l", "b"), 3, "LPOS")
eq(r.lpop("l"), "z", "LPOP")
eq(r.rpop("l", 2), ["c", "b"], "RPOP count")
eq(r.llen("l"), 2, "LLEN")

# Hashes.
eq(r.hset("h", mapping={"f1": "v1", "f2": "v2", "n": "1"}), 3, "HSET mapping")
eq(r.hgetall("h"), {"f1": "v1", "f2": "v2", "n": "1"}, "HGETALL")
eq(r.hincrby("h", "n", 41), 42, "HINCRBY")
eq(r.hmget("h", "f1", "missing"), ["v1", None], "HMGET")
eq(r.hdel("h", "f2"), 1, "HDEL")
eq(sorted(r.hkeys("h")), ["f1", "n"], "HKEYS")
eq(dict(r.hscan_iter("h")), {"f1": "v1", "n": "42"}, "HSCAN")

# Sets.
eq(r.sadd("s1", "a", "b", "c"), 3, "SADD")
eq(r.sadd("s2", "b", "c", "d"), 3, "SADD")
eq(r.smembers("s1"), {"a", "b", "c"}, "SMEMBERS")
eq(r.sinter("s1", "s2"), {"b", "c"}, "SINTER")
eq(r.sunion("s1", "s2"), {"a", "b", "c", "d"}, "SUNION")
eq(r.sismember("s1", "a"), True, "SISMEMBER")
eq(r.smismember("s1", ["a", "d"]), [True, False], "SMISMEMBER")
eq(r.srem("s1", "a"), 1, "SREM")
eq(r.scard("s1"), 2, "SCARD")

# Sorted sets.
eq(r.zadd("z", {"a": 1, "b": 2, "c": 3.5}), 3, "ZADD")
eq(r.zrange("z", 0, -1, withscores=True), [("a", 1.0), ("b", 2.0), ("c", 3.5)], "ZRANGE WITHSCORES")
eq(r.zincrby("z", 10, "a"), 11.0, "ZINCRBY")
eq(r.zrangebyscore("z", 2, 4), ["b", "c"], "ZRANGEBYSCORE")
eq(r.zrank("z", "a"), 2, "ZRANK")
eq(r.zscore("z", "c"), 3.5, "ZSCORE")
eq(r.zpopmin("z"), [("b", 2.0)], "ZPOPMIN")
eq(r.zcard("z"), 2, "ZCARD")

# Streams.
id1 = r.xadd("st", {"f": "1"})
id2 = r.xadd("st", {"f": "2"})
eq(r.xlen("st"), 2, "XLEN")
eq([e[1] for e in r.xrange("st")], [{"f": "1"}, {"f": "2"}], "XRANGE")
eq(r.xgroup_create("st", "g", id="0"), True, "XGROUP CREATE")
got = r.xreadgroup("g", "c1", {"st": ">"}, count=10)
eq([e[0] for e in got[0][1]], [id1, id2], "XREADGROUP")
eq(r.xack("st", "g", id1), 1, "XACK")
eq(r.xpending("st", "g")["pending"], 1, "XPENDING summary")
eq(r.xinfo_stream("st")["length"], 2, "XINFO STREAM")
eq(r.xinfo_groups("st")[0]["name"], "g", "XINFO GROUPS")

# Geo and HyperLogLog.
eq(r.geoadd("geo", [13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania"]), 2, "GEOADD")
eq(round(r.geodist("geo", "Palermo", "Catania", unit="km"), 3), 166.274, "GEODIST")
eq(r.geosearch("geo", longitude=15, latitude=37, radius=200, unit="km", sort="ASC"), ["Catania", "Palermo"], "GEOSEARCH")
eq(r.pfadd("hll", *[f"e{i}" for i in range(100)]), 1, "PFADD")
eq(r.pfcount("hll"), 100, "PFCOUNT")

# Keyspace.
eq(r.expire("b", 100), True, "EXPIRE")
eq(sorted(r.scan_iter(match="s*")), ["s", "s1", "s2", "st"], "SCAN MATCH")
eq(r.persist("b"), True, "PERSIST")

# Pipelines.
p = r.pipeline(transaction=False)
for i in range(200):
    p.set(f"p:{i}", i)
    p.incr(f"p:{i}")
res = p.execute()
eq(res[:4], [True, 1, True, 2], "pipeline results")
eq(len(res), 400, "pipeline length")
eq(r.get("p:199"), "200", "pipeline effect")

# MULTI/WATCH with a retry loop: another client changes the key during
# the first attempt, so EXEC fails once and the loop retries.
r.set("counter", 0)
other = client()
attempts = 0


def incr_counter(pipe):
    global attempts
    attempts += 1
    v = int(pipe.get("counter"))
    if attempts == 1:
        other.incr("counter")  # someone else wins the race
    pipe.multi()
    pipe.set("counter", v + 10)


r.transaction(incr_counter, "counter")
eq(attempts, 2, "WATCH retry: attempts")
eq(r.get("counter"), "11", "WATCH retry: result")
with r.pipeline() as tx:
    tx.incr("counter").get("counter")
    eq(tx.execute(), [12, "12"], "MULTI/EXEC")

# Pub/sub.
ps = r.pubsub(ignore_subscribe_messages=True)
ps.subscribe("news")
ps.psubscribe("ev.*")
ps.get_message(timeout=1)
deadline = time.time() + 5
while r.publish("news", "probe") == 0 and time.time() < deadline:
    time.sleep(0.05)
eq(r.pubsub_numsub("news"), [("news", 1)], "PUBSUB NUMSUB")
eq(r.publish("ev.x", "hello"), 1, "PUBLISH to a pattern")
msgs = []
deadline = time.time() + 5
while len(msgs) < 2 and time.time() < deadline:
    m = ps.get_message(timeout=1)
    if m and m["data"] != "probe":
        msgs.append(m)
    if len(msgs) == 1 and msgs[0]["type"] == "pmessage":
        break
r.publish("news", "plain")
while time.time() < deadline:
    m = ps.get_message(timeout=1)
    if m and m["data"] == "plain":
        msgs.append(m)
        break
eq([(m["type"], m["channel"], m["data"]) for m in msgs],
   [("pmessage", "ev.x", "hello"), ("message", "news", "plain")], "pub/sub messages")
eq(msgs[0]["pattern"], "ev.*", "pmessage pattern")
ps.close()

# Lua.
eq(r.eval("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}", 1, "lua", "x"), ["lua", "x", 1], "EVAL")
script = r.register_script("return redis.call('GET', KEYS[1]) .. ARGV[1]")
r.script_flush()
eq(script(keys=["s"], args=["!"]), "hello world!", "EVALSHA after NOSCRIPT")
eq(r.script_exists(script.sha), [True], "SCRIPT EXISTS")
eq(r.evalsha(script.sha, 1, "s", "?"), "hello world?", "EVALSHA")

# Blocking pops, served by a write from another client.
def later(fn, delay=0.2):
    t = threading.Timer(delay, fn)
    t.start()
    return t


later(lambda: other.rpush("q", "job1"))
eq(r.blpop("q", timeout=5), ("q", "job1"), "BLPOP")
later(lambda: other.rpush("q2", "job2"))
eq(r.brpoplpush("q2", "done", timeout=5), "job2", "BRPOPLPUSH")
eq(r.lrange("done", 0, -1), ["job2"], "BRPOPLPUSH target")
later(lambda: other.zadd("bz", {"m": 7}))
eq(r.bzpopmin("bz", timeout=5), ("bz", "m", 7.0), "BZPOPMIN")
eq(r.blpop("never", timeout=0.2), None, "BLPOP timeout")

# Blocking stream read with a consumer group.
later(lambda: other.xadd("st", {"f": "3"}))
got = r.xreadgroup("g", "c2", {"st": ">"}, count=1, block=5000)
eq(got[0][1][0][1], {"f": "3"}, "XREADGROUP BLOCK")
eq(r.xack("st", "g", got[0][1][0][0]), 1, "XACK of the blocked read")

r.flushall()
print(f"OK {checks} checks ({parser} parser)")
