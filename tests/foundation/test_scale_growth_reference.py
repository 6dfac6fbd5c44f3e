"""How the scale benchmark judges growth when a page shows more rows at the larger size
(``bench.scale.__main__.comparable``): against the costlier of the same page and the
list's page that showed at least as many rows at the smaller size."""
from bench.scale.__main__ import comparable


def figures(p50, rows):
    # (status, queries, p50, p95, client p95, cpu p95, rows), as the benchmark keeps them
    return (200, 5, p50, p50, p50, p50, rows)


SMALLEST = {
    ("center", "final_review", "first"): figures(18.0, 20),
    ("center", "final_review", "page 2000"): figures(23.0, 20),
    ("center", "final_review", "search name"): figures(12.0, 3),
    ("center", "final_review", "search 1 char"): figures(21.0, 19),
    ("center", "final_review", "filter 0 status"): figures(9.0, 0),
}


def test_a_page_that_showed_as_many_rows_is_compared_with_itself():
    assert comparable(SMALLEST, ("center", "final_review", "page 2000"), 20) == (SMALLEST[
        ("center", "final_review", "page 2000")], False)
    assert comparable(SMALLEST, ("center", "final_review", "filter 0 status"), 0)[1] is False


def test_fewer_rows_then_a_full_page_is_compared_with_the_costlier_page_of_as_many_rows():
    # 3 rows (12 ms) at the smaller size, 20 at the larger: the first page of 20 rows (18 ms)
    # renders as many rows, and is the costlier: it is the reference.
    reference, other = comparable(SMALLEST, ("center", "final_review", "search name"), 20)
    assert (reference, other) == (SMALLEST[("center", "final_review", "first")], True)


def test_one_row_fewer_is_compared_with_the_same_search_when_it_is_the_costlier():
    # 19 rows of a search (21 ms), then 20: the first page (18 ms) runs no search.
    reference, other = comparable(SMALLEST, ("center", "final_review", "search 1 char"), 20)
    assert (reference, other) == (SMALLEST[("center", "final_review", "search 1 char")], False)


def test_a_page_missing_at_the_smaller_size_has_no_reference():
    assert comparable(SMALLEST, ("center", "final_review", "sort 3"), 20) == (None, False)
