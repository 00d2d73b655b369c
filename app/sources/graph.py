"""Origins as a graph problem: where each source's chains of citations end, loops counted
once (see app/sources/origins.py, which keeps them in `source_origins`)."""

import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping

Graph = Mapping[uuid.UUID, Collection[uuid.UUID]]


def origins_of(cites: Graph) -> dict[uuid.UUID, frozenset[uuid.UUID]]:
    """The origins of every source that cites something, given what each such source cites.
    The graph must be closed: every source a citation leads to that cites anything is a key
    (one that is no key cites nothing: its own origin).

    Tarjan's algorithm, without recursion (chains may be thousands of citations long), finds
    the loops; each component is finished after every component it leads to, so its origins
    are the union of theirs, or itself (its least id) when no citation leaves it. Components
    whose citations lead to one origin set share that set."""
    index: dict[uuid.UUID, int] = {}
    low: dict[uuid.UUID, int] = {}
    stack: list[uuid.UUID] = []
    on_stack: set[uuid.UUID] = set()
    found: dict[uuid.UUID, frozenset[uuid.UUID]] = {}

    def enter(node: uuid.UUID) -> Iterator[uuid.UUID]:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        return iter(cites[node])

    for root in cites:
        if root in index:
            continue
        work = [(root, enter(root))]
        while work:
            node, ahead = work[-1]
            for cited in ahead:
                if cited not in cites:
                    continue  # cites nothing: an origin, and a component of its own
                if cited not in index:
                    work.append((cited, enter(cited)))
                    break
                if cited in on_stack:
                    low[node] = min(low[node], index[cited])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    members = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        members.add(member)
                        if member == node:
                            break
                    origins = _union(
                        found[c] if c in cites else frozenset((c,))
                        for m in members
                        for c in cites[m]
                        if c not in members
                    )
                    shared = origins if origins is not None else frozenset((min(members),))
                    for member in members:
                        found[member] = shared
    return found


def _union(parts: Iterable[frozenset[uuid.UUID]]) -> frozenset[uuid.UUID] | None:
    """The union of the sets (the one set itself when they are all the same), else None
    when there are none."""
    distinct = {id(p): p for p in parts}
    if not distinct:
        return None
    if len(distinct) == 1:
        return next(iter(distinct.values()))
    return frozenset().union(*distinct.values())
