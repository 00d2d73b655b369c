"""Managing API keys over HTTP (admin keys only)."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status
from pydantic import Field

from app.auth import keys
from app.auth.deps import AdminKey, require_admin
from app.auth.keys import KeyOut, NewKey, Scope
from app.http import idempotency
from app.http.deps import PagingDep, SessionDep
from app.http.problem_docs import problem_responses
from app.schemas import InputSchema, Name, Page

router = APIRouter(
    prefix="/v1/keys",
    tags=["keys"],
    dependencies=[Depends(require_admin)],
    responses=problem_responses(401, 403),
)


class KeyCreate(InputSchema):
    """A new key's name, scope and lifetime."""

    name: Name = Field(description="What the key is for, e.g. `ingest-bot`.")
    scope: Scope = Field(description="`read`, `write` or `admin`.")
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] | None = Field(
        default=None, description="Days until the key stops working; never when omitted."
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_key",
    summary="Make an API key",
    responses=problem_responses(422),
)
async def create_key(data: KeyCreate, session: SessionDep, request: Request) -> NewKey:
    """Make a key. The response holds the key itself, shown this once: only its hash is
    stored. Sent again with the same `Idempotency-Key`, the request answers the same key
    without its secret (`key` is null)."""
    expires = timedelta(days=data.expires_in_days) if data.expires_in_days else None
    idempotency.replay_as(request, keys.without_secret)
    return await keys.create_key(session, name=data.name, scope=data.scope, expires_in=expires)


@router.get("", operation_id="list_keys", summary="List API keys", responses=problem_responses(422))
async def list_keys(session: SessionDep, paging: PagingDep) -> Page[KeyOut]:
    """Keys by prefix, name, scope and state, in creation order; never the keys themselves."""
    items, cursor = await keys.list_keys(session, paging.page)
    return paging.answer(items, cursor)


@router.delete(
    "/{key_id}",
    operation_id="revoke_key",
    summary="Revoke an API key",
    responses=problem_responses(404, 409),
)
async def revoke_key(
    key_id: Annotated[str, Path(max_length=64, description="The key's id or prefix.")],
    session: SessionDep,
    caller: AdminKey,
) -> KeyOut:
    """Revoke a key by id or prefix; it stops working at once. A key cannot revoke itself
    (409): revoke it with another admin key, or with `claimgraph keys revoke`."""
    return await keys.revoke_key(session, key_id, not_by=caller.id)
