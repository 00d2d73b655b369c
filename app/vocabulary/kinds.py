"""The kinds of records: actors, affiliations, sources, citations, claim relations, and the
reliability grade of an actor."""

from enum import StrEnum


class ActorKind(StrEnum):
    """What sort of actor holds a position; `group` is an unnamed collective."""

    person = "person"
    organization = "organization"
    government = "government"
    agency = "agency"
    military = "military"
    media = "media"
    fact_checker = "fact_checker"
    group = "group"


class Reliability(StrEnum):
    """Admiralty (NATO AJP-2.1) source-reliability grade."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"


class AffiliationKind(StrEnum):
    """How an actor belongs to another actor."""

    member_of = "member_of"
    part_of = "part_of"
    spokesperson_for = "spokesperson_for"
    employed_by = "employed_by"
    leads = "leads"


class SourceKind(StrEnum):
    """What sort of document a source is."""

    news_article = "news_article"
    statement = "statement"
    press_briefing = "press_briefing"
    report = "report"
    social_post = "social_post"
    transcript = "transcript"
    fact_check = "fact_check"
    other = "other"


class CitationKind(StrEnum):
    """How a source derives from another."""

    cites = "cites"
    quotes = "quotes"
    republishes = "republishes"
    translates = "translates"


class ClaimRelationKind(StrEnum):
    """How a claim relates to another; `refines` means a more specific case of."""

    contradicts = "contradicts"
    supports = "supports"
    refines = "refines"
    same_as = "same_as"
