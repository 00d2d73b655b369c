"""The routers' routes, added to the app itself, serve what `include_router` would."""

from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute

from app.main import GUARDED_ROUTERS, add_routes, guard


def test_routes_added_to_the_app_are_those_include_router_gives() -> None:
    included, added = FastAPI(), FastAPI()
    for router in GUARDED_ROUTERS:
        included.include_router(router, dependencies=[Depends(guard)])
        add_routes(added, router, [Depends(guard)])
    assert added.openapi() == included.openapi()
    routes = [r for r in added.routes if isinstance(r, APIRoute)]
    assert len(routes) == sum(len(router.routes) for router in GUARDED_ROUTERS) > 40
    # Every route checks its caller first, then resolves its own dependencies.
    assert all(r.dependant.dependencies[0].call is guard for r in routes)
    # Routes, not included routers (which have no path): each is matched once per request.
    assert all(hasattr(r, "path") for r in added.router.routes)
    assert not all(hasattr(r, "path") for r in included.router.routes)
