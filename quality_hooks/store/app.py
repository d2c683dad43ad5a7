"""The store's FastAPI application: settings, lifecycle and wiring (routes live in :mod:`.routes`)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import FastAPI

from quality_hooks import __version__
from quality_hooks.store import prometheus
from quality_hooks.store.db import Database
from quality_hooks.store.email import SmtpSettings
from quality_hooks.store.errors import install_handlers
from quality_hooks.store.guard import Guard
from quality_hooks.store.migrations import migrate
from quality_hooks.store.notify import DEFAULT_LEASE, Notifier
from quality_hooks.store.page_routes import router as pages_router
from quality_hooks.store.ratelimit import Limiter, RateLimiter, SharedRateLimiter
from quality_hooks.store.routes import router

log = logging.getLogger("quality_hooks.store")


@dataclass
class Settings:
    database: str = "quality-store.sqlite3"
    max_body: int = 8 * 1024 * 1024
    rate_per_second: float = 20.0
    rate_burst: int = 200
    public_url: str | None = None
    webhook_backoff: float = 5.0
    webhook_attempts: int = 6
    webhook_poll: float = 2.0
    #: Let webhooks reach loopback, private and link-local addresses (see store/egress.py).
    allow_private_webhooks: bool = False
    pool_size: int = 8
    #: Seconds a delivery's claim lasts between renewals (renewed every third of it while sending).
    delivery_lease: float = DEFAULT_LEASE


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Migrate, run the webhook sender while serving, then close the database."""
    db: Database = app.state.db
    applied = migrate(db)
    if applied:
        log.info("applied migrations %s", applied)
    app.state.notifier.start()
    yield
    app.state.notifier.stop()
    db.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The store app; handlers find ``db``, ``notifier``, ``settings`` and ``request_metrics`` on ``app.state``."""
    settings = settings or Settings()
    db = Database(settings.database, pool_size=settings.pool_size)
    app = FastAPI(
        title="quality-hooks metrics store",
        version=__version__,
        description="Quality history per project: push runs, read history and comparisons, badges, alerts, webhooks.",
        lifespan=_lifespan,
    )
    app.state.db = db
    app.state.settings = settings
    app.state.notifier = Notifier(
        db,
        public_url=settings.public_url,
        backoff=settings.webhook_backoff,
        max_attempts=settings.webhook_attempts,
        poll=settings.webhook_poll,
        allow_private=settings.allow_private_webhooks,
        smtp=SmtpSettings.from_env(),
        lease=settings.delivery_lease,
    )
    app.state.request_metrics = prometheus.RequestMetrics()
    limiter: Limiter | None = None
    if settings.rate_per_second > 0 and db.dialect == "postgresql":  # every instance shares one budget per token
        limiter = SharedRateLimiter(db, settings.rate_per_second, settings.rate_burst)
    elif settings.rate_per_second > 0:
        limiter = RateLimiter(settings.rate_per_second, settings.rate_burst)
    app.add_middleware(Guard, max_body=settings.max_body, limiter=limiter, metrics=app.state.request_metrics)
    install_handlers(app)
    app.include_router(router)
    app.include_router(pages_router)
    return app


def app_from_env() -> FastAPI:
    """Factory for multi-worker uvicorn: settings travel in ``QUALITY_STORE_SETTINGS``."""
    import ast
    import os

    return create_app(Settings(**ast.literal_eval(os.environ.get("QUALITY_STORE_SETTINGS", "{}"))))
