"""Dashboard figures kept for a short while: the center dashboard and the
institution home count and group hundreds of thousands of rows; computed on every view
they would cost each visitor a full pass over the applications and review records.
Figures are kept per app and process for ``FIGURES_CACHE_SECONDS`` (60 by default): a
dashboard may be that much behind, never a list, a count on a list or a workflow check."""
import threading
import time

from flask import current_app

_lock = threading.Lock()


def cached(key, compute):
    """``compute()``'s value for ``key``, recomputed once it is older than the TTL."""
    ttl = current_app.config.get("FIGURES_CACHE_SECONDS", 60)
    store = current_app.extensions.setdefault("figures_cache", {})
    now = time.monotonic()
    with _lock:
        hit = store.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = compute()
    with _lock:
        store[key] = (now + ttl, value)
    return value
