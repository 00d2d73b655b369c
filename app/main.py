"""The ASGI application: routers, error handlers, and the lifespan that checks the schema."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TypedDict

from fastapi import APIRouter, Depends, FastAPI, Request, Response, params
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncEngine

from app import __version__
from app.actors.routes import router as actors_router
from app.auth.deps import AdminKey, Credentials, require_access, require_read
from app.auth.routes import router as keys_router
from app.claims.question_routes import router as claim_questions_router
from app.claims.routes import router as claims_router
from app.claims.similar_routes import router as similar_claims_router
from app.db.engines import create_engine, create_sessionmaker
from app.db.paging import load_cursors
from app.db.replica import Reads
from app.explore.routes import install_explore
from app.history import recorder
from app.history.routes import router as history_router
from app.http import heap, idempotency
from app.http.conditional import ETags, check_if_match
from app.http.contract import document_trust
from app.http.deps import SessionDep
from app.http.docs import install_docs
from app.http.middleware import LimitSizes, RejectNulInURL, reject_unknown_query, require_json
from app.http.observability import RequestContext, configure_logging
from app.http.operations import metrics_router
from app.http.operations import router as operations_router
from app.http.problems import install_error_handlers
from app.http.read_limits import install_read_limits
from app.migrate import SchemaNotCurrent, check_current
from app.settings import Settings, get_settings
from app.sources.routes import router as sources_router
from app.stances.routes import router as stances_router
from app.stances.vocabulary_routes import router as vocabulary_router
from app.suggestions.routes import router as suggestions_router
from app.transfer.routes import router as transfer_router

DESCRIPTION = """
claimgraph records **who asserted a claim, where, when, with what certainty, and who disputes
it**. Actors take *stances* on *claims*, as recorded in *sources*; each stance has a label from
one controlled vocabulary (`confirmed` … `denied`, see `/v1/vocabulary/stances`) whose side
(support, neutral, dispute) and ICD 203 probability band are fixed.

Lists are keyset-paginated: pass `next_cursor` back as `cursor` (also in the `Link` header).
Errors are RFC 9457 problem details (`application/problem+json`) with a stable `type`.
Dates and times are ISO 8601; a value sent without a time zone is taken as UTC. Ids are UUIDs.

To read the records as pages rather than JSON, open the [claim explorer](/explore): each
claim's sides, stances, timeline and provenance (a claim's `links.page` is its page).
"""


async def guard(
    request: Request, response: Response, credentials: Credentials, session: SessionDep
) -> None:
    """The checks of every API route, in order: the caller's key and scope, no unknown query
    parameter, the Idempotency-Key (only for a caller with a key), and If-Match. One
    dependency rather than four: FastAPI resolves each dependency of each request on its own,
    which cost more than the checks."""
    key = await require_access(request, response, credentials)
    await reject_unknown_query(request)
    await require_json(request)
    if key is not None:
        await idempotency.claim_key(request, session, f"key:{key.id}")
    await check_if_match(request, session)


async def admin_guard(request: Request, key: AdminKey, session: SessionDep) -> None:
    """The checks of the key-management routes: an admin key first, then as `guard`."""
    await reject_unknown_query(request)
    await require_json(request)
    await idempotency.claim_key(request, session, f"key:{key.id}")


async def read_guard(request: Request, response: Response, credentials: Credentials) -> None:
    """The checks of routes that only read whatever their method (`POST /v1/suggestions`): the
    caller's key as for a GET, no unknown query parameter, a JSON body. No Idempotency-Key:
    they write nothing, so a retry gets the same answer anyway."""
    await require_read(request, response, credentials)
    await reject_unknown_query(request)
    await require_json(request)


# The API's routers, in matching order; each of their routes runs `guard` first. A request
# is matched against the routes one by one, each match costing a few microseconds, so the
# most asked-for come first: claims and their questions, stances, then the rest.
GUARDED_ROUTERS = (
    similar_claims_router,  # before claims_router: `/similar` is not a claim id
    claims_router,
    claim_questions_router,
    stances_router,
    actors_router,
    sources_router,
    history_router,
    vocabulary_router,
    transfer_router,
)


def add_routes(app: FastAPI, router: APIRouter, dependencies: Sequence[params.Depends]) -> None:
    """The router's routes added to the app itself, each with `dependencies` before its own.
    What `include_router` would serve, matched once per request: FastAPI keeps an included
    router as one entry of the app's routes, and matches a request against that router's
    routes twice, once to choose the router and once the route."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{route!r} is not an API route")
        app.router.add_api_route(
            route.path,
            route.endpoint,
            response_model=route.response_model,
            status_code=route.status_code,
            tags=route.tags,
            dependencies=[*dependencies, *route.dependencies],
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses=route.responses,
            deprecated=route.deprecated,
            methods=route.methods,
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema,
            response_class=route.response_class,
            name=route.name,
            callbacks=route.callbacks,
            openapi_extra=route.openapi_extra,
            generate_unique_id_function=route.generate_unique_id_function,
            strict_content_type=route.strict_content_type,
            max_body_size=route.max_body_size,
            form_limits=route.form_limits,
        )


# A little over app.db.bulk.PG_TIMEOUT, the longest an import's statement may run.
IMPORT_COMMAND_TIMEOUT = 16 * 60.0


class DatabaseWaits(TypedDict):
    """The waits `create_engine` takes, as keyword arguments."""

    statement_timeout_ms: int | None
    command_timeout: float | None
    connect_timeout: float
    pool_timeout: float


def database_waits(settings: Settings) -> DatabaseWaits:
    """How long a request's engines wait on the database, from the settings."""
    return {
        "statement_timeout_ms": settings.statement_timeout_ms,
        "command_timeout": settings.db_command_timeout_ms / 1000,
        "connect_timeout": settings.db_connect_timeout_ms / 1000,
        "pool_timeout": settings.db_pool_timeout_ms / 1000,
    }


def create_app(settings: Settings | None = None) -> FastAPI:
    """A claimgraph app bound to the settings' database."""
    settings = settings or get_settings()
    waits = database_waits(settings)
    engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        echo=settings.db_echo,
        pgbouncer=settings.db_pgbouncer,
        **waits,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await check_current(engine)  # refuse to serve a database whose migrations are behind
        app.state.cursors = await load_cursors(engine)
        heap.settle()
        yield
        for each in (engine, read_engine, query_engine, *extra_engines):
            if each is not None:
                await each.dispose()

    app = FastAPI(
        title="claimgraph",
        version=__version__,
        summary="Claim provenance: who asserted what, where, when, and who disputes it.",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    configure_logging(settings.log_level)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    sqlite = engine.dialect.name == "sqlite"
    read_engine: AsyncEngine | None = None
    extra_engines: list[AsyncEngine] = []
    if settings.database_read_url or sqlite:
        # Transactions that only read, for reads that need one snapshot (the export): on the
        # replica, or beside SQLite's one writer.
        read_engine = create_engine(
            settings.database_read_url or settings.database_url,
            pool_size=settings.db_pool_size,
            writer=False,
            pgbouncer=settings.db_read_pgbouncer,
            **waits,
        )
        app.state.read_sessionmaker = create_sessionmaker(read_engine)

    # GET requests: one statement at a time, no transaction (see create_engine); on the
    # replica when there is one, and on the primary while it is away (app/db/replica.py).
    def queries_on(url: str, pgbouncer: bool) -> AsyncEngine:
        return create_engine(
            url, pool_size=settings.db_pool_size, autocommit=True, pgbouncer=pgbouncer, **waits
        )

    query_engine = queries_on(settings.database_url, settings.db_pgbouncer)
    replica_queries = None
    if settings.database_read_url:
        extra_engines.append(query_engine)
        replica_queries = queries_on(settings.database_read_url, settings.db_read_pgbouncer)
    app.state.reads = Reads(query_engine, replica_queries)
    primary_queries = query_engine
    query_engine = replica_queries or query_engine
    app.state.query_engine = query_engine
    app.state.query_sessionmaker = create_sessionmaker(query_engine)
    # Keys are checked on the primary (a key made a moment ago may not have reached a
    # replica), and on SQLite beside its writer, which a check must not wait for. The check
    # is one SELECT: run on its own (autocommit), it costs one round trip, where a writer's
    # session added a ping, BEGIN and ROLLBACK to every request with a key.
    app.state.key_sessionmaker = (
        app.state.query_sessionmaker
        if primary_queries is query_engine
        else create_sessionmaker(primary_queries)
    )
    if not sqlite:
        # Imports: a statement of a large one may rightly run for minutes (the bulk writer
        # raises its statement timeout), so the command timeout is as long; a connection is
        # opened for each import rather than kept.
        import_engine = create_engine(
            settings.database_url,
            pool_size=0,
            pgbouncer=settings.db_pgbouncer,
            **(waits | {"command_timeout": IMPORT_COMMAND_TIMEOUT}),
        )
        extra_engines.append(import_engine)
        app.state.import_sessionmaker = create_sessionmaker(import_engine)
    recorder.install()
    install_error_handlers(app)
    idempotency.install(app)
    # Outermost last: request context wraps the read limits and size limits, which wrap
    # the rest.
    app.add_middleware(ETags)
    app.add_middleware(idempotency.CommitWithResponse)
    app.add_middleware(RejectNulInURL)
    app.add_middleware(
        LimitSizes,
        max_body=settings.max_body_bytes,
        max_import=settings.max_import_bytes,
        max_query=settings.max_query_bytes,
    )
    install_read_limits(app, settings)
    app.add_middleware(RequestContext)
    # First: probes ask for /healthz and /readyz more often than clients ask for anything.
    add_routes(app, operations_router, [])
    guarded = [Depends(guard)]
    for router in GUARDED_ROUTERS:
        add_routes(app, router, guarded)
    add_routes(app, suggestions_router, [Depends(read_guard)])
    add_routes(app, keys_router, [Depends(admin_guard)])
    add_routes(app, metrics_router, [Depends(require_access)])
    install_explore(app)  # HTML pages, outside the schema; they check access themselves
    install_docs(app)
    document_trust(app, reads_open=not settings.reads_require_key)

    return app


__all__ = ["SchemaNotCurrent", "create_app"]
