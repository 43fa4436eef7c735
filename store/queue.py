"""The Redis connection that rq and the web app share."""

from __future__ import annotations

import redis

from .errors import QueueUnavailable


def connect_redis(url: str, check: bool = True) -> redis.Redis:
    # rq stores pickled payloads: it needs bytes, not decoded strings.
    conn = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)
    if check:
        try:
            conn.ping()
        except redis.RedisError as exc:
            raise QueueUnavailable(
                f"Cannot reach Redis at {url} ({exc}); background work is unavailable. "
                "Check REDIS_URL, or unset it to use the embedded server."
            ) from None
    return conn
