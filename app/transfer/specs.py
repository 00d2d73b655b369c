"""The record types of an import, each declared by its own package (`app.stances.imports`,
...), in dependency order; and the field sets a line's parsing reads off their schemas."""

from pydantic_core import PydanticUndefined

from app.actors.imports import ACTOR, AFFILIATION
from app.claims.imports import CLAIM, CLAIM_RELATION
from app.ingest.records import Spec
from app.sources.imports import CITATION, SOURCE
from app.stances.imports import STANCE

# Record types in dependency order: a record refers only to types before its own.
SPECS: dict[str, Spec] = {
    spec.name: spec
    for spec in (ACTOR, AFFILIATION, SOURCE, CITATION, CLAIM, CLAIM_RELATION, STANCE)
}
TYPES = tuple(SPECS)
REFERABLE = frozenset({"actor", "source", "claim"})
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
RENAMED = {name: spec.renamed for name, spec in SPECS.items()}
