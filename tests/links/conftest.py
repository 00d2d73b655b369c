"""Each kind of owned link, described for tests that run once per kind: affiliations
(actor → actor), citations (source → source) and claim relations (claim → claim)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import problem
from tests.factories import make_actor, make_claim, make_source

Record = dict[str, Any]


@dataclass(frozen=True)
class LinkCase:
    """One kind of link as a client sees it."""

    entity: str  # in problem types: `/problems/unknown-claim-relation`
    owners: str  # the owners' collection: `/v1/actors`
    owner_entity: str
    segment: str  # the owner's sub-path
    other_field: str  # the body field naming the other end: `organization_id`
    link_param: str  # the link id's path parameter
    make: Callable[[httpx.AsyncClient], Awaitable[Record]]  # a record a link can join
    kinds: tuple[str, str, str]  # three valid kinds
    invalid_kind: str
    default_kind: str | None  # the kind of a link created without one; None: it is required

    @property
    def owner_field(self) -> str:
        """The body field naming the owner: `actor_id`."""
        return f"{self.owner_entity}_id"

    @property
    def history_entity(self) -> str:
        """The link's name in the change feed: `claim_relation`."""
        return self.entity.replace("-", "_")

    def path(self, owner: Record, link: Record | None = None) -> str:
        base = f"{self.owners}/{owner['id']}/{self.segment}"
        return base if link is None else f"{base}/{link['id']}"

    def body(self, other: Record, kind: str | None = None, **over: Any) -> Record:
        return {self.other_field: other["id"], "kind": kind or self.kinds[0], **over}

    async def link(
        self, client: httpx.AsyncClient, owner: Record, other: Record, kind: str | None = None
    ) -> Record:
        r = await client.post(self.path(owner), json=self.body(other, kind))
        assert r.status_code == 201, r.text
        data: Record = r.json()
        return data

    def assert_unknown_link(self, response: httpx.Response) -> None:
        """`response` is the 404 problem+json for a link of this kind that is not there."""
        assert problem(response, 404)["type"] == f"/problems/unknown-{self.entity}"

    async def ids(self, client: httpx.AsyncClient, owner: Record, **params: Any) -> list[str]:
        r = await client.get(self.path(owner), params=params)
        assert r.status_code == 200, r.text
        return [item["id"] for item in r.json()["items"]]


CASES = [
    LinkCase(
        entity="affiliation",
        owners="/v1/actors",
        owner_entity="actor",
        segment="affiliations",
        other_field="organization_id",
        link_param="affiliation_id",
        make=make_actor,
        kinds=("member_of", "leads", "spokesperson_for"),
        invalid_kind="friend_of",
        default_kind=None,
    ),
    LinkCase(
        entity="citation",
        owners="/v1/sources",
        owner_entity="source",
        segment="citations",
        other_field="cited_source_id",
        link_param="citation_id",
        make=make_source,
        kinds=("cites", "quotes", "republishes"),
        invalid_kind="copies",
        default_kind="cites",
    ),
    LinkCase(
        entity="claim-relation",
        owners="/v1/claims",
        owner_entity="claim",
        segment="relations",
        other_field="related_claim_id",
        link_param="relation_id",
        make=make_claim,
        kinds=("refines", "supports", "contradicts"),
        invalid_kind="implies",
        default_kind=None,
    ),
]


@pytest.fixture(params=CASES, ids=[case.segment for case in CASES])
def case(request: pytest.FixtureRequest) -> LinkCase:
    """The kind of link the test runs for."""
    chosen: LinkCase = request.param
    return chosen


@pytest.fixture
async def owner(client: httpx.AsyncClient, case: LinkCase) -> Record:
    """A record of the kind's owner table: the end a link is made under."""
    return await case.make(client)


@pytest.fixture
async def other(client: httpx.AsyncClient, case: LinkCase, owner: Record) -> Record:
    """Another record of that table, not yet linked to `owner`."""
    return await case.make(client)


@pytest.fixture
async def link(client: httpx.AsyncClient, case: LinkCase, owner: Record, other: Record) -> Record:
    """A link of the kind's first kind from `owner` to `other`."""
    return await case.link(client, owner, other)
