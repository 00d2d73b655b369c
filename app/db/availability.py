"""Whether an error means the database cannot answer now (unreachable, shutting down, out of
resources, a transient conflict, a statement timeout), whatever driver raised it."""

import errno

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import exc as sa_exc

# SQLSTATE classes and codes that mean "the database cannot answer now; retry": connection
# exceptions, insufficient resources, operator intervention (shutdown, restart), and the
# transient conflicts PostgreSQL asks clients to retry.
TRANSIENT_SQLSTATES = ("08", "53", "57P", "40001", "40P01")
STATEMENT_TIMEOUT = "57014"
UNREACHABLE_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ETIMEDOUT,
        errno.EPIPE,
    }
)


def _sqlstate(exc: BaseException) -> str | None:
    code = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return code if isinstance(code, str) else None


def unavailable(exc: BaseException) -> str | None:
    """Why `exc` means the database cannot answer now (`database-unavailable` or
    `statement-timeout`), or None when it is some other error."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        state = _sqlstate(current)
        if state == STATEMENT_TIMEOUT:
            return "statement-timeout"
        if state is not None and state.startswith(TRANSIENT_SQLSTATES):
            return "database-unavailable"
        if isinstance(current, sa_exc.TimeoutError):  # no pooled connection came free in time
            return "database-unavailable"
        if isinstance(current, sa_exc.DBAPIError) and (
            current.connection_invalidated
            or isinstance(current, sa_exc.OperationalError | sa_exc.InterfaceError)
        ):
            return "database-unavailable"
        if isinstance(current, ConnectionError | TimeoutError) or (
            isinstance(current, OSError)
            and (current.errno in UNREACHABLE_ERRNOS or str(current).startswith("Multiple"))
        ):
            return "database-unavailable"
        if type(current).__module__.startswith("asyncpg") and (
            "Connection" in type(current).__name__ or "InterfaceError" in type(current).__name__
        ):
            return "database-unavailable"
        if isinstance(current, asyncpg.InternalClientError):
            # A server shutting down sends each idle connection a FATAL error before closing
            # it: asyncpg, not expecting one, leaves the connection mid-error, and a statement
            # sent on it before the close arrives fails with this.
            return "database-unavailable"
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None
