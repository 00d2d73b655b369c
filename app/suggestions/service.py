"""Stance suggestions for a source's text or a given text: read by the rules, speakers looked
up among the actors, claims among those given or found. Stores nothing."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.claims import similar
from app.errors import InvalidField
from app.suggestions import build, queries
from app.suggestions.build import Who
from app.suggestions.engine import analyse
from app.suggestions.findings import Finding, Speaker
from app.suggestions.lexicon import Lexicon, UnknownLanguage, lexicon_for
from app.suggestions.matching import Option
from app.suggestions.schemas import MAX_TEXT, SuggestionRequest, SuggestionsOut
from app.suggestions.speakers import Naming, naming
from app.vocabulary import ActorKind

PROPOSED_SPEAKER = 0.85
PRONOUN = 0.85


async def _input(
    session: AsyncSession, data: SuggestionRequest
) -> tuple[str, queries.SourceText | None, Lexicon]:
    if data.source_id is not None and data.text is not None:
        raise InvalidField("text", "give either `source_id` or `text`, not both")
    source = None
    if data.source_id is not None:
        source = await queries.source_text(session, data.source_id)
        if source.text is None:
            raise InvalidField(
                "source_id", "the source holds no text: give it one, or send `text` instead"
            )
        if len(source.text) > MAX_TEXT:
            raise InvalidField(
                "source_id",
                f"the source's text has {len(source.text):,} characters; suggestions read "
                f"at most {MAX_TEXT:,} (send a part of it as `text`)",
            )
        text = source.text
    elif data.text is not None:
        text = data.text
    else:
        raise InvalidField("source_id", "give `source_id` (a source with its text) or `text`")
    language = data.language or (source.language if source else None)
    try:
        lexicon = lexicon_for(language)
    except UnknownLanguage as exc:
        raise InvalidField("language" if data.language else "source_id", str(exc)) from None
    return text, source, lexicon


def _publisher(source: queries.SourceText | None) -> Who:
    """Who speaks in the text's own voice: the source's publisher, else a proposed one."""
    if source is not None and source.publisher is not None:
        actor_id, name, kind = source.publisher
        return Who(actor_id, name, kind, 1.0)
    if source is not None:
        return Who(
            None, f"Publisher of \u201c{source.title}\u201d", ActorKind.media, PROPOSED_SPEAKER
        )
    return Who(None, "Author of the text", None, PROPOSED_SPEAKER)


def _who(
    names: dict[str, Naming], found: dict[str, list[queries.ActorRow]]
) -> dict[tuple[str, bool], Who]:
    out: dict[tuple[str, bool], Who] = {}
    for phrase, name in names.items():
        rows = next((found[k] for k in name.keys if k in found), None)
        for pronoun in (False, True):
            factor = PRONOUN if pronoun else 1.0
            if rows:
                row = next((r for r in rows if r.kind == name.kind), rows[0])
                out[phrase, pronoun] = Who(row.id, row.name, row.kind, factor)
            else:
                out[phrase, pronoun] = Who(None, name.name, name.kind, factor * PROPOSED_SPEAKER)
    return out


async def _options(
    session: AsyncSession, text: str, findings: list[Finding]
) -> dict[tuple[int, int], list[Option]]:
    """The candidate claims of each sentence that holds a finding (one lookup per distinct
    sentence)."""
    spans = list(dict.fromkeys(f.sentence for f in findings if not f.refers_to))
    texts = list(dict.fromkeys(text[start:end] for start, end in spans))
    found = dict(zip(texts, await similar.candidates(session, texts, fuzzy=False), strict=True))
    return {
        (start, end): [
            Option(claim_id, statement) for claim_id, statement in found[text[start:end]]
        ]
        for start, end in spans
    }


async def suggest(session: AsyncSession, data: SuggestionRequest) -> SuggestionsOut:
    """The stances the text appears to hold, in the order of the text."""
    text, source, lexicon = await _input(session, data)
    given = None
    if data.claim_ids or data.claims:
        given = await queries.given_claims(session, data.claim_ids, data.claims)
    findings = analyse(text, lexicon)
    names = {s.phrase: naming(s.phrase, lexicon) for f in findings for s in f.speakers}
    found = await queries.actors_by_keys(session, {k for n in names.values() for k in n.keys})
    speakers = _who(names, found)
    per_sentence = {} if given is not None else await _options(session, text, findings)

    def options(finding: Finding) -> list[Option]:
        if given is not None:
            return given
        return per_sentence.get(finding.sentence, [])

    def who(speaker: Speaker) -> Who:
        return speakers[speaker.phrase, speaker.pronoun]

    items = build.suggestions(
        text,
        findings,
        who=who,
        publisher=_publisher(source),
        options=options,
        given=given is not None,
        source_id=source.id if source else None,
    )
    return SuggestionsOut(items=items, language=lexicon.language)
