"""Session table: expiry, the cap, and take-over on resume."""

from __future__ import annotations

import time

import pytest

from app.session import ProtocolError
from app.sessions import SessionStore
from app.settings import Settings


def test_detached_sessions_expire_after_the_ttl():
    store = SessionStore(Settings(session_ttl_seconds=60))
    s = store.create()
    store.attach(s, "conn")
    store.detach(s, "conn")
    assert store.get(s.token) is s
    assert store.purge(now=time.monotonic() + 30) == 0
    assert store.purge(now=time.monotonic() + 61) == 1
    assert store.get(s.token) is None


def test_attached_sessions_never_expire():
    store = SessionStore(Settings(session_ttl_seconds=1))
    s = store.create()
    store.attach(s, "conn")
    assert store.purge(now=time.monotonic() + 3600) == 0


def test_the_cap_purges_stale_sessions_first():
    store = SessionStore(Settings(max_sessions=1, session_ttl_seconds=60))
    s = store.create()
    store.attach(s, "conn")
    with pytest.raises(ProtocolError) as info:
        store.create()
    assert info.value.code == "server_full"
    store.detach(s, "conn")
    s.last_seen -= 120
    assert store.create() is not s


def test_attach_reports_the_previous_owner():
    store = SessionStore(Settings())
    s = store.create()
    assert store.attach(s, "old") is None
    assert store.attach(s, "new") == "old"
    store.detach(s, "old")  # the old connection closing later does not detach the new one
    assert s.attached
