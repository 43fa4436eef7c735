"""The project's own exceptions: callers never need to import psycopg or redis."""


class CallmatchError(Exception):
    """An error a user can meet; its message is one sentence that says what to do."""


class ConfigurationError(CallmatchError):
    """A setting is missing, malformed or points at something unusable."""


class StoreError(CallmatchError):
    """The database refused or failed an operation."""


class DatabaseUnavailable(StoreError):
    """The database cannot be reached."""


class NotFound(StoreError):
    """A row that was asked for does not exist."""


class Conflict(StoreError):
    """A write broke a uniqueness or integrity rule."""


class QueueUnavailable(CallmatchError):
    """Redis cannot be reached, so background work cannot be queued."""
