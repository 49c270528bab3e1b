"""The database session of a request (a FastAPI dependency), shared by the access check and the route."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session


def get_session(request: Request) -> Iterator[Session]:
    """A session per request (FastAPI dependency), closed when the response is done."""
    with request.app.state.session_factory() as session:
        yield session
