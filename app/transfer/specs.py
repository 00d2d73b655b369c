"""The record types of an import: each one's schema, refs, input rules and field sets.

A record's fields are validated by the resource's own `XCreate` schema, each ref standing in for
the id field it replaces (`publisher` for `publisher_id`, ...).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from app.actors.affiliations import check_affiliation
from app.actors.schemas import ActorCreate, AffiliationCreate
from app.claims import rules as claim_rules
from app.claims.schemas import ClaimCreate, ClaimRelationCreate
from app.sources.schemas import CitationCreate, SourceCreate
from app.stances.schemas import StanceCreate
from app.transfer import rules
from app.transfer.rules import Derived

# Record types in dependency order: a record refers only to types before its own.
TYPES = ("actor", "affiliation", "source", "citation", "claim", "claim_relation", "stance")
REFERABLE = frozenset({"actor", "source", "claim"})


@dataclass(frozen=True, slots=True)
class RefField:
    """A field that refers to another record, and the schema field it stands for."""

    name: str
    target: str
    schema_field: str | None
    many: bool = False
    required: bool = True


@dataclass(frozen=True, slots=True)
class Spec:
    name: str
    schema: "type[BaseModel]"
    refs: tuple[RefField, ...]
    # Takes the type's own schema; what it derives, if anything (else None).
    check: Callable[[Any], Derived | None] | None = None

    @property
    def id_fields(self) -> frozenset[str]:
        return frozenset(r.schema_field for r in self.refs if r.schema_field)


SPECS: dict[str, Spec] = {
    spec.name: spec
    for spec in (
        Spec("actor", ActorCreate, ()),
        Spec(
            "affiliation",
            AffiliationCreate,
            (
                RefField("actor", "actor", None),
                RefField("organization", "actor", "organization_id"),
            ),
            lambda data: check_affiliation(dict(data)),
        ),
        Spec(
            "source",
            SourceCreate,
            (
                RefField("publisher", "actor", "publisher_id", required=False),
                RefField("authors", "actor", "author_ids", many=True, required=False),
            ),
            rules.check_source,
        ),
        Spec(
            "citation",
            CitationCreate,
            (RefField("source", "source", None), RefField("cited", "source", "cited_source_id")),
        ),
        Spec(
            "claim",
            ClaimCreate,
            (RefField("about", "actor", "about_actor_ids", many=True, required=False),),
            claim_rules.check_claim,
        ),
        Spec(
            "claim_relation",
            ClaimRelationCreate,
            (RefField("claim", "claim", None), RefField("related", "claim", "related_claim_id")),
        ),
        Spec(
            "stance",
            StanceCreate,
            (
                RefField("claim", "claim", "claim_id"),
                RefField("actor", "actor", "actor_id"),
                RefField("source", "source", "source_id"),
                RefField("retraction_source", "source", "retraction_source_id", required=False),
            ),
            rules.check_stance,
        ),
    )
}
# Fields with a non-null default (lists, dicts): a null there is taken as "not given".
NULL_MEANS_ABSENT = {
    name: frozenset(
        f
        for f, info in spec.schema.model_fields.items()
        if info.default is not None and info.default is not PydanticUndefined
    )
    | {r.name for r in spec.refs if r.many}
    for name, spec in SPECS.items()
}
# Optional fields: a null there validates as the default would, so it is not validated.
OPTIONAL = {
    name: frozenset(
        f for f, info in spec.schema.model_fields.items() if info.default is not PydanticUndefined
    )
    for name, spec in SPECS.items()
}
ID_FIELDS = {name: spec.id_fields for name, spec in SPECS.items()}
RENAMED = {
    name: {r.schema_field: r.name for r in spec.refs if r.schema_field}
    for name, spec in SPECS.items()
}
