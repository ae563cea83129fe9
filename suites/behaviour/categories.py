"""What every backend's CategoryRepository must do."""

from __future__ import annotations

import pytest

from shop.domain import (
    AlreadyExists,
    CategoryChanges,
    CategoryNode,
    Conflict,
    NewCategory,
    NotFound,
    ValidationError,
)
from shop.repository_set import RepositorySet
from suites.behaviour.builders import make_category, make_product
from suites.target.snapshot import everything


def _names(nodes: list[CategoryNode]) -> list[object]:
    return [(n.category.name, _names(list(n.children))) for n in nodes]


class TestCategoryRepository:
    def test_create_at_the_root_and_under_a_parent(self, repos: RepositorySet) -> None:
        root = repos.categories.create(NewCategory("Books", description="Paper"))
        child = repos.categories.create(NewCategory("Poetry", root.id))
        assert (root.parent_id, root.description) == (None, "Paper")
        assert (child.parent_id, child.description) == (root.id, None)
        assert repos.categories.get(child.id) == child

    def test_names_are_unique_among_siblings_only(self, repos: RepositorySet) -> None:
        books = make_category(repos, "Books")
        music = make_category(repos, "Music")
        make_category(repos, "Used", books)
        make_category(repos, "Used", music)
        with pytest.raises(AlreadyExists) as raised:
            make_category(repos, "Used", books)
        assert (raised.value.entity, raised.value.field, raised.value.value) == (
            "category",
            "name",
            "Used",
        )
        with pytest.raises(AlreadyExists):
            make_category(repos, "Books")

    def test_sibling_names_are_compared_exactly(self, repos: RepositorySet) -> None:
        make_category(repos, "Books")
        make_category(repos, "books")
        make_category(repos, "BOOKS")
        assert len(repos.categories.list_children()) == 3

    def test_create_under_an_unknown_parent_raises_not_found(self, repos: RepositorySet) -> None:
        with pytest.raises(NotFound) as raised:
            repos.categories.create(NewCategory("Orphan", "999999"))
        assert raised.value.entity == "category"
        assert repos.categories.tree() == []

    @pytest.mark.parametrize(
        ("name", "field"),
        [
            ("", "name"),
            ("  ", "name"),
            (" Books", "name"),
            ("Books ", "name"),
            ("x" * 201, "name"),
            (None, "name"),
        ],
    )
    def test_create_rejects_a_bad_name_before_writing(
        self, repos: RepositorySet, name: object, field: str
    ) -> None:
        with pytest.raises(ValidationError) as raised:
            repos.categories.create(NewCategory(name))  # type: ignore[arg-type]
        assert raised.value.field == field
        assert repos.categories.tree() == []

    def test_lookups_return_none_for_unknown_keys(self, repos: RepositorySet) -> None:
        root = make_category(repos, "Books")
        assert repos.categories.get("999999") is None
        assert repos.categories.get_by_name("Nope") is None
        assert repos.categories.get_by_name("Books", root.id) is None
        assert repos.categories.get_by_name("Books", "999999") is None

    def test_get_by_name_looks_among_the_given_parents_children(self, repos: RepositorySet) -> None:
        books = make_category(repos, "Books")
        music = make_category(repos, "Music")
        used_books = make_category(repos, "Used", books)
        used_music = make_category(repos, "Used", music)
        assert repos.categories.get_by_name("Books") == books
        assert repos.categories.get_by_name("Used", books.id) == used_books
        assert repos.categories.get_by_name("Used", music.id) == used_music
        assert repos.categories.get_by_name("Used") is None
        assert repos.categories.get_by_name("books") is None

    def test_list_children_sorts_by_code_point(self, repos: RepositorySet) -> None:
        for name in ["b", "Ä", "a", "B", "😀", "A", "ä", "Zebra"]:
            make_category(repos, name)
        names = [c.name for c in repos.categories.list_children()]
        assert names == ["A", "B", "Zebra", "a", "b", "Ä", "ä", "😀"]

    def test_list_children_of_a_parent_and_of_a_leaf(self, repos: RepositorySet) -> None:
        root = make_category(repos, "Root")
        kids = [make_category(repos, n, root) for n in ["c", "a", "b"]]
        assert [c.name for c in repos.categories.list_children(root.id)] == ["a", "b", "c"]
        assert repos.categories.list_children(kids[0].id) == []

    def test_list_children_of_an_unknown_parent_raises_not_found(
        self, repos: RepositorySet
    ) -> None:
        with pytest.raises(NotFound):
            repos.categories.list_children("999999")

    def test_path_runs_from_the_root_down_to_the_category(self, repos: RepositorySet) -> None:
        a = make_category(repos, "A")
        b = make_category(repos, "B", a)
        c = make_category(repos, "C", b)
        assert repos.categories.path(c.id) == [a, b, c]
        assert repos.categories.path(a.id) == [a]
        with pytest.raises(NotFound):
            repos.categories.path("999999")

    def test_tree_nests_children_sorted_by_name(self, repos: RepositorySet) -> None:
        music = make_category(repos, "Music")
        books = make_category(repos, "Books")
        fiction = make_category(repos, "Fiction", books)
        make_category(repos, "Art", books)
        make_category(repos, "SciFi", fiction)
        make_category(repos, "Jazz", music)
        assert _names(repos.categories.tree()) == [
            ("Books", [("Art", []), ("Fiction", [("SciFi", [])])]),
            ("Music", [("Jazz", [])]),
        ]

    def test_tree_of_nothing_is_empty(self, repos: RepositorySet) -> None:
        assert repos.categories.tree() == []

    def test_rename_keeps_id_and_children(self, repos: RepositorySet) -> None:
        books = make_category(repos, "Books")
        kids = [make_category(repos, n, books) for n in ["Poetry", "Drama"]]
        renamed = repos.categories.update(books.id, CategoryChanges(name="Literature"))
        assert (renamed.id, renamed.name, renamed.created_at) == (
            books.id,
            "Literature",
            books.created_at,
        )
        assert repos.categories.list_children(books.id) == sorted(kids, key=lambda c: c.name)
        assert repos.categories.get_by_name("Poetry", books.id) == kids[0]
        assert repos.categories.get_by_name("Literature") == renamed
        assert repos.categories.get_by_name("Books") is None

    def test_move_to_another_parent_and_back_to_the_root(self, repos: RepositorySet) -> None:
        a, b = make_category(repos, "A"), make_category(repos, "B")
        leaf = make_category(repos, "Leaf", a)
        moved = repos.categories.update(leaf.id, CategoryChanges(parent_id=b.id))
        assert moved.parent_id == b.id
        assert repos.categories.list_children(a.id) == []
        assert repos.categories.list_children(b.id) == [moved]
        at_root = repos.categories.update(leaf.id, CategoryChanges(parent_id=None))
        assert at_root.parent_id is None
        assert [c.name for c in repos.categories.list_children()] == ["A", "B", "Leaf"]

    def test_update_description_and_clear_it(self, repos: RepositorySet) -> None:
        cat = make_category(repos, "A", description="old")
        assert (
            repos.categories.update(cat.id, CategoryChanges(description="new")).description == "new"
        )
        assert (
            repos.categories.update(cat.id, CategoryChanges(description=None)).description is None
        )

    def test_update_with_no_changes_returns_it_unchanged(self, repos: RepositorySet) -> None:
        cat = make_category(repos, "A")
        assert repos.categories.update(cat.id, CategoryChanges()) == cat

    def test_a_move_that_makes_a_cycle_is_refused(self, repos: RepositorySet) -> None:
        a = make_category(repos, "A")
        b = make_category(repos, "B", a)
        c = make_category(repos, "C", b)
        before = repos.categories.tree()
        for new_parent in (a, c):
            with pytest.raises(ValidationError) as raised:
                repos.categories.update(a.id, CategoryChanges(parent_id=new_parent.id))
            assert raised.value.field == "parent_id"
        assert repos.categories.tree() == before

    def test_rename_or_move_onto_a_sibling_name_is_refused(self, repos: RepositorySet) -> None:
        a = make_category(repos, "A")
        b = make_category(repos, "B")
        make_category(repos, "Same", a)
        other = make_category(repos, "Same", b)
        with pytest.raises(AlreadyExists):
            repos.categories.update(b.id, CategoryChanges(name="A"))
        with pytest.raises(AlreadyExists):
            repos.categories.update(other.id, CategoryChanges(parent_id=a.id))
        assert repos.categories.get(other.id) == other

    def test_update_of_unknown_category_or_parent_raises_not_found(
        self, repos: RepositorySet
    ) -> None:
        cat = make_category(repos, "A")
        with pytest.raises(NotFound):
            repos.categories.update("999999", CategoryChanges(name="X"))
        with pytest.raises(NotFound):
            repos.categories.update(cat.id, CategoryChanges(parent_id="999999"))

    def test_delete_removes_a_leaf(self, repos: RepositorySet) -> None:
        root = make_category(repos, "Root")
        leaf = make_category(repos, "Leaf", root)
        repos.categories.delete(leaf.id)
        assert repos.categories.get(leaf.id) is None
        assert repos.categories.list_children(root.id) == []
        repos.categories.delete(root.id)
        assert repos.categories.tree() == []

    def test_delete_refuses_a_category_with_children_or_products(
        self, repos: RepositorySet
    ) -> None:
        parent = make_category(repos, "Parent")
        make_category(repos, "Child", parent)
        with pytest.raises(Conflict) as has_children:
            repos.categories.delete(parent.id)
        assert has_children.value.reason == "category has children"
        stocked = make_category(repos, "Stocked")
        make_product(repos, category=stocked)
        before = everything(repos)
        with pytest.raises(Conflict) as has_products:
            repos.categories.delete(stocked.id)
        assert has_products.value.reason == "category has products"
        assert everything(repos) == before

    def test_delete_of_an_unknown_category_raises_not_found(self, repos: RepositorySet) -> None:
        with pytest.raises(NotFound):
            repos.categories.delete("999999")
