"""Fixtures of the service-records tests."""

from pathlib import Path

import pytest
from django.core.cache import cache

from tests import factories

SAMPLES = Path(__file__).resolve().parent / "samples"


@pytest.fixture(autouse=True)
def _clear_cache():
    # The rating page's abuse counters live in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sample_bytes():
    def _read(name):
        return (SAMPLES / name).read_bytes()

    return _read


@pytest.fixture
def sample_staff(db):
    """工号 CD1001 … CD1030 of the samples, at two centres with windows 01-01 … 01-10."""
    east = factories.make_centre("城东政务服务中心")
    west = factories.make_centre("城西政务服务中心")
    windows = {f"01-{i:02d}": factories.make_window(f"01-{i:02d}", centre=east) for i in range(1, 11)}
    windows.update({f"02-{i:02d}": factories.make_window(f"02-{i:02d}", centre=west) for i in range(1, 11)})
    staff = {}
    for i in range(1, 31):
        centre = east if i % 2 else west
        staff[f"CD{1000 + i}"] = factories.make_staff(f"CD{1000 + i}", centre=centre)
    return {"east": east, "west": west, "windows": windows, "staff": staff}
