"""aioredis 1.3 (classic API) scenario: python3 aioredis_scenario.py HOST PORT.

A worker loops on BRPOPLPUSH while a producer pushes jobs and ZADDs
timestamped members; plus strings, collections, pipelines, MULTI/WATCH,
pub/sub, Lua and streams through the same API. Every step asserts.
"""
import asyncio
import sys
import time

import aioredis

host, port = sys.argv[1], int(sys.argv[2])
url = f"redis://{host}:{port}"
checks = 0


def eq(got, want, what):
    global checks
    checks += 1
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


async def worker(redis, n, done):
    """Moves each job from queue to processing, handles it, acknowledges it."""
    handled = []
    while len(handled) < n:
        job = await redis.brpoplpush("queue", "processing", timeout=5, encoding="utf-8")
        if job is None:
            raise AssertionError(f"worker timed out after {handled}")
        await redis.zadd("handled", time.time(), job)
        await redis.lrem("processing", 1, job)
        handled.append(job)
    done.set_result(handled)


async def producer(redis, n):
    for i in range(n):
        now = time.time()
        await redis.zadd("events", now, f"job:{i}:{now:.6f}")
        await redis.lpush("queue", f"job:{i}")
        await asyncio.sleep(0.01)


async def main():
    redis = await aioredis.create_redis(url, encoding="utf-8")
    blocking = await aioredis.create_redis(url)  # the worker's own connection
    pool = await aioredis.create_redis_pool(url, minsize=2, maxsize=4, encoding="utf-8")
    await redis.flushall()

    # Handshake, INFO, CONFIG.
    eq(await redis.ping(), "PONG", "PING")
    eq(await redis.client_setname("scenario-aio"), True, "CLIENT SETNAME")
    eq(await redis.client_getname(), "scenario-aio", "CLIENT GETNAME")
    info = await redis.info()
    eq(info["server"]["redis_version"], "7.0.15", "INFO server")
    eq(info["replication"]["role"], "master", "INFO replication")
    eq(await redis.config_get("maxmemory"), {"maxmemory": "0"}, "CONFIG GET")

    # The worker/producer pair.
    n = 30
    done = asyncio.get_running_loop().create_future()
    w = asyncio.ensure_future(worker(blocking, n, done))
    await producer(pool, n)
    handled = await asyncio.wait_for(done, 20)
    await w
    eq(sorted(handled, key=lambda j: int(j.split(":")[1])), [f"job:{i}" for i in range(n)], "worker handled every job")
    eq(await redis.llen("queue"), 0, "queue drained")
    eq(await redis.llen("processing"), 0, "processing list empty")
    eq(await redis.zcard("events"), n, "timestamped events")
    events = await redis.zrange("events", 0, -1, withscores=True)
    eq([e[0].split(":")[1] for e in events], [str(i) for i in range(n)], "events ordered by timestamp")
    eq(all(abs(float(m.split(":")[2]) - s) < 1e-3 for m, s in events), True, "scores are the timestamps")
    recent = await redis.zrangebyscore("events", events[10][1], float("inf"))
    eq(len(recent), n - 10, "ZRANGEBYSCORE by timestamp")
    eq(await redis.zcard("handled"), n, "handled zset")

    # Strings and collections.
    eq(await redis.set("k", "v", expire=100), True, "SET EX")
    eq(await redis.get("k"), "v", "GET")
    eq(await redis.incrby("c", 5), 5, "INCRBY")
    eq(await redis.hmset_dict("h", {"a": "1", "b": "2"}), True, "HMSET")
    eq(await redis.hgetall("h"), {"a": "1", "b": "2"}, "HGETALL")
    eq(await redis.sadd("s", "x", "y"), 2, "SADD")
    eq(sorted(await redis.smembers("s")), ["x", "y"], "SMEMBERS")
    eq(await redis.rpush("l", "a", "b"), 2, "RPUSH")
    eq(await redis.lrange("l", 0, -1), ["a", "b"], "LRANGE")
    sid = await redis.xadd("st", {"f": "v"})
    eq(await redis.xlen("st"), 1, "XADD/XLEN")
    await redis.xgroup_create("st", "g", latest_id="0")
    got = await redis.xread_group("g", "c", ["st"], count=10, latest_ids=[">"])
    eq(got[0][1], sid, "XREADGROUP")
    eq(await redis.xack("st", "g", sid), 1, "XACK")
    eq(await redis.geoadd("geo", 13.361389, 38.115556, "Palermo"), 1, "GEOADD")
    eq(await redis.pfadd("hll", "a", "b", "c"), 1, "PFADD")
    eq(await redis.pfcount("hll"), 3, "PFCOUNT")

    # Pipeline and MULTI/EXEC with WATCH.
    pipe = redis.pipeline()
    futs = [pipe.incr("pc") for _ in range(50)]
    eq(await pipe.execute(), list(range(1, 51)), "pipeline")
    eq(await asyncio.gather(*futs), list(range(1, 51)), "pipeline futures")
    await redis.set("bal", 100)
    attempts = 0
    while True:
        attempts += 1
        conn = await pool  # a dedicated connection for WATCH
        with conn:
            await conn.watch("bal")
            bal = int(await conn.get("bal"))
            if attempts == 1:
                await redis.incrby("bal", 1)  # a concurrent change
            tr = conn.multi_exec()
            fut = tr.set("bal", bal - 30)
            try:
                await tr.execute()
                break
            except aioredis.MultiExecError as e:
                eq(isinstance(e.args[1][0], aioredis.WatchVariableError), True, "EXEC aborted by WATCH")
                res, = await asyncio.gather(fut, return_exceptions=True)
                eq(isinstance(res, aioredis.WatchVariableError), True, "queued command's result")
                continue
    eq(attempts, 2, "WATCH retry attempts")
    eq(await redis.get("bal"), "71", "WATCH retry result")

    # Pub/sub.
    sub = await aioredis.create_redis(url)
    ch, = await sub.subscribe("chan")
    pch, = await sub.psubscribe("ev.*")
    eq(await redis.publish("chan", "hi"), 1, "PUBLISH")
    eq(await asyncio.wait_for(ch.get(encoding="utf-8"), 5), "hi", "message")
    eq(await redis.publish("ev.1", "p"), 1, "PUBLISH pattern")
    eq(await asyncio.wait_for(pch.get(encoding="utf-8"), 5), (b"ev.1", "p"), "pmessage")
    sub.close()
    await sub.wait_closed()

    # Lua.
    eq(await redis.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", keys=["lua"], args=[7]), 7, "EVAL")
    sha = await redis.script_load("return ARGV[1] .. KEYS[1]")
    eq(await redis.evalsha(sha, keys=["k"], args=["x"]), "xk", "EVALSHA")

    await redis.flushall()
    for c in (redis, blocking):
        c.close()
        await c.wait_closed()
    pool.close()
    await pool.wait_closed()
    print(f"OK {checks} checks")


asyncio.run(main())
