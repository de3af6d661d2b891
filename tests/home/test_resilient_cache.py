"""The production cache keeps pages working while Redis is down (home.cache)."""

import logging
import socket

import pytest
from django.core.cache import caches
from django.test import override_settings

from home import cache as resilient

LOCAL = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fallback-test"}


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_is_running():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.3):
            return True
    except OSError:
        return False


def settings_for(url):
    return {
        "default": {"BACKEND": "home.cache.ResilientRedisCache", "LOCATION": url, "OPTIONS": {"FALLBACK": "local"}},
        "local": LOCAL,
    }


@pytest.fixture(autouse=True)
def fresh_state():
    resilient._down_until.clear()
    yield
    resilient._down_until.clear()


def test_with_redis_down_the_cache_still_counts(caplog):
    with override_settings(CACHES=settings_for(f"redis://127.0.0.1:{closed_port()}/0")):
        cache = caches["default"]
        caplog.set_level(logging.WARNING, logger="frontline.cache")
        assert cache.add("ratings:counter", 0, 60) is True
        assert cache.incr("ratings:counter") == 1
        assert cache.incr("ratings:counter") == 2
        assert cache.get("ratings:counter") == 2
        assert caches["local"].get("ratings:counter") == 2  # it went to the fallback
        cache.set_many({"a": 1, "b": 2})
        assert cache.get_many(["a", "b"]) == {"a": 1, "b": 2}
        cache.delete("a")
        assert not cache.has_key("a")
        assert cache.get_or_set("quiz:version", 7) == 7
        # One warning for the outage, not one per call.
        warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
        assert len(warnings) == 1


def test_a_missing_counter_is_an_error_as_with_redis():
    with override_settings(CACHES=settings_for(f"redis://127.0.0.1:{closed_port()}/0")):
        with pytest.raises(ValueError):
            caches["default"].incr("never-set")


@pytest.mark.skipif(not redis_is_running(), reason="needs the local Redis")
def test_redis_is_used_again_when_it_answers(monkeypatch, caplog):
    with override_settings(CACHES=settings_for("redis://127.0.0.1:6379/14")):
        cache = caches["default"]
        cache.clear()
        # Pretend an outage that just ended.
        resilient._down_until[cache._location] = 0
        caplog.set_level(logging.WARNING, logger="frontline.cache")
        cache.set("k", "in redis")
        assert caches["local"].get("k") is None
        assert cache.get("k") == "in redis"
        assert any("reachable again" in r.getMessage() for r in caplog.records)
        cache.clear()


def test_production_settings_fall_back_to_the_database_cache(monkeypatch):
    import importlib

    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "example.org")
    monkeypatch.setenv("REDIS_URL", "redis://10.0.0.21:6379/0")
    import config.settings.production as production

    production = importlib.reload(production)
    assert production.CACHES["default"]["BACKEND"] == "home.cache.ResilientRedisCache"
    assert production.CACHES["database"]["BACKEND"].endswith("DatabaseCache")
    assert production.CACHES["default"]["OPTIONS"]["FALLBACK"] == "database"
