"""Records for the format tests, in the NDJSON export shape and with no database.

The worked example refers by key; `exported` gives every record a stable UUID (`id` = `key`)
and rewrites its refs to those ids, as the export does. `FACT_CHECK` adds a small synthetic
fact-check set on top of it (a fact-checker's verdicts, a republished and retracted post, a
citation chain, an explicit probability), so that every part of each mapping is exercised.
"""

import hashlib
import json
import uuid
from collections.abc import Iterable
from importlib import resources
from typing import Any

Record = dict[str, Any]

NAMESPACE = uuid.UUID("0b8e1a52-3c2d-5f4e-8a7b-1d2c3e4f5a6b")

# The full export shape of each type, with what a missing field exports as.
SHAPES: dict[str, Record] = {
    "actor": {
        "kind": None,
        "name": None,
        "aliases": [],
        "country": None,
        "description": None,
        "external_ids": {},
        "reliability": None,
    },
    "affiliation": {
        "actor": None,
        "organization": None,
        "kind": None,
        "role": None,
        "valid_from": None,
        "valid_to": None,
    },
    "source": {
        "kind": None,
        "title": None,
        "url": None,
        "publisher": None,
        "authors": [],
        "published_at": None,
        "retrieved_at": None,
        "language": None,
        "content_hash": None,
        "text": None,
    },
    "citation": {"source": None, "cited": None, "kind": None},
    "claim": {
        "statement": None,
        "tags": [],
        "about": [],
        "occurred_from": None,
        "occurred_to": None,
    },
    "claim_relation": {"claim": None, "related": None, "kind": None},
    "stance": {
        "claim": None,
        "actor": None,
        "source": None,
        "label": None,
        "probability": None,
        "confidence": None,
        "quote": None,
        "stated_at": None,
        "retracted_at": None,
        "retraction_source": None,
    },
}
REFS = {"actor", "organization", "publisher", "source", "cited", "claim", "related"}
REFS |= {"retraction_source"}
REF_LISTS = {"authors", "about"}

FACT_CHECK_TEXT = (
    "Fact check: posts claim the Kremlin has admitted that North Korean troops are in Ukraine. "
    "This is false. The Kremlin has not acknowledged any deployment; it has publicly denied the "
    "reports. The deployment itself is another matter: officials in Kyiv and Seoul say North "
    "Korean military personnel are with Russian forces, and on the evidence we judge it highly "
    "likely that they are."
)

FACT_CHECK: list[Record] = [
    {
        "type": "actor",
        "key": "example-fact-check",
        "kind": "fact_checker",
        "name": "Example Fact Check (synthetic)",
        "country": "GB",
        "description": "A synthetic fact-checking desk for the format tests.",
        "external_ids": {"ifcn": "example-fact-check"},
        "reliability": "B",
    },
    {"type": "actor", "key": "jane-roe", "kind": "person", "name": "Jane Roe (synthetic)"},
    {
        "type": "actor",
        "key": "john-doe",
        "kind": "person",
        "name": "John Doe (synthetic)",
        "aliases": ["@johndoe"],
    },
    {
        "type": "affiliation",
        "key": "john-doe-employed-by-example-fact-check",
        "actor": "john-doe",
        "organization": "example-fact-check",
        "kind": "employed_by",
        "role": "Intern",
        "valid_from": "2024-01-01",
        "valid_to": "2024-06-30",
    },
    {
        "type": "source",
        "key": "viral-post",
        "kind": "social_post",
        "title": "The Kremlin admits North Korean troops are in Ukraine (synthetic post)",
        "url": "https://social.example/janeroe/posts/1",
        "authors": ["jane-roe"],
        "published_at": "2024-10-12T09:30:00Z",
        "retrieved_at": "2024-10-13T08:00:00Z",
        "language": "en",
    },
    {
        "type": "source",
        "key": "reshare-post",
        "kind": "social_post",
        "title": "Reshare: the Kremlin admits it (synthetic post)",
        "url": "https://social.example/johndoe/posts/7",
        "authors": ["john-doe"],
        "published_at": "2024-10-12T11:00:00Z",
        "language": "en",
    },
    {
        "type": "source",
        "key": "reshare-correction",
        "kind": "social_post",
        "title": "Correction: the Kremlin did not admit it (synthetic post)",
        "url": "https://social.example/johndoe/posts/9",
        "authors": ["john-doe"],
        "published_at": "2024-10-15T07:45:00Z",
        "language": "en",
    },
    {
        "type": "source",
        "key": "fact-check-article",
        "kind": "fact_check",
        "title": "Fact check: the Kremlin has not acknowledged North Korean troops in Ukraine",
        "url": "https://factcheck.example/2024/10/kremlin-north-korean-troops",
        "publisher": "example-fact-check",
        "published_at": "2024-10-14T12:00:00Z",
        "retrieved_at": "2024-10-14T13:00:00Z",
        "language": "en",
        "text": FACT_CHECK_TEXT,
    },
    {
        "type": "citation",
        "key": "reshare-republishes-viral-post",
        "source": "reshare-post",
        "cited": "viral-post",
        "kind": "republishes",
    },
    {
        "type": "citation",
        "key": "fact-check-cites-viral-post",
        "source": "fact-check-article",
        "cited": "viral-post",
        "kind": "cites",
    },
    {
        "type": "citation",
        "key": "fact-check-quotes-article",
        "source": "fact-check-article",
        "cited": "article",
        "kind": "quotes",
    },
    {
        "type": "claim",
        "key": "kremlin-acknowledged-nk-troops",
        "statement": "The Kremlin has acknowledged that North Korean troops are in Ukraine",
        "tags": ["north-korea", "russia", "fact-check"],
        "about": ["kremlin", "korean-peoples-army"],
        "occurred_from": "2024-10-01T00:00:00Z",
    },
    {
        # A duplicate, worded as a post put it; nothing records it and it is about no one.
        "type": "claim",
        "key": "kremlin-admitted-nk-troops",
        "statement": "The Kremlin admitted North Korean troops are in Ukraine",
    },
    {
        "type": "claim_relation",
        "key": "kremlin-admitted-same-as-kremlin-acknowledged",
        "claim": "kremlin-admitted-nk-troops",
        "related": "kremlin-acknowledged-nk-troops",
        "kind": "same_as",
    },
    {
        "type": "claim_relation",
        "key": "kremlin-acknowledged-supports-nk-personnel-deployed",
        "claim": "kremlin-acknowledged-nk-troops",
        "related": "nk-personnel-deployed",
        "kind": "supports",
    },
    {
        "type": "stance",
        "key": "jane-roe-on-kremlin-acknowledged",
        "claim": "kremlin-acknowledged-nk-troops",
        "actor": "jane-roe",
        "source": "viral-post",
        "label": "asserted",
        "quote": "The Kremlin has now admitted it",
        "stated_at": "2024-10-12T09:30:00Z",
    },
    {
        "type": "stance",
        "key": "john-doe-on-kremlin-acknowledged",
        "claim": "kremlin-acknowledged-nk-troops",
        "actor": "john-doe",
        "source": "reshare-post",
        "label": "confirmed",
        "stated_at": "2024-10-12T11:00:00Z",
        "retracted_at": "2024-10-15T07:45:00Z",
        "retraction_source": "reshare-correction",
    },
    {
        "type": "stance",
        "key": "example-fact-check-on-kremlin-acknowledged",
        "claim": "kremlin-acknowledged-nk-troops",
        "actor": "example-fact-check",
        "source": "fact-check-article",
        "label": "denied",
        "confidence": "high",
        "quote": "The Kremlin has not acknowledged any deployment",
        "stated_at": "2024-10-14T12:00:00Z",
    },
    {
        "type": "stance",
        "key": "example-fact-check-on-nk-personnel-deployed",
        "claim": "nk-personnel-deployed",
        "actor": "example-fact-check",
        "source": "fact-check-article",
        "label": "highly_likely",
        "probability": 0.9,
        "confidence": "moderate",
        "quote": "on the evidence we judge it highly likely",
        "stated_at": "2024-10-14T12:00:00Z",
    },
]

ORDER = list(SHAPES)


def demo_keyed() -> list[Record]:
    """The worked example as shipped: records with client keys, refs by key."""
    text = resources.files("app.demo").joinpath("worked_example.ndjson").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def record_uuid(key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, key))


def exported(keyed: Iterable[Record]) -> list[Record]:
    """Keyed records as the export writes them: full shape, `id` = `key` = UUID, refs as ids.

    Records are put in the export's dependency order (actors, affiliations, sources, ...).
    """
    out: list[Record] = []
    for record in sorted(keyed, key=lambda r: ORDER.index(r["type"])):
        uid = record_uuid(record["key"])
        fields = {k: v for k, v in record.items() if k not in {"type", "key", "id"}}
        for name, value in fields.items():
            if name in REFS and value is not None:
                fields[name] = record_uuid(value)
            elif name in REF_LISTS:
                fields[name] = [record_uuid(v) for v in value]
        row = {"type": record["type"], "key": uid, "id": uid, **SHAPES[record["type"]], **fields}
        if row.get("text"):
            row["content_hash"] = hashlib.sha256(row["text"].encode()).hexdigest()
        out.append(row)
    return out


def demo_records() -> list[Record]:
    """The worked example in the export shape."""
    return exported(demo_keyed())


def all_records() -> list[Record]:
    """The worked example and the synthetic fact-check set, in the export shape."""
    return exported([*demo_keyed(), *FACT_CHECK])


def render(name: str, records: Iterable[Record]) -> Any:
    """A format's output for the records, parsed (from a one-shot iterator, as a stream is)."""
    from app.formats import FORMATS

    chunks = list(FORMATS[name].render(iter(list(records))))
    assert all(isinstance(chunk, bytes) for chunk in chunks)
    return json.loads(b"".join(chunks))
