"""Fuzzing the contract: schemathesis generates valid and invalid requests for every operation
of the app's own OpenAPI document and runs every one of its checks on each answer (no server
error, status, content type, headers and body as documented, invalid input rejected, valid
input accepted, authentication as documented). Fixed seed (derandomized); the case count is
printed and must reach MIN_CASES.

The app runs as shipped, as `claimgraph serve` on its own fresh database (migrated by
Alembic): reads open, writes behind a key; the document says so (a GET's security lists the
empty requirement). Schemathesis sends its cases over HTTP, on one kept-alive connection,
so the server keeps its pool of database connections from case to case.
"""

import json
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, reject, settings
from schemathesis.core.transport import Response
from schemathesis.generation.modes import GenerationMode

from app.auth import keys
from app.main import create_app
from app.settings import Settings
from tests.conftest import fresh_database
from tests.live import key_on, serve

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 110
MIN_CASES = 5000
CASES: Counter[str] = Counter()


async def _prepare(url: str) -> str:
    return await key_on(url, keys.Scope.admin, "fuzz", upgrade=True)


@pytest.fixture(scope="module")
async def fuzz_target(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[str, str]]:
    """The server's URL and an admin key."""
    where = tmp_path_factory.mktemp(f"fuzz-{backend}")
    async with fresh_database(backend, where) as url:
        key = await _prepare(url)
        async with serve(url, where / "server.log") as server:
            yield server.url, key


@pytest.fixture(scope="module")
def fuzz_session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def _openapi() -> dict[str, object]:
    """The OpenAPI document (the same for every database; no connection is made)."""
    app = create_app(Settings(database_url="sqlite://"))
    return app.openapi()


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx: object, value: object) -> bytes:
    """A generated import body: text as it is, anything else as one JSON line."""
    return value.encode() if isinstance(value, str) else json.dumps(value).encode() + b"\n"


schema = schemathesis.openapi.from_dict(_openapi())
# Refusing invalid input as too long (413 body, 414 URL) is a rejection too.
_negative = schema.config.checks.negative_data_rejection
_negative.expected_statuses = [*_negative.expected_statuses, "413", "414"]


# A schema-valid request may still be refused for what the schema cannot say: a referenced id
# that does not exist, a probability outside its label's band, a cursor this service did not
# issue, a URL that is not http(s), a string of only spaces. Those are 422 problems naming the
# field, by design: positive_data_acceptance takes them as refusals of valid input, and
# `valid_input_is_accepted` checks that each such 422 names what it refused.
REFUSALS_OF_VALID_INPUT = {401, 403, 404, 409, 410, 412, 422, 429}
schema.config.checks.positive_data_acceptance.expected_statuses = [
    "2XX",
    "3XX",
    *map(str, sorted(REFUSALS_OF_VALID_INPUT)),
]


def valid_input_is_accepted(ctx: object, response: Response, case: schemathesis.Case) -> None:
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return
    status = response.status_code
    if 400 <= status < 500 and status not in REFUSALS_OF_VALID_INPUT:
        raise AssertionError(f"schema-valid request answered {status}: {response.text[:500]}")
    if status == 422:
        problem = response.json()
        assert problem["type"].startswith("/problems/"), problem
        assert problem.get("errors") or problem["type"] != "/problems/invalid-request", problem


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_contract(
    case: schemathesis.Case, fuzz_target: tuple[str, str], fuzz_session: requests.Session
) -> None:
    negative = case.meta is not None and case.meta.generation.mode == GenerationMode.NEGATIVE
    if negative and any(v is None or v == [] for v in (case.query or {}).values()):
        # The transport drops such a parameter: what is sent is a valid request, which the
        # negative check would count as invalid input accepted. Not a case that can be sent.
        reject()
    CASES[case.operation.label] += 1
    url, key = fuzz_target
    case.call_and_validate(
        base_url=url,
        session=fuzz_session,
        headers={"Authorization": f"Bearer {key}"},
        additional_checks=[valid_input_is_accepted],
        timeout=30,
    )


def test_enough_cases(
    request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str], backend: str
) -> None:
    """Runs after the fuzzing (same module) of each database: prints the count so far and
    checks the budget was spent."""
    total = sum(CASES.values())
    with capsys.disabled():
        print(
            f"\n[schemathesis] {backend}: cases={total} operations={len(CASES)} "
            f"max_examples_per_operation={EXAMPLES_PER_OPERATION} seed=derandomized"
        )
    if request.config.option.keyword or request.config.option.markexpr:
        pytest.skip("a selection of tests ran")
    assert total >= MIN_CASES, CASES
