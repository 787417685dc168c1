"""Change feed follower: applies other processes' record writes to this process's indexes within ~1 s.

Writers add a `changes` row per record in their own transaction (Store.changed). A follower remembers the last
id it applied and, when woken, reads the rows after it, skips its own store's rows, and hands each side's
changed ids to a callback (Engine.refresh: re-index just those records, vectors from the embeddings table).

- PostgreSQL: a dedicated autocommit connection LISTENs on the channel the writers NOTIFY at commit; it also
  wakes every `poll_seconds` × 4 in case a notification was lost with a dropped connection (then reconnects).
- SQLite has no notifications: the follower polls `SELECT max(id) FROM changes` every `poll_seconds`
  (an index lookup, microseconds) and reads rows only when it moved.
"""
from __future__ import annotations

import logging
import threading
import weakref
from collections import defaultdict
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from matcher.domain.records import Side
from matcher.storage.schema import Change
from matcher.storage.store import CHANGE_CHANNEL, Store

log = logging.getLogger(__name__)
BATCH = 5000


class ChangeFeed:
    """Follows the `changes` table of one store; `on_change(side, ids)` is called from the follower thread."""

    def __init__(self, store: Store, on_change: Callable[[Side, list[str]], None], poll_seconds: float = 0.5):
        self.store, self.on_change, self.poll_seconds = store, on_change, poll_seconds
        self.last_id = self.head()          # take it before the caller's initial sync: nothing falls between
        self.applied = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._apply_lock = threading.Lock()

    def head(self) -> int:
        with self.store.read() as s:
            return s.scalar(select(func.max(Change.id))) or 0

    def apply_pending(self) -> int:
        """Apply every change after last_id written by another store; returns how many records were refreshed."""
        with self._apply_lock:
            done = 0
            while True:
                with self.store.read() as s:
                    rows = s.execute(select(Change.id, Change.side, Change.record_id, Change.origin)
                                     .where(Change.id > self.last_id).order_by(Change.id).limit(BATCH)).all()
                if not rows:
                    return done
                by_side: dict[str, dict[str, None]] = defaultdict(dict)   # ordered, de-duplicated ids
                for _id, side, record_id, origin in rows:
                    if origin != self.store.origin:
                        by_side[side][record_id] = None
                for side, ids in by_side.items():
                    self.on_change(Side(side), list(ids))
                    done += len(ids)
                self.last_id = rows[-1][0]
                self.applied += done
                if len(rows) < BATCH:
                    return done

    # --- the follower thread ------------------------------------------------------------------------
    # The thread holds only a weak reference to the feed: when the platform that owns it is dropped (a
    # Streamlit cache eviction, a test), the thread ends at its next wake-up instead of polling forever.

    def start(self) -> "ChangeFeed":
        target = _poll if self.store.is_sqlite else _listen
        self._thread = threading.Thread(target=target, args=(weakref.ref(self),), name="matcher-change-feed",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)

    def safe_apply(self) -> None:
        try:
            self.apply_pending()
        except Exception:  # noqa: BLE001 - the follower must survive a failed round; the next one retries
            log.exception("change feed: applying changes failed; retrying at the next wake-up")

    def moved(self) -> bool:
        try:
            return self.head() > self.last_id
        except Exception:  # noqa: BLE001
            log.exception("change feed: polling failed")
            return False


def _poll(ref: "weakref.ref[ChangeFeed]") -> None:
    while (feed := ref()) is not None and not feed._stop.is_set():
        if feed.moved():
            feed.safe_apply()
        stop, wait = feed._stop, feed.poll_seconds
        del feed
        if stop.wait(wait):
            return


def _listen(ref: "weakref.ref[ChangeFeed]") -> None:
    import psycopg

    while (feed := ref()) is not None and not feed._stop.is_set():
        conninfo = make_url(feed.store.url).set(drivername="postgresql").render_as_string(hide_password=False)
        stop, timeout = feed._stop, feed.poll_seconds * 4
        del feed
        try:
            with psycopg.connect(conninfo, autocommit=True, application_name="matcher-change-feed") as con:
                con.execute(f"LISTEN {CHANGE_CHANNEL}")
                first = True
                while not stop.is_set():
                    woke = first or any(True for _ in con.notifies(timeout=timeout, stop_after=1))
                    first = False
                    if (feed := ref()) is None:
                        return
                    if woke or feed.moved():
                        feed.safe_apply()
                    del feed
        except psycopg.Error as exc:
            log.warning("change feed: connection lost (%s); reconnecting", exc)
            if stop.wait(1.0):
                return
