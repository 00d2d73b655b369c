"""What a crash run found: each request's outcome (`Write`), and the one read of the database
after it, held against those outcomes (`verify`, giving a `Report`)."""

from collections import Counter
from dataclasses import dataclass, field

import asyncpg  # type: ignore[import-untyped]


@dataclass
class Write:
    quote: str
    key: str
    claim_id: str
    outcome: str = "pending"  # ok, failed, unknown
    status: int | None = None
    stance_id: str | None = None
    resolved: str | None = None  # for an unknown: replayed, written, duplicate, unresolved


@dataclass
class Report:
    restarts: int
    seconds: float
    offered_per_second: float
    sent_per_second_up: float
    acknowledged_per_second_up: float
    ok: int
    failed: int
    unknown: int
    failed_statuses: dict[str, int]
    unknown_replayed: int
    unknown_written: int
    unknown_duplicate_refused: int
    unknown_unresolved: int
    retries_in_progress: int
    lost: int
    duplicated: int
    failed_but_written: int
    unknown_not_one_row: int
    counters_agree: bool
    history_agrees: bool
    downtime_seconds: list[float] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return (
            self.lost == self.duplicated == self.failed_but_written == 0
            and self.unknown_not_one_row == self.unknown_unresolved == 0
            and self.counters_agree
            and self.history_agrees
        )

    def line(self) -> str:
        return (
            f"restarts={self.restarts} seconds={self.seconds:.1f} "
            f"offered={self.offered_per_second:.0f}/s "
            f"sent={self.sent_per_second_up:.0f}/s and "
            f"acknowledged={self.acknowledged_per_second_up:.0f}/s while up; "
            f"ok={self.ok} failed={self.failed} "
            f"({self.failed_statuses.get('not sent', 0)} refused while down) "
            f"unknown={self.unknown} "
            f"(replayed {self.unknown_replayed}, written on retry {self.unknown_written}, "
            f"refused as duplicate {self.unknown_duplicate_refused}, "
            f"unresolved {self.unknown_unresolved}); lost={self.lost} "
            f"duplicated={self.duplicated} failed_but_written={self.failed_but_written} "
            f"unknown_not_one_row={self.unknown_not_one_row} "
            f"downtime={min(self.downtime_seconds, default=0):.1f}-"
            f"{max(self.downtime_seconds, default=0):.1f}s"
        )


async def verify(
    url: str,
    writes: list[Write],
    *,
    restarts: int,
    elapsed: float,
    up_seconds: float,
    downtime: list[float],
    in_progress_answers: int,
) -> Report:
    """One read of the database at `url`, held against what every request was told."""
    conn = await asyncpg.connect(url, timeout=10)
    try:
        rows = await conn.fetch("SELECT id, quote, claim_id FROM stances")
        stats = await conn.fetch("SELECT claim_id, total, support FROM claim_stats")
        creates = await conn.fetch(
            "SELECT entity_id, count(*) AS n FROM changes WHERE entity = 'stance' "
            "AND action = 'create' GROUP BY entity_id"
        )
    finally:
        await conn.close()
    ids_by_quote: dict[str, list[str]] = {}
    for row in rows:
        ids_by_quote.setdefault(row["quote"], []).append(str(row["id"]))
    outcomes = Counter(w.outcome for w in writes)
    unknown = [w for w in writes if w.outcome == "unknown"]
    resolved = Counter(w.resolved for w in unknown)
    history = {str(r["entity_id"]): r["n"] for r in creates}
    per_claim = Counter(str(r["claim_id"]) for r in rows)
    counted = {claim: (n, n) for claim, n in per_claim.items()}  # all are support
    return Report(
        restarts=restarts,
        seconds=elapsed,
        offered_per_second=len(writes) / elapsed,
        sent_per_second_up=sum(w.outcome != "failed" or w.status is not None for w in writes)
        / max(up_seconds, 1e-9),
        acknowledged_per_second_up=outcomes["ok"] / max(up_seconds, 1e-9),
        ok=outcomes["ok"],
        failed=outcomes["failed"],
        unknown=outcomes["unknown"],
        failed_statuses=dict(
            Counter(str(w.status or "not sent") for w in writes if w.outcome == "failed")
        ),
        unknown_replayed=resolved["replayed"],
        unknown_written=resolved["written"],
        unknown_duplicate_refused=resolved["duplicate"],
        unknown_unresolved=len(unknown)
        - sum(resolved[r] for r in ("replayed", "written", "duplicate")),
        retries_in_progress=in_progress_answers,
        lost=sum(ids_by_quote.get(w.quote) != [w.stance_id] for w in writes if w.outcome == "ok"),
        duplicated=sum(len(ids) > 1 for ids in ids_by_quote.values()),
        failed_but_written=sum(w.quote in ids_by_quote for w in writes if w.outcome == "failed"),
        unknown_not_one_row=sum(ids_by_quote.get(w.quote) != [w.stance_id] for w in unknown),
        counters_agree=counted
        == {str(r["claim_id"]): (r["total"], r["support"]) for r in stats if r["total"]},
        history_agrees=set(history) == {str(r["id"]) for r in rows}
        and set(history.values()) <= {1},
        downtime_seconds=downtime,
    )
