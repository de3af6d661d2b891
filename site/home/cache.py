"""A Redis cache that outlives Redis (issue "Production as it runs", the Redis fault drill).

Production keeps the shared cache in Redis: the rating page's abuse counters, the quiz show's
state versions, Wagtail's caches. When Redis stops, Django's own RedisCache raises on every call
and every page that touches the cache fails. This one then turns to a fallback cache (the
database cache table, `manage.py createcachetable`) for a few seconds at a time, logs it once
per outage, and goes back to Redis as soon as it answers again: pages keep working, rate limits
keep counting (in the database), and nothing needs a restart.

What was counted in Redis is not copied over (an outage starts the counters afresh in the
database); a rate limit is at worst briefly more lenient, never stricter.
"""

import logging
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger("frontline.cache")

# How long to stay on the fallback after Redis failed before trying Redis again.
RETRY_AFTER_SECONDS = 5.0
# Redis answers in well under a millisecond on a LAN; a host that stopped answering must not
# hold a request for long.
DEFAULT_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}

try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
except ImportError:  # the redis client is a production dependency; without it nothing connects
    REDIS_DOWN = (ConnectionError, TimeoutError)

# Per Redis location and process: the moment until which the fallback is used.
_down_until = {}
_lock = threading.Lock()


class SharedClientRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one redis.Redis per connection pool: Django makes a new one on
    every cache call, and building its response callbacks costs about 0.15 ms of CPU, a fifth of
    what Django spends on a quiz show's unchanged poll (bench/bench_quiz_poll.py). redis.Redis is
    thread-safe: each command borrows a connection from the pool."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_shared_clients", {})
        client = clients.get(id(pool))  # pools live as long as this client (Django keeps them)
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """RedisCache with OPTIONS["FALLBACK"]: the alias of the cache to use while Redis is down."""

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self._fallback_alias = options.pop("FALLBACK", "fallback")
        params["OPTIONS"] = {**DEFAULT_TIMEOUTS, **options}
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
        self._location = server if isinstance(server, str) else ",".join(server)

    @property
    def redis_down(self):
        return _down_until.get(self._location, 0) > time.monotonic()

    def _failed(self, exc):
        with _lock:
            first = not self.redis_down
            _down_until[self._location] = time.monotonic() + RETRY_AFTER_SECONDS
        if first:
            logger.warning("Redis cache unreachable (%s): using the %r cache meanwhile", exc, self._fallback_alias)

    def _recovered(self):
        if self._location in _down_until:
            with _lock:
                if _down_until.pop(self._location, None) is not None:
                    logger.warning("Redis cache reachable again")


def _resilient(name):
    redis_method = getattr(RedisCache, name)

    def method(self, *args, **kwargs):
        if not self.redis_down:
            try:
                result = redis_method(self, *args, **kwargs)
            except REDIS_DOWN as exc:
                self._failed(exc)
            else:
                self._recovered()
                return result
        return getattr(caches[self._fallback_alias], name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = redis_method.__doc__
    return method


for _name in ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many",
              "clear"):
    setattr(ResilientRedisCache, _name, _resilient(_name))
