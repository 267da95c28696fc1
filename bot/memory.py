"""Handing memory back to the operating system once a burst of requests has freed it.

Python returns freed objects to glibc's malloc, which keeps the freed pages of its heaps resident
for reuse: after a flood (2,000 slow 256 KB bodies, say) the server's resident memory stayed at
its peak for good, though nothing held it any more. `malloc_trim(0)` gives those pages back. A
daemon thread calls it every `interval` seconds when resident memory has moved since the last
call, and every tenth interval regardless (a trim walks the heaps under their locks: 50-150 ms on
a fragmented 500 MB heap, measured; so not on every tick of an idle server). Elsewhere than glibc
(macOS, musl) there is nothing to call, and nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading
import time
from functools import cache

log = logging.getLogger(__name__)

#: Growth of resident memory since the last trim that makes the next one worth its walk.
GROWTH_BYTES = 8 * 1024 * 1024
#: Every this many intervals a trim runs whatever resident memory did (every 5 minutes, shipped).
EVERY_NTH = 10

_lock = threading.Lock()
_thread: threading.Thread | None = None
_interval = float("inf")
_changed = threading.Event()


@cache
def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


def release_memory() -> bool:
    """Give freed heap pages back to the operating system; False where malloc cannot (not glibc)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def resident_bytes() -> int:
    """This process's resident memory, in bytes (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def start_trimming(interval: float) -> None:
    """Start, once per process, the thread that trims every `interval` seconds after growth (a second
    page in the process asking for a shorter interval gets it)."""
    global _thread, _interval
    with _lock:
        if _malloc_trim() is None or interval <= 0 or interval >= _interval:
            return
        _interval = interval
        _changed.set()
        if _thread is None:
            _thread = threading.Thread(target=_trim_now_and_then, name="malloc-trim", daemon=True)
            _thread.start()


def _trim_now_and_then() -> None:
    # Trim when resident memory has moved by GROWTH_BYTES since the last trim (a burst is on, or has
    # freed its large blocks), and every EVERY_NTH interval regardless: memory freed into the heap does
    # not move resident memory, so a burst that ends right after a trim shows nothing to watch.
    after_last, ticks = resident_bytes(), 0
    while True:
        _changed.clear()
        if _changed.wait(_interval):
            continue  # a new interval: start waiting again
        ticks += 1
        if abs(resident_bytes() - after_last) > GROWTH_BYTES or ticks % EVERY_NTH == 0:
            started, before = time.perf_counter(), resident_bytes()
            release_memory()
            after_last = resident_bytes()
            log.debug("Returned %.0f MB to the system in %.0f ms", (before - after_last) / 1e6,
                      (time.perf_counter() - started) * 1000)
