"""Helpers for long, CPU-bound batch work (monthly computes, large imports)."""

import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector for a batch that allocates a great many objects and
    keeps most of them until it ends: every collection walks them all again (measured: a
    quarter of a 10,000-person month compute). Reference counting still frees whatever the
    batch drops; the collector resumes, as it was, when the batch ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
