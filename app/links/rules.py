"""What an owned link must satisfy beyond its schema: it does not link a record to itself, and
its kind's own rule (an affiliation's interval) holds. Shared by the links' service and the
import, so both refuse exactly the same links."""

import uuid
from collections.abc import Mapping
from typing import Any

from app.errors import InvalidField
from app.links.kind import LinkKind


def check_not_self(kind: LinkKind[Any, Any, Any, Any], owner_id: object, other_id: object) -> None:
    """422 naming the other end's field when the link would join a record to itself."""
    if other_id == owner_id:
        raise InvalidField(kind.other.key, kind.self_link)


def check_link(kind: LinkKind[Any, Any, Any, Any], fields: Mapping[str, Any]) -> None:
    """The rules a link's fields (its columns by name) must meet: `check_not_self`, then the
    kind's own rule."""
    owner_id: uuid.UUID = fields[kind.owner.key]
    check_not_self(kind, owner_id, fields[kind.other.key])
    kind.check(fields)
