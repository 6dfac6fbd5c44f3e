"""Paging and sorting done in the database, for the blueprint lists."""
import math
from dataclasses import dataclass

PAGE_SIZE = 20

MAX_PAGE = 1_000_000


@dataclass
class Page:
    items: list
    number: int
    size: int
    total: int
    sort: str

    @property
    def pages(self):
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_prev(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.pages


def paginate(query, args, sorts, default_sort, size=PAGE_SIZE, total=None):
    """``sorts`` maps a public sort key to a field; ``-key`` sorts descending. ``total``:
    the query's row count when the caller has it already (not counted again)."""
    sort = args.get("sort") or default_sort
    key = sort.lstrip("-")
    if key not in sorts:
        sort, key = default_sort, default_sort.lstrip("-")
    field = sorts[key]
    ordering = field.desc() if sort.startswith("-") else field.asc()
    try:
        # Clamped: page × size must stay an OFFSET the database accepts.
        number = min(max(1, int(args.get("page", 1))), MAX_PAGE)
    except ValueError:
        number = 1
    if total is None:
        total = query.count()
    # The page's ids are chosen first (a subquery of the same statement), so the joined and
    # computed columns are read for its rows only, not for every row sorted (a learner
    # with thousands of achievements sorted by name).
    order = (ordering, query.model.id.desc())
    chosen = query.select(query.model.id).order_by(*order).paginate(number, size)
    items = list(query.where(query.model.id.in_(chosen)).order_by(*order))
    return Page(items=items, number=number, size=size, total=total, sort=sort)
