"""Small-cell suppression with k = 11 (CTDC's rule), and complementary suppression against totals.

A table is shown with its row totals, column totals and grand total. Every cell, total included, that
counts 1 to k - 1 people is suppressed (primary suppression). Hiding a cell is not enough: its row
total minus the other cells of the row gives it back. Seen as equations, the published table fixes
each row and column sum; a hidden cell can be solved for exactly when, in the graph whose nodes are the
rows and columns (the totals row and column included) and whose edges are the hidden cells, its edge is
a bridge (lies on no cycle): along a cycle, adding t to every other cell and subtracting t from the rest
keeps every sum, so no cell on a cycle is determined. So, while some hidden cell is a bridge, the
cheapest path that closes a cycle through it (Dijkstra over the table: hidden cells cost nothing, a shown
cell costs its count, an empty cell a large amount since a zero bounds the others) is hidden too. Adding
edges never breaks a cycle, so this ends with every hidden cell on a cycle: none is determined by the
totals. Interval bounds from non-negativity can still narrow a hidden cell; docs/privacy.md says how far.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from sync.desk.aggregates.tables import Table

__all__ = ["K_ANONYMITY", "TOTAL", "SuppressedTable", "suppress", "suppress_matrix"]

K_ANONYMITY = 11
TOTAL = "total"
_EMPTY_CELL_COST = 10**9


@dataclass(frozen=True)
class SuppressedTable:
    """A table as it may be shown: the last row and column are the totals; None is a suppressed cell."""

    name: str
    rows: tuple[str, ...]  # ends with TOTAL
    columns: tuple[str, ...]  # ends with TOTAL
    values: tuple[tuple[int | None, ...], ...]

    def value(self, row: str, column: str) -> int | None:
        return self.values[self.rows.index(row)][self.columns.index(column)]

    def to_json(self) -> dict[str, object]:
        return {
            "rows": list(self.rows),
            "columns": list(self.columns),
            "values": [list(r) for r in self.values],
        }


def suppress(table: Table, k: int = K_ANONYMITY) -> SuppressedTable:
    """`table` with its totals, small cells suppressed and enough others that none can be recomputed."""
    values, hidden = suppress_matrix(table.matrix(), k)
    shown = tuple(
        tuple(None if (i, j) in hidden else value for j, value in enumerate(row))
        for i, row in enumerate(values)
    )
    return SuppressedTable(table.name, (*table.rows, TOTAL), (*table.columns, TOTAL), shown)


def suppress_matrix(
    matrix: Sequence[Sequence[int]], k: int = K_ANONYMITY
) -> tuple[list[list[int]], set[tuple[int, int]]]:
    """The matrix with its totals row and column appended, and the (row, column) cells to hide."""
    extended = [[*row, sum(row)] for row in matrix]
    width = len(extended[0]) if extended else 1
    extended.append([sum(row[j] for row in extended) for j in range(width)])
    hidden = {(i, j) for i, row in enumerate(extended) for j, value in enumerate(row) if 0 < value < k}
    while (bridge := _a_bridge(hidden)) is not None:
        hidden |= _cheapest_cycle(extended, hidden, bridge)
    return extended, hidden


def _a_bridge(hidden: set[tuple[int, int]]) -> tuple[int, int] | None:
    """A hidden cell whose row and column are not joined by any other path of hidden cells."""
    for edge in sorted(hidden):
        if not _connected(hidden - {edge}, edge[0], edge[1]):
            return edge
    return None


def _connected(edges: set[tuple[int, int]], row: int, column: int) -> bool:
    by_row: dict[int, list[int]] = {}
    by_column: dict[int, list[int]] = {}
    for i, j in edges:
        by_row.setdefault(i, []).append(j)
        by_column.setdefault(j, []).append(i)
    seen_rows, seen_columns, frontier = {row}, set(), [row]
    while frontier:
        next_rows = []
        for i in frontier:
            for j in by_row.get(i, ()):
                if j == column:
                    return True
                if j not in seen_columns:
                    seen_columns.add(j)
                    for other in by_column.get(j, ()):
                        if other not in seen_rows:
                            seen_rows.add(other)
                            next_rows.append(other)
        frontier = next_rows
    return False


def _cheapest_cycle(
    extended: list[list[int]], hidden: set[tuple[int, int]], bridge: tuple[int, int]
) -> set[tuple[int, int]]:
    """The cells of the cheapest path from the bridge's row to its column that avoids the bridge."""
    rows, columns = len(extended), len(extended[0])

    def cost(i: int, j: int) -> int:
        if (i, j) in hidden:
            return 0
        return extended[i][j] if extended[i][j] > 0 else _EMPTY_CELL_COST

    start, goal = ("r", bridge[0]), ("c", bridge[1])
    distance: dict[tuple[str, int], int] = {start: 0}
    previous: dict[tuple[str, int], tuple[str, int]] = {}
    queue = [(0, start)]
    while queue:
        spent, node = heapq.heappop(queue)
        if node == goal:
            break
        if spent > distance.get(node, spent):
            continue
        kind, index = node
        neighbours = (
            [(("c", j), (index, j)) for j in range(columns)]
            if kind == "r"
            else [(("r", i), (i, index)) for i in range(rows)]
        )
        for neighbour, cell in neighbours:
            if cell == bridge:
                continue
            total = spent + cost(*cell)
            if total < distance.get(neighbour, total + 1):
                distance[neighbour], previous[neighbour] = total, node
                heapq.heappush(queue, (total, neighbour))
    path: set[tuple[int, int]] = set()
    node = goal
    while node != start:
        before = previous[node]
        path.add((before[1], node[1]) if before[0] == "r" else (node[1], before[1]))
        node = before
    return path
