"""`claimgraph suggest SOURCE_ID|FILE`: the suggestions as a table; `--accept` records them."""

import asyncio
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app import migrate
from app.cli.database import prepare
from app.context import current_writer
from app.db.engines import create_engine, create_sessionmaker, session_scope
from app.errors import DomainError
from app.history import recorder
from app.settings import get_settings
from app.suggestions import accept, service
from app.suggestions.schemas import SuggestionOut, SuggestionRequest, SuggestionsOut
from app.vocabulary import SourceKind

console = Console()
WRITER = "cli:suggest"


def _request(target: str, claims: list[str], language: str | None) -> SuggestionRequest:
    try:
        source_id: uuid.UUID | None = uuid.UUID(target)
    except ValueError:
        source_id = None
    extra = {"claims": claims or None, "language": language}
    if source_id is not None:
        return SuggestionRequest(source_id=source_id, **extra)
    path = Path(target)
    if not path.is_file():
        raise typer.BadParameter("neither a source id nor a readable file", param_hint="TARGET")
    return SuggestionRequest(text=path.read_text("utf-8"), **extra)


def _file_source(path: Path, text: str, language: str | None) -> dict[str, object]:
    """A source record for a file's text: its first line is the title."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), path.name)
    return {"kind": SourceKind.other, "title": first[:1000], "text": text, "language": language}


def _table(items: list[SuggestionOut]) -> Table:
    table = Table("#", "speaker", "label", "claim", "score", "quote", title="suggestions")
    for n, item in enumerate(items, start=1):
        who = item.speaker.name + ("" if item.speaker.actor_id else " (new)")
        claim = item.claim.statement + ("" if item.claim.claim_id else " (new)")
        table.add_row(
            str(n),
            f"{who} [dim]{item.speaker.voice}[/dim]",
            item.label.value,
            f"{claim} [dim]{item.claim.score:.2f}[/dim]",
            f"{item.score:.2f}",
            item.quote if len(item.quote) <= 120 else item.quote[:117] + "…",
        )
    return table


async def _run(
    data: SuggestionRequest, target: str, accepting: bool, create_missing: bool
) -> tuple[SuggestionsOut, Counter[str] | None]:
    recorder.install()
    current_writer.set(WRITER)
    engine = create_engine(get_settings().database_url)
    try:
        await prepare(engine)  # an empty database gets the schema; one behind is refused
        counts = None
        async for session in session_scope(create_sessionmaker(engine)):
            found = await service.suggest(session, data)
            if accepting:
                source = None
                if data.source_id is None:
                    source = _file_source(Path(target), data.text or "", found.language)
                counts = await accept.accept(
                    session,
                    found.items,
                    source_id=data.source_id,
                    source=source,
                    create_missing=create_missing,
                    by=WRITER,
                )
        return found, counts
    finally:
        await engine.dispose()


def suggest(
    target: Annotated[str, typer.Argument(help="A source's id (its stored text) or a text file.")],
    claim: Annotated[
        list[str] | None,
        typer.Option("--claim", help="Look only for stances on this statement (repeatable)."),
    ] = None,
    language: Annotated[str | None, typer.Option(help="The text's language (default en).")] = None,
    accept_all: Annotated[
        bool, typer.Option("--accept", help="Record every suggested stance (all or nothing).")
    ] = False,
    create_missing: Annotated[
        bool,
        typer.Option(
            "--create-missing",
            help="With --accept: create the actors and claims (and a file's source) that do "
            "not exist yet.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the suggestions as JSON.")] = False,
) -> None:
    """Suggest the stances a source's text (or a file's) holds, as a table. `--accept` records
    them through the normal write path, in one transaction, and again changes nothing."""
    data = _request(target, claim or [], language)
    try:
        found, counts = asyncio.run(_run(data, target, accept_all, create_missing))
    except (DomainError, migrate.SchemaNotCurrent) as exc:
        console.print(f"[red]{getattr(exc, 'detail', exc)}[/red]", soft_wrap=True)
        raise typer.Exit(1) from exc
    if as_json:
        sys.stdout.write(found.model_dump_json(indent=2) + "\n")
    else:
        console.print(_table(found.items))
    if counts is not None:
        table = Table("record", "created", "already present", title="accepted")
        for kind in ("actor", "source", "claim", "stance"):
            table.add_row(kind, str(counts[f"{kind} created"]), str(counts[f"{kind} matched"]))
        (Console(stderr=True) if as_json else console).print(table)
