"""The server-wide table of sessions: resume tokens, expiry and the cap.

A session outlives its connection for ``session_ttl_seconds`` so that a client whose Wi-Fi
dropped can ``resume`` it, at the same sub-step. Detached sessions past that age are purged.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from .session import ProtocolError, Session
from .settings import Settings


class SessionStore:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sessions: dict[str, Session] = {}
        #: token -> the connection currently serving it (so a resume can take it over)
        self.owners: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self.sessions)

    def running(self) -> int:
        """How many sessions are in run mode now."""
        return sum(1 for s in self.sessions.values() if s.running)

    def purge(self, now: float | None = None) -> int:
        """Drop detached sessions idle for longer than the TTL; return how many."""
        now = time.monotonic() if now is None else now
        ttl = self.settings.session_ttl_seconds
        stale = [t for t, s in self.sessions.items()
                 if not s.attached and now - s.last_seen > ttl]
        for token in stale:
            self.discard(token)
        return len(stale)

    def create(self) -> Session:
        if len(self.sessions) >= self.settings.max_sessions:
            self.purge()
        if len(self.sessions) >= self.settings.max_sessions:
            raise ProtocolError(
                "server_full",
                f"the server already holds its maximum of {self.settings.max_sessions} "
                "sessions; try again in a few minutes",
                None,
            )
        token = secrets.token_urlsafe(18)
        session = Session(token, self.settings)
        self.sessions[token] = session
        return session

    def get(self, token: str) -> Session | None:
        session = self.sessions.get(token)
        if session is None:
            return None
        if not session.attached and time.monotonic() - session.last_seen > \
                self.settings.session_ttl_seconds:
            self.discard(token)
            return None
        return session

    def attach(self, session: Session, owner: Any) -> Any:
        """Mark ``session`` as served by ``owner``; return the previous live owner, if any."""
        previous = self.owners.get(session.token)
        self.owners[session.token] = owner
        session.attached = True
        session.last_seen = time.monotonic()
        return previous if previous is not owner else None

    def detach(self, session: Session, owner: Any) -> None:
        if self.owners.get(session.token) is owner:
            del self.owners[session.token]
            session.attached = False
            session.running = False
            session.last_seen = time.monotonic()

    def discard(self, token: str) -> None:
        self.sessions.pop(token, None)
        self.owners.pop(token, None)
