"""Contract cases for CategoryRepository."""

from __future__ import annotations

from harness import Run, case
from shop.domain import CategoryChanges, NewCategory


@case("categories.create", seed="small_shop")
def creates_roots_and_children(run: Run) -> None:
    toys = run.call("categories.create", NewCategory("Toys", description="For all ages"))
    run.call("categories.create", NewCategory("Board games", toys.id))
    run.call("categories.list_children", toys.id)


@case("categories.create", seed="small_shop")
def names_are_unique_among_siblings_and_compared_exactly(run: Run) -> None:
    books, music = run.seeded["books"], run.seeded["music"]
    run.call("categories.create", NewCategory("Fiction", books.id))
    run.call("categories.create", NewCategory("Fiction", music.id))
    run.call("categories.create", NewCategory("fiction", books.id))
    run.call("categories.create", NewCategory("Books"))
    run.call("categories.create", NewCategory("BOOKS"))


@case("categories.create", seed="small_shop")
def refuses_unknown_parents_and_bad_names(run: Run) -> None:
    run.call("categories.create", NewCategory("Orphan", "999999"))
    for name in ("", "   ", " Padded", "Padded ", "x" * 201, "nul\x00"):
        run.call("categories.create", NewCategory(name))
    run.call("categories.tree")


@case("categories.get", seed="small_shop")
def gets_by_id_or_none(run: Run) -> None:
    run.call("categories.get", run.seeded["jazz"].id)
    run.call("categories.get", "999999")


@case("categories.get_by_name", seed="small_shop")
def finds_a_name_among_a_given_parents_children(run: Run) -> None:
    s = run.seeded
    run.call("categories.get_by_name", "Books")
    run.call("categories.get_by_name", "books")
    run.call("categories.get_by_name", "Used", s["books"].id)
    run.call("categories.get_by_name", "Used", s["music"].id)
    run.call("categories.get_by_name", "Used")
    run.call("categories.get_by_name", "Used", "999999")
    run.call("categories.get_by_name", "poetry", s["books"].id)


@case("categories.list_children", seed="small_shop")
def lists_children_sorted_by_code_point(run: Run) -> None:
    for name in ("b", "Ä", "a", "B", "😀", "ä", "Zebra", "10", "9"):
        run.call("categories.create", NewCategory(name))
    run.call("categories.list_children")
    run.call("categories.list_children", run.seeded["books"].id)
    run.call("categories.list_children", run.seeded["scifi"].id)


@case("categories.list_children")
def lists_no_roots_and_refuses_unknown_parents(run: Run) -> None:
    run.call("categories.list_children")
    run.call("categories.list_children", "999999")


@case("categories.path", seed="small_shop")
def gives_the_trail_from_the_root(run: Run) -> None:
    run.call("categories.path", run.seeded["scifi"].id)
    run.call("categories.path", run.seeded["music"].id)
    run.call("categories.path", "999999")


@case("categories.tree", seed="small_shop")
def nests_the_whole_hierarchy_sorted_by_name(run: Run) -> None:
    run.call("categories.tree")


@case("categories.tree")
def an_empty_tree(run: Run) -> None:
    run.call("categories.tree")


@case("categories.update", seed="small_shop")
def renames_keeping_children(run: Run) -> None:
    books = run.seeded["books"]
    run.call("categories.update", books.id, CategoryChanges(name="Literature"))
    run.call("categories.list_children", books.id)
    run.call("categories.get_by_name", "Fiction", books.id)
    run.call("categories.get_by_name", "Literature")
    run.call("categories.path", run.seeded["scifi"].id)


@case("categories.update", seed="small_shop")
def moves_to_another_parent_and_to_the_root(run: Run) -> None:
    s = run.seeded
    run.call("categories.update", s["scifi"].id, CategoryChanges(parent_id=s["music"].id))
    run.call(
        "categories.update", s["poetry"].id, CategoryChanges(parent_id=None, description="Verse")
    )
    run.call("categories.update", s["jazz"].id, CategoryChanges(description=None))
    run.call("categories.tree")


@case("categories.update", seed="small_shop")
def refuses_cycles_clashes_and_unknowns(run: Run) -> None:
    s = run.seeded
    run.call("categories.update", s["books"].id, CategoryChanges(parent_id=s["scifi"].id))
    run.call("categories.update", s["books"].id, CategoryChanges(parent_id=s["books"].id))
    run.call("categories.update", s["used_music"].id, CategoryChanges(parent_id=s["books"].id))
    run.call("categories.update", s["music"].id, CategoryChanges(name="Books"))
    run.call("categories.update", "999999", CategoryChanges(name="X"))
    run.call("categories.update", s["music"].id, CategoryChanges(parent_id="999999"))
    run.call("categories.update", s["music"].id, CategoryChanges())
    run.call("categories.update", s["music"].id, CategoryChanges(name=" Music"))


@case("categories.delete", seed="small_shop")
def deletes_an_empty_leaf(run: Run) -> None:
    leaf = run.call("categories.create", NewCategory("Empty", run.seeded["music"].id))
    run.call("categories.delete", leaf.id)
    run.call("categories.get", leaf.id)


@case("categories.delete", seed="small_shop")
def refuses_categories_with_children_or_products(run: Run) -> None:
    run.call("categories.delete", run.seeded["books"].id)
    run.call("categories.delete", run.seeded["jazz"].id)
    run.call("categories.delete", "999999")


@case("categories.update", "categories.get_by_name", seed="small_shop")
def a_renamed_category_is_found_by_its_new_name_only(run: Run) -> None:
    """Looked up by name before and after a rename: the old name is free, the new one found."""
    books = run.seeded["books"]
    run.call("categories.get_by_name", "Books")
    run.call("categories.update", books.id, CategoryChanges(name="Literature"))
    run.call("categories.get_by_name", "Books")
    run.call("categories.get_by_name", "Literature")
    run.call("categories.create", NewCategory("Books"))
    run.call("categories.get_by_name", "Books")
