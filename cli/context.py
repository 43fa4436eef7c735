"""The composition root: settings, servers and the pool, created once per command, on first use."""

from __future__ import annotations

import logging
import os

from store.config import Settings
from store.db import Database
from store.services import Services, start_services

log = logging.getLogger(__name__)


class AppContext:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._services: Services | None = None
        self._db: Database | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            self._services = start_services(self.settings)
            # Child processes (rq worker, scrapy) find the same servers instead of starting new ones.
            os.environ.setdefault("DATABASE_URL", self._services.database_url)
            os.environ.setdefault("REDIS_URL", self._services.redis_url)
        return self._services

    def database(self, migrate: bool = True) -> Database:
        if self._db is None:
            from store import migrate as migrations

            db = Database(self.services.database_url, zone=self.settings.timezone).open()
            if migrate:
                applied = migrations.upgrade(db)
                for m in applied:
                    log.info("applied migration %04d_%s", m.version, m.name)
            self._db = db
        return self._db

    def redis(self):
        from store.queue import connect_redis

        return connect_redis(self.services.redis_url)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
