"""Claim relations: a claim (the owner) contradicts, supports, refines (is a more specific
case of) or duplicates (`same_as`) another claim."""

from app.claims.schemas import ClaimRelationCreate, ClaimRelationOut, ClaimRelationUpdate
from app.links.kind import End, LinkDocs, LinkKind
from app.models import Claim, ClaimRelation
from app.vocabulary import ClaimRelationKind

CLAIM_RELATIONS = LinkKind(
    entity="claim relation",
    model=ClaimRelation,
    owner=End(model=Claim, entity="claim", column=ClaimRelation.claim_id),
    other=End(model=Claim, entity="claim", column=ClaimRelation.related_claim_id),
    distinct_by=(ClaimRelation.kind,),
    kinds=ClaimRelationKind,
    self_link="a claim cannot relate to itself",
    create_schema=ClaimRelationCreate,
    update_schema=ClaimRelationUpdate,
    out_schema=ClaimRelationOut,
    segment="relations",
    link_param="relation_id",
    docs=LinkDocs(
        create_summary="Relate a claim to another",
        create="Record that this claim contradicts, supports, refines (is a more specific case "
        "of) or duplicates (`same_as`) another claim.",
        update="Change the kind of a relation.",
        outgoing="from this claim",
        incoming="from others to this one",
    ),
)
