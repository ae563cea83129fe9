"""Contract cases for UserRepository."""

from __future__ import annotations

from harness import Run, case
from shop.domain import NewUser, Profile, UserChanges

HASH = "scrypt$16384$8$1$c2FsdA$bmV3"


@case("users.create")
def creates_a_user_and_reads_it_back(run: Run) -> None:
    user = run.call(
        "users.create",
        NewUser(
            "New.Person@Example.COM", "newbie", HASH, Profile(first_name="New", address="5 Road")
        ),
    )
    run.call("users.get", user.id)


@case("users.create", seed="small_shop")
def creates_a_seller_with_an_empty_profile(run: Run) -> None:
    user = run.call("users.create", NewUser("shop@example.net", "shopkeeper", HASH, is_seller=True))
    run.call("users.get_by_username", user.username)


@case("users.create", seed="small_shop")
def refuses_an_email_that_differs_only_in_case(run: Run) -> None:
    run.call("users.create", NewUser("ALICE@EXAMPLE.COM", "alice2", HASH))


@case("users.create", seed="small_shop")
def refuses_a_taken_username_but_not_one_in_other_case(run: Run) -> None:
    run.call("users.create", NewUser("other@example.com", "alice", HASH))
    run.call("users.create", NewUser("other@example.com", "ALICE", HASH))


@case("users.create", seed="small_shop")
def keeps_unicode_emails_and_usernames_exactly(run: Run) -> None:
    run.call("users.create", NewUser("ÄNNE@example.com", "Änne😀", HASH))
    run.call("users.create", NewUser("änne@example.com", "änne", HASH))
    run.call("users.get_by_email", "Änne@EXAMPLE.com")
    run.call("users.get_by_username", "Änne😀")


@case("users.create")
def rejects_bad_input_before_writing(run: Run) -> None:
    for bad in (
        NewUser("not-an-email", "x", HASH),
        NewUser("trailing@example.com ", "x", HASH),
        NewUser("a@example.com", "", HASH),
        NewUser("a@example.com", "padded ", HASH),
        NewUser("a@example.com", "x", ""),
        NewUser("a@example.com", "x", HASH, Profile(phone="")),
    ):
        run.call("users.create", bad)
    run.call("users.list")


@case("users.get", seed="small_shop")
def gets_a_user_by_id_and_none_for_unknown_ids(run: Run) -> None:
    run.call("users.get", run.seeded["zoe"].id)
    run.call("users.get", "999999")
    run.call("users.get", "not-an-id")


@case("users.get")
def rejects_an_empty_id(run: Run) -> None:
    run.call("users.get", "")


@case("users.get_by_email", seed="small_shop")
def finds_a_user_whatever_the_case_of_the_email(run: Run) -> None:
    run.call("users.get_by_email", "sam.seller@example.com")
    run.call("users.get_by_email", "SAM.SELLER@EXAMPLE.COM")
    run.call("users.get_by_email", "ZOË@example.com")


@case("users.get_by_email", seed="small_shop")
def returns_none_for_an_unknown_or_padded_email(run: Run) -> None:
    run.call("users.get_by_email", "nobody@example.com")
    run.call("users.get_by_email", "alice@example.com ")


@case("users.get_by_username", seed="small_shop")
def finds_exact_usernames_only(run: Run) -> None:
    run.call("users.get_by_username", "Sue")
    run.call("users.get_by_username", "sue")
    run.call("users.get_by_username", "Zoë")
    run.call("users.get_by_username", "nobody")


@case("users.update", seed="small_shop")
def updates_profile_and_seller_flag(run: Run) -> None:
    bob = run.seeded["bob"]
    run.call(
        "users.update", bob.id, UserChanges(profile=Profile(last_name="Builder"), is_seller=True)
    )
    run.call("users.get", bob.id)


@case("users.update", seed="small_shop")
def moves_email_with_cart_and_orders(run: Run) -> None:
    alice, bob = run.seeded["alice"], run.seeded["bob"]
    run.call("users.update", alice.id, UserChanges(email="Alice.New@Example.com"))
    run.call("users.update", bob.id, UserChanges(email="BOB@example.ORG", username="bobby"))
    run.call("users.get_by_email", "alice@example.com")
    run.call("users.get_by_email", "alice.new@example.com")
    run.call("carts.get", alice.id)
    run.call("orders.list_by_user", bob.id)
    run.call("users.get_by_username", "bob")


@case("users.update", seed="small_shop")
def refuses_a_taken_email_or_username(run: Run) -> None:
    alice = run.seeded["alice"]
    run.call("users.update", alice.id, UserChanges(email="Bob@example.org"))
    run.call("users.update", alice.id, UserChanges(username="Sue"))
    run.call("users.get", alice.id)


@case("users.update", seed="small_shop")
def an_empty_change_and_an_unknown_user(run: Run) -> None:
    run.call("users.update", run.seeded["alice"].id, UserChanges())
    run.call("users.update", "999999", UserChanges(is_seller=True))
    run.call("users.update", run.seeded["alice"].id, UserChanges(email="broken"))


@case("users.delete", seed="small_shop")
def deletes_a_user_and_their_cart(run: Run) -> None:
    alice = run.seeded["alice"]
    run.call("users.delete", alice.id)
    run.call("users.get", alice.id)
    run.call("users.get_by_email", alice.email)
    run.call("carts.get", alice.id)
    run.call("users.create", NewUser(alice.email, alice.username, HASH))


@case("users.delete", seed="small_shop")
def refuses_users_with_orders_or_products(run: Run) -> None:
    run.call("users.delete", run.seeded["bob"].id)
    run.call("users.delete", run.seeded["sam"].id)
    run.call("users.delete", "999999")


@case("users.list", seed="small_shop")
def lists_users_in_creation_order_across_pages(run: Run) -> None:
    run.drain("users.list", limit=2)
    run.drain("users.list", limit=1)
    run.drain("users.list", limit=100)


@case("users.list")
def lists_nothing_as_one_empty_page(run: Run) -> None:
    run.call("users.list")
    run.call("users.list", 1)


@case("users.list", seed="small_shop")
def breaks_creation_time_ties_by_id(run: Run) -> None:
    run.freeze_clock()
    for name in ("tie-b", "tie-a", "tie-c"):
        run.call("users.create", NewUser(f"{name}@example.com", name, HASH))
    run.freeze_clock(False)
    run.drain("users.list", limit=3)


@case("users.list", seed="small_shop")
def rejects_bad_limits_and_cursors(run: Run) -> None:
    for limit in (0, 101, -5):
        run.call("users.list", limit)
    run.call("users.list", 5, "not-a-cursor")
    page = run.call("users.list", 2)
    cursor = page.next_cursor
    run.call("users.list", 2, cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB"))
    run.call("products.list_by_seller", run.seeded["sam"].id, 1, cursor)
