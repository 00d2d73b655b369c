"""NDJSON -> database -> NDJSON -> empty database: the same answers, on both databases."""

import uuid

import httpx
import pytest

from bench.generate import Dataset
from tests.transfer.helpers import (
    NewDatabase,
    answers,
    body,
    created,
    export,
    imported,
    lines,
    serving,
)

Ids = dict[str, uuid.UUID]


class TestRoundTrip:
    @pytest.mark.slow
    async def test_demo_reimports_to_the_same_answers(
        self, client: httpx.AsyncClient, demo: Ids, new_database: NewDatabase
    ) -> None:
        exported = await export(client)
        assert {r["type"] for r in lines(exported)} >= {"actor", "source", "claim", "stance"}
        async with new_database() as url, serving(url) as copy:
            report = await imported(copy, exported)
            assert created(report)["stance"] == len(
                [r for r in lines(exported) if r["type"] == "stance"]
            )
            assert await answers(copy) == await answers(client)
            assert await export(copy) == exported  # the same ids, the same records

    @pytest.mark.slow
    async def test_generated_data_reimports_to_the_same_answers(
        self, client: httpx.AsyncClient, new_database: NewDatabase
    ) -> None:
        await imported(client, body(Dataset(stances=600, seed=7).records()))
        exported = await export(client)
        async with new_database() as url, serving(url) as copy:
            await imported(copy, exported)
            assert await answers(copy, claims=25) == await answers(client, claims=25)
            assert await export(copy) == exported

    async def test_export_imported_into_its_own_database_changes_nothing(
        self, client: httpx.AsyncClient, demo: Ids
    ) -> None:
        exported = await export(client)
        report = await imported(client, exported)
        assert all(c["created"] == 0 and c["updated"] == 0 for c in report["counts"].values())
        assert await export(client) == exported
