"""Affiliations: an actor (the owner) is a member of, part of, spokesperson for, employed by
or leads another actor, over an optional validity interval."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.actors.schemas import AffiliationCreate, AffiliationOut, AffiliationUpdate
from app.errors import InvalidField
from app.links.kind import End, LinkDocs, LinkKind
from app.models import Actor, Affiliation
from app.vocabulary import AffiliationKind


def check_interval(valid_from: datetime | None, valid_to: datetime | None) -> None:
    """422 naming `valid_to` when the interval ends before it starts."""
    if valid_from is not None and valid_to is not None and valid_from > valid_to:
        raise InvalidField("valid_to", "must not be before valid_from")


def check_affiliation(fields: Mapping[str, Any]) -> None:
    """An affiliation's own rule, given its fields by name (a new one's body, or its columns
    as created or changed): `check_interval`."""
    check_interval(fields.get("valid_from"), fields.get("valid_to"))


AFFILIATIONS = LinkKind(
    entity="affiliation",
    model=Affiliation,
    owner=End(model=Actor, entity="actor", column=Affiliation.actor_id),
    other=End(model=Actor, entity="actor", column=Affiliation.organization_id),
    distinct_by=(Affiliation.kind, Affiliation.valid_from),
    kinds=AffiliationKind,
    self_link="an actor cannot be affiliated with itself",
    create_schema=AffiliationCreate,
    update_schema=AffiliationUpdate,
    out_schema=AffiliationOut,
    check=check_affiliation,
    segment="affiliations",
    link_param="affiliation_id",
    docs=LinkDocs(
        create_summary="Affiliate an actor with an organization",
        create="Record that the actor is a member of, part of, spokesperson for, employed by or "
        "leads another actor, with an optional validity interval. Stances roll up along these "
        "links.",
        update="Change an affiliation's kind, role or validity interval.",
        outgoing="what the actor belongs to",
        incoming="its members",
    ),
)
