"""What every backend's UserRepository must do (tests run on each tier's backends)."""

from __future__ import annotations

from datetime import UTC

import pytest

from shop.domain import (
    AlreadyExists,
    Conflict,
    NewUser,
    NotFound,
    Profile,
    UserChanges,
    ValidationError,
)
from shop.repository_set import RepositorySet
from suites.behaviour.builders import (
    all_pages,
    make_category,
    make_product,
    make_user,
    unique,
)
from suites.target.snapshot import everything


class TestUserRepository:
    def test_create_stores_the_email_lower_cased_and_sets_both_timestamps(
        self, repos: RepositorySet
    ) -> None:
        name = unique("mixed")
        user = repos.users.create(NewUser(f"{name}@Example.COM", name, "h"))
        assert user.email == f"{name}@example.com"
        assert user.created_at == user.updated_at
        assert user.created_at.tzinfo is not None
        assert user.created_at.utcoffset() == UTC.utcoffset(None)
        assert user.created_at.microsecond % 1000 == 0
        assert repos.users.get(user.id) == user

    def test_create_keeps_the_profile_and_reads_missing_fields_back_as_none(
        self, repos: RepositorySet
    ) -> None:
        user = make_user(repos, profile=Profile(first_name="Zoë", phone="+44 1"))
        stored = repos.users.get(user.id)
        assert stored is not None
        assert stored.profile == Profile(first_name="Zoë", last_name=None, phone="+44 1")

    def test_create_refuses_an_email_that_differs_only_in_case(self, repos: RepositorySet) -> None:
        user = make_user(repos)
        with pytest.raises(AlreadyExists) as raised:
            make_user(repos, email=user.email.upper())
        assert (raised.value.field, raised.value.value) == ("email", user.email)

    def test_create_refuses_a_taken_username_but_usernames_are_case_sensitive(
        self, repos: RepositorySet
    ) -> None:
        user = make_user(repos)
        with pytest.raises(AlreadyExists) as raised:
            make_user(repos, username=user.username)
        assert raised.value.field == "username"
        other = make_user(repos, username=user.username.upper())
        assert repos.users.get_by_username(user.username.upper()) == other

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"email": "no-at-sign"}, "email"),
            ({"email": " padded@example.com"}, "email"),
            ({"email": ""}, "email"),
            ({"username": ""}, "username"),
            ({"username": "trailing "}, "username"),
            ({"username": "x" * 65}, "username"),
            ({"username": "nul\x00byte"}, "username"),
            ({"password_hash": ""}, "password_hash"),
            ({"is_seller": 1}, "is_seller"),
            ({"profile": Profile(first_name="")}, "profile.first_name"),
        ],
    )
    def test_create_rejects_bad_input_before_writing(
        self, repos: RepositorySet, fields: dict[str, object], field: str
    ) -> None:
        make_user(repos)
        before = everything(repos)
        with pytest.raises(ValidationError) as raised:
            make_user(repos, **fields)
        assert raised.value.field == field
        assert everything(repos) == before

    def test_lookups_return_none_for_unknown_keys(self, repos: RepositorySet) -> None:
        make_user(repos)
        assert repos.users.get("no-such-id") is None
        assert repos.users.get("999999") is None
        assert repos.users.get_by_email("nobody@example.com") is None
        assert repos.users.get_by_username("nobody") is None

    def test_get_by_email_ignores_case(self, repos: RepositorySet) -> None:
        user = make_user(repos)
        assert repos.users.get_by_email(user.email.upper()) == user

    def test_get_by_username_is_exact(self, repos: RepositorySet) -> None:
        user = make_user(repos)
        assert repos.users.get_by_username(user.username) == user
        assert repos.users.get_by_username(user.username.upper()) is None

    def test_update_changes_fields_and_moves_updated_at_only(self, repos: RepositorySet) -> None:
        user = make_user(repos)
        updated = repos.users.update(
            user.id, UserChanges(profile=Profile(last_name="Byron"), is_seller=True)
        )
        assert updated.profile == Profile(last_name="Byron")
        assert updated.is_seller is True
        assert updated.created_at == user.created_at
        assert updated.updated_at >= user.updated_at
        assert repos.users.get(user.id) == updated

    def test_update_with_no_changes_returns_the_user_unchanged(self, repos: RepositorySet) -> None:
        user = make_user(repos)
        assert repos.users.update(user.id, UserChanges()) == user

    def test_changing_the_email_keeps_id_cart_and_orders(self, repos: RepositorySet) -> None:
        shopper = make_user(repos)
        product = make_product(repos)
        repos.carts.add_item(shopper.id, product.id, 1)
        order = repos.orders.place(shopper.id, "1 Main St")
        repos.carts.add_item(shopper.id, product.id, 2)
        new_email = unique("moved") + "@Example.com"
        updated = repos.users.update(shopper.id, UserChanges(email=new_email))
        assert updated.id == shopper.id
        assert updated.email == new_email.lower()
        assert repos.users.get_by_email(new_email) == updated
        assert repos.users.get_by_email(shopper.email) is None
        assert repos.carts.count_items(shopper.id) == 2
        assert [o.id for o in repos.orders.list_by_user(shopper.id).items] == [order.id]
        assert repos.orders.get(order.id) == order

    def test_update_refuses_an_email_or_username_another_user_has(
        self, repos: RepositorySet
    ) -> None:
        first, second = make_user(repos), make_user(repos)
        with pytest.raises(AlreadyExists) as by_email:
            repos.users.update(second.id, UserChanges(email=first.email.upper()))
        assert by_email.value.field == "email"
        with pytest.raises(AlreadyExists) as by_name:
            repos.users.update(second.id, UserChanges(username=first.username))
        assert by_name.value.field == "username"
        assert repos.users.get(second.id) == second

    def test_update_to_its_own_email_or_username_is_allowed(self, repos: RepositorySet) -> None:
        user = make_user(repos)
        same = repos.users.update(user.id, UserChanges(email=user.email, username=user.username))
        assert (same.email, same.username) == (user.email, user.username)

    def test_update_of_an_unknown_user_raises_not_found(self, repos: RepositorySet) -> None:
        with pytest.raises(NotFound) as raised:
            repos.users.update("999999", UserChanges(is_seller=True))
        assert (raised.value.entity, raised.value.key) == ("user", "999999")

    def test_update_rejects_a_bad_email_before_writing(self, repos: RepositorySet) -> None:
        user = make_user(repos)
        with pytest.raises(ValidationError) as raised:
            repos.users.update(user.id, UserChanges(email="broken"))
        assert raised.value.field == "email"
        assert repos.users.get(user.id) == user

    def test_delete_removes_the_user_and_their_cart(self, repos: RepositorySet) -> None:
        shopper = make_user(repos)
        product = make_product(repos)
        repos.carts.add_item(shopper.id, product.id, 1)
        repos.users.delete(shopper.id)
        assert repos.users.get(shopper.id) is None
        assert repos.users.get_by_email(shopper.email) is None
        assert repos.users.get_by_username(shopper.username) is None
        with pytest.raises(NotFound):
            repos.carts.get(shopper.id)
        again = make_user(repos, email=shopper.email, username=shopper.username)
        assert repos.carts.get(again.id).items == ()

    def test_delete_refuses_a_user_with_orders(self, repos: RepositorySet) -> None:
        shopper = make_user(repos)
        repos.carts.add_item(shopper.id, make_product(repos).id, 1)
        repos.orders.place(shopper.id, "1 Main St")
        with pytest.raises(Conflict) as raised:
            repos.users.delete(shopper.id)
        assert raised.value.reason == "user has orders"
        assert repos.users.get(shopper.id) is not None

    def test_delete_refuses_a_seller_with_products(self, repos: RepositorySet) -> None:
        seller = make_user(repos, seller=True)
        make_product(repos, seller=seller)
        with pytest.raises(Conflict) as raised:
            repos.users.delete(seller.id)
        assert raised.value.reason == "user has products"

    def test_delete_of_an_unknown_user_raises_not_found(self, repos: RepositorySet) -> None:
        with pytest.raises(NotFound):
            repos.users.delete("999999")

    def test_list_pages_through_users_in_creation_order(self, repos: RepositorySet) -> None:
        created = [make_user(repos) for _ in range(7)]
        everyone, pages = all_pages(repos.users.list, limit=3)
        assert [u.id for u in everyone] == [u.id for u in created]
        assert pages == 3

    def test_list_with_limit_equal_to_the_count_has_no_next_page(
        self, repos: RepositorySet
    ) -> None:
        created = [make_user(repos) for _ in range(2)]
        page = repos.users.list(2)
        assert [u.id for u in page.items] == [u.id for u in created]
        assert page.next_cursor is None

    def test_list_of_no_users_is_one_empty_page(self, repos: RepositorySet) -> None:
        page = repos.users.list()
        assert page.items == ()
        assert page.next_cursor is None

    @pytest.mark.parametrize("limit", [0, 101, -1, "5", 2.0, True])
    def test_list_rejects_a_limit_outside_1_to_100(
        self, repos: RepositorySet, limit: object
    ) -> None:
        with pytest.raises(ValidationError) as raised:
            repos.users.list(limit)  # type: ignore[arg-type]
        assert raised.value.field == "limit"

    @pytest.mark.parametrize("cursor", ["garbage", "", "a.b", "eyJ9.AAAA"])
    def test_list_rejects_a_malformed_cursor(self, repos: RepositorySet, cursor: str) -> None:
        with pytest.raises(ValidationError) as raised:
            repos.users.list(10, cursor)
        assert raised.value.field == "cursor"

    def test_list_rejects_a_tampered_or_foreign_cursor(self, repos: RepositorySet) -> None:
        for _ in range(3):
            make_user(repos)
        cursor = repos.users.list(1).next_cursor
        assert cursor is not None
        body, _, signature = cursor.partition(".")
        tampered = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + signature
        with pytest.raises(ValidationError):
            repos.users.list(1, tampered)
        seller = make_user(repos, seller=True)
        category = make_category(repos)
        for _ in range(2):
            make_product(repos, seller=seller, category=category)
        foreign = repos.products.list_by_seller(seller.id, 1).next_cursor
        assert foreign is not None
        with pytest.raises(ValidationError):
            repos.users.list(1, foreign)
