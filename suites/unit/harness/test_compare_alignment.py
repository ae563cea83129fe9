"""Lists are aligned by their items' ids: one extra item is one difference, a reorder is
one ``reordered`` difference, and the list of steps stays aligned by position."""

from __future__ import annotations

from typing import Any

import pytest

from harness.compare import MISSING, Difference, DiffKind, compare, differing_paths, render

pytestmark = pytest.mark.unit


def user(n: int, name: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"$type": "User", "id": f"user#{n}", "name": name or f"u{n}", **extra}


def listing(items: list[Any]) -> list[dict[str, Any]]:
    """An observation of two steps, the second returning ``items``."""
    return [
        {"call": "seed:small", "args": {}, "outcome": "returned", "value": None},
        {"call": "users.list", "args": {}, "outcome": "returned", "value": {"items": items}},
    ]


def found(baseline: Any, candidate: Any) -> list[tuple[str, str]]:
    return [(d.path, d.kind.value) for d in compare(baseline, candidate).mismatches]


def test_one_extra_item_at_the_front_is_one_difference() -> None:
    baseline = listing([user(n) for n in range(1, 13)])
    candidate = listing([user(99), *(user(n) for n in range(1, 13))])
    result = compare(baseline, candidate)
    assert result.mismatches == (
        Difference("[1].value.items[0]", DiffKind.ONLY_CANDIDATE, MISSING, user(99)),
    )


def test_one_missing_item_is_one_difference_at_its_baseline_index() -> None:
    baseline = listing([user(n) for n in range(1, 13)])
    candidate = listing([user(n) for n in range(1, 13) if n != 4])
    result = compare(baseline, candidate)
    assert result.mismatches == (
        Difference("[1].value.items[3]", DiffKind.ONLY_BASELINE, user(4), MISSING),
    )


def test_a_swapped_pair_is_one_reordered_difference_with_both_orders() -> None:
    baseline = listing([user(1), user(2), user(3)])
    candidate = listing([user(2), user(1), user(3)])
    result = compare(baseline, candidate)
    assert result.mismatches == (
        Difference(
            "[1].value.items",
            DiffKind.REORDERED,
            ["user#1", "user#2", "user#3"],
            ["user#2", "user#1", "user#3"],
        ),
    )
    assert result.mismatches[0].to_json()["kind"] == "reordered"


def test_a_changed_field_of_an_aligned_item_is_one_change_at_its_path() -> None:
    baseline = listing([user(1), user(2), user(3)])
    candidate = listing([user(99), user(1), user(2, "renamed"), user(3)])
    result = compare(baseline, candidate)
    assert [(d.path, d.kind, d.baseline, d.candidate) for d in result.mismatches] == [
        ("[1].value.items[1].name", DiffKind.CHANGED, "u2", "renamed"),
        ("[1].value.items[0]", DiffKind.ONLY_CANDIDATE, MISSING, user(99)),
    ]


def test_same_length_same_order_with_a_changed_field_is_positional() -> None:
    baseline = listing([user(n) for n in range(1, 6)])
    candidate = listing([user(n, "x" if n == 4 else None) for n in range(1, 6)])
    assert found(baseline, candidate) == [("[1].value.items[3].name", "changed")]


def test_mixed_reorder_extra_missing_and_change() -> None:
    baseline = listing([user(1), user(2), user(3), user(4)])
    candidate = listing([user(3), user(2), user(1, "renamed"), user(5)])
    result = compare(baseline, candidate)
    assert [(d.path, d.kind.value) for d in result.mismatches] == [
        ("[1].value.items", "reordered"),
        ("[1].value.items[0].name", "changed"),
        ("[1].value.items[3]", "only in baseline"),
        ("[1].value.items[3]", "only in candidate"),
    ]
    reordered = result.mismatches[0]
    assert reordered.baseline == ["user#1", "user#2", "user#3"]
    assert reordered.candidate == ["user#3", "user#2", "user#1"]


def test_an_item_that_changed_and_moved_is_a_change_not_a_reorder() -> None:
    # A list sorted by name (or an unordered list the canonicaliser sorted): the changed
    # item moved because it changed; the items equal on both sides kept their order.
    baseline = listing([user(1, "a"), user(2, "b"), user(3, "c")])
    candidate = listing([user(2, "b"), user(3, "c"), user(1, "z")])
    assert found(baseline, candidate) == [("[1].value.items[0].name", "changed")]


def test_nested_lists_inside_aligned_items_are_aligned_too() -> None:
    def order(n: int, lines: list[int]) -> dict[str, Any]:
        return {
            "$type": "Order",
            "id": f"order#{n}",
            "lines": [{"product_id": f"product#{p}", "quantity": 1} for p in lines],
        }

    baseline = listing([order(1, [1, 2, 3]), order(2, [4])])
    candidate = listing([order(1, [9, 1, 2, 3]), order(2, [4])])
    assert found(baseline, candidate) == [("[1].value.items[0].lines[0]", "only in candidate")]


def test_records_holding_an_entity_are_aligned_by_its_id() -> None:
    def node(n: int, children: list[Any]) -> dict[str, Any]:
        return {"category": {"$type": "Category", "id": f"category#{n}"}, "children": children}

    baseline = listing([node(1, []), node(2, []), node(3, [])])
    candidate = listing([node(4, []), node(1, []), node(2, []), node(3, ["x"])])
    assert found(baseline, candidate) == [
        ("[1].value.items[2].children[0]", "only in candidate"),
        ("[1].value.items[0]", "only in candidate"),
    ]


def test_a_field_id_is_used_only_when_unique_in_both_lists() -> None:
    baseline = listing([{"user_id": "user#1", "n": 1}, {"user_id": "user#1", "n": 2}])
    candidate = listing([{"user_id": "user#1", "n": 0}, *baseline[1]["value"]["items"]])
    # user_id repeats: no key, so the digest alignment of before applies
    assert found(baseline, candidate) == [("[1].value.items[0]", "only in candidate")]


def test_lists_of_ids_are_aligned_by_the_ids() -> None:
    assert found(
        {"ids": ["user#1", "user#2", "user#3"]}, {"ids": ["user#3", "user#1", "user#2"]}
    ) == [("ids", "reordered")]
    assert found({"ids": ["user#1", "user#2"]}, {"ids": ["user#1", "user#3"]}) == [
        ("ids[1]", "only in baseline"),
        ("ids[1]", "only in candidate"),
    ]


def test_lists_without_ids_keep_positional_alignment() -> None:
    assert found({"tags": ["a", "b", "c"]}, {"tags": ["a", "x", "c"]}) == [("tags[1]", "changed")]
    assert found({"tags": ["a", "b", "c"]}, {"tags": ["x", "a", "b", "c"]}) == [
        ("tags[0]", "only in candidate")
    ]
    rows = [{"n": n} for n in range(5)]
    changed = [*rows[:2], {"n": 20}, *rows[3:]]
    assert found({"rows": rows}, {"rows": changed}) == [("rows[2].n", "changed")]


def test_rows_without_ids_in_another_order_are_one_reorder() -> None:
    result = compare({"tags": ["a", "b", "c"]}, {"tags": ["b", "a", "c"]})
    assert result.mismatches == (Difference("tags", DiffKind.REORDERED, ["a", "b"], ["b", "a"]),)
    rows = [{"n": n} for n in range(4)]
    result = compare({"rows": rows}, {"rows": [rows[0], rows[3], rows[2], rows[1]]})
    # rows without a key are named by their baseline index
    assert result.mismatches == (Difference("rows", DiffKind.REORDERED, [1, 3], [3, 1]),)


def test_unordered_lists_sorted_by_the_canonicaliser_still_compare_equal() -> None:
    items = sorted([user(2), user(1), user(3)], key=lambda u: str(u["name"]))
    assert compare(listing(items), listing(list(items))).equal


def test_the_list_of_steps_stays_positional() -> None:
    step = {"call": "users.get", "args": {}, "outcome": "returned", "value": user(1)}
    other = {"call": "users.get", "args": {}, "outcome": "returned", "value": user(2)}
    # swapped steps are changes inside each step, never a reorder
    assert found([step, other], [other, step]) == [
        ("[0].value.id", "changed"),
        ("[0].value.name", "changed"),
        ("[1].value.id", "changed"),
        ("[1].value.name", "changed"),
    ]
    # a step the candidate did not get to is only in the baseline, at its step index
    assert found([step, other], [step]) == [("[1]", "only in baseline")]


def test_noise_paths_agree_with_compare_paths() -> None:
    first = listing([user(1, updated=1), user(2, updated=1)])
    again = listing([user(9), user(1, updated=2), user(2, updated=1)])
    noise = differing_paths(first, again)
    assert noise == {"[1].value.items[0].updated", "[1].value.items[0]"}
    candidate = listing([user(1, updated=3), user(2, updated=1)])
    result = compare(first, candidate, noise)
    assert result.equal
    assert [d.path for d in result.noise] == ["[1].value.items[0].updated"]


def test_a_reorder_between_baseline_runs_makes_the_list_noise() -> None:
    first = listing([user(1), user(2)])
    again = listing([user(2), user(1)])
    candidate = listing([user(2), user(1, "renamed")])
    result = compare(first, candidate, differing_paths(first, again))
    assert result.equal and len(result.noise) == 1


def test_render_says_which_side_had_which_order() -> None:
    baseline = listing([user(1), user(2)])
    candidate = listing([user(2), user(1)])
    text = render(compare(baseline, candidate), "mysql", "dynamodb", ["seed", "users.list()"])
    assert text.splitlines() == [
        "step 1: users.list()",
        "  at [1].value.items (reordered: the same items in another order)",
        '    baseline (mysql) order    : ["user#1","user#2"]',
        '    candidate (dynamodb) order: ["user#2","user#1"]',
    ]


def test_render_of_other_kinds_is_unchanged() -> None:
    text = render(compare({"a": 1}, {"a": 2}), "mysql", "dynamodb")
    assert text.splitlines() == [
        "at a (changed)",
        "    baseline (mysql)    : 1",
        "    candidate (dynamodb): 2",
    ]


def test_a_long_listing_with_one_extra_item_is_one_difference() -> None:
    items = [user(n) for n in range(1, 10_001)]
    result = compare(listing(items), listing([*items[:5000], user(0), *items[5000:]]))
    assert [(d.path, d.kind.value) for d in result.mismatches] == [
        ("[1].value.items[5000]", "only in candidate")
    ]
