"""Origins as a graph problem: where each source's chains of citations end, loops counted
once (see app/sources/origins.py, which keeps them in `source_origins`).

The sources are numbered 0, 1, … in the order of their ids, so that the least number in a
loop is its least id. A full rebuild holds every citation of the database at once, so the
graph is kept as arrays of numbers: the citations in citing order with where each source's run
starts, and the origin sets one after another, each shared by every source with those
origins. Dictionaries keyed by ids and a set per source were the end of a large import's
peak of memory."""

from __future__ import annotations

import uuid
from array import array
from collections.abc import Collection, Iterator, Mapping


class Citations:
    """The citations among `size` numbered sources: `add` each, then `origins` once."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._citing = array("i")
        self._cited = array("i")

    def add(self, citing: int, cited: int) -> None:
        self._citing.append(citing)
        self._cited.append(cited)

    def origins(self) -> Origins:
        """Every citing source's origins."""
        # The cited numbers grouped by citing source: n's are targets[start[n]:start[n + 1]].
        start = array("i", bytes(4 * (self.size + 1)))
        for citing in self._citing:
            start[citing + 1] += 1
        for n in range(self.size):
            start[n + 1] += start[n]
        place = array("i", start)
        targets = array("i", bytes(4 * len(self._cited)))
        for citing, cited in zip(self._citing, self._cited, strict=True):
            targets[place[citing]] = cited
            place[citing] += 1
        del place
        self._citing, self._cited = array("i"), array("i")
        return _components(start, targets)


class Origins:
    """Origin sets, numbered as they are made: set k is `members[bounds[k]:bounds[k + 1]]`;
    `of[n]` is source n's set, -1 for a source that cites nothing."""

    def __init__(self, size: int) -> None:
        self.of = array("i", [-1]) * size
        self.members = array("i")
        self.bounds = array("i", [0])
        self._alone: dict[int, int] = {}  # an origin -> the number of the set of it alone

    def add(self, members: Collection[int]) -> int:
        self.members.extend(sorted(members))
        self.bounds.append(len(self.members))
        return len(self.bounds) - 2

    def alone(self, origin: int) -> int:
        which = self._alone.get(origin)
        if which is None:
            which = self._alone[origin] = self.add((origin,))
        return which

    def set(self, which: int) -> array[int]:
        return self.members[self.bounds[which] : self.bounds[which + 1]]

    def pairs(self) -> Iterator[tuple[int, array[int]]]:
        """(source, its origins) for every citing source."""
        for n, which in enumerate(self.of):
            if which >= 0:
                yield n, self.set(which)


def origins_of(
    cites: Mapping[uuid.UUID, Collection[uuid.UUID]],
) -> dict[uuid.UUID, frozenset[uuid.UUID]]:
    """The origins of every source that cites something, given what each such source cites."""
    ids = sorted({*cites, *(c for cited in cites.values() for c in cited)})
    number = {source: n for n, source in enumerate(ids)}
    graph = Citations(len(ids))
    for citing, cited in cites.items():
        for other in cited:
            graph.add(number[citing], number[other])
    found = graph.origins()
    return {ids[n]: frozenset(ids[o] for o in its) for n, its in found.pairs()}


def _components(start: array[int], targets: array[int]) -> Origins:
    """Tarjan's algorithm, without recursion (chains may be thousands of citations long),
    finds the loops; each component is finished after every component it leads to, so its
    origins are the union of theirs, or itself (its least id) when no citation leaves it.
    Components whose citations lead to one origin set share that set. A source that cites
    nothing is an origin, and a component of its own."""
    size = len(start) - 1
    found = Origins(size)
    of = found.of
    index = array("i", [-1]) * size
    low = array("i", bytes(4 * size))
    on_stack = bytearray(size)
    stack = array("i")
    counter = 0

    def cites_nothing(n: int) -> bool:
        return start[n] == start[n + 1]

    for root in range(size):
        if index[root] >= 0 or cites_nothing(root):
            continue
        # The walk's path: each node with the position of the next citation to follow.
        path, ahead = array("i", [root]), array("i", [start[root]])
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = 1
        while path:
            node, position = path[-1], ahead[-1]
            end = start[node + 1]
            descended = False
            while position < end:
                cited = targets[position]
                position += 1
                if cites_nothing(cited):
                    continue
                if index[cited] < 0:
                    ahead[-1] = position
                    path.append(cited)
                    ahead.append(start[cited])
                    index[cited] = low[cited] = counter
                    counter += 1
                    stack.append(cited)
                    on_stack[cited] = 1
                    descended = True
                    break
                if on_stack[cited]:
                    low[node] = min(low[node], index[cited])
            if descended:
                continue
            path.pop()
            ahead.pop()
            if path:
                parent = path[-1]
                low[parent] = min(low[parent], low[node])
            if low[node] != index[node]:
                continue
            members = set()
            while True:
                member = stack.pop()
                on_stack[member] = 0
                members.add(member)
                if member == node:
                    break
            parts = {
                found.alone(c) if cites_nothing(c) else of[c]
                for m in members
                for c in targets[start[m] : start[m + 1]]
                if c not in members
            }
            if not parts:  # a loop no citation leaves: its least member is its origin
                shared = found.alone(min(members))
            elif len(parts) == 1:
                shared = parts.pop()
            else:
                shared = found.add(set().union(*(found.set(p) for p in parts)))
            for member in members:
                of[member] = shared
    return found
