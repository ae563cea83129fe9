"""The library's contract cases: each runs on MySQL and on DynamoDB; the two must agree."""

from __future__ import annotations

from harness import CallFailed, Run, case


@case("members.join", "members.find_by_email", "members.get")
def a_new_member_is_found_by_email_whatever_its_case(run: Run) -> None:
    """A member who joined is found by id and by email in any case."""
    cy = run.call("members.join", "Cy@Example.org", "Cy")
    run.call("members.find_by_email", "CY@EXAMPLE.ORG")
    run.call("members.find_by_email", "not an email")
    if not isinstance(cy, CallFailed):
        run.call("members.get", cy.id)


@case("members.join", seed="small_library")
def an_email_joins_only_once(run: Run) -> None:
    """Joining again with a taken email, in another case, is refused; a bad one too."""
    run.call("members.join", "ADA@example.org", "Ada again")
    run.call("members.join", "no-at-sign", "Nobody")


@case("members.rename", "members.everyone", seed="small_library")
def a_renamed_member_keeps_their_email(run: Run) -> None:
    """Renaming changes the name only; renaming nobody is refused."""
    run.call("members.rename", run.seeded["ada"].id, "Ada Lovelace")
    run.call("members.rename", "no-such-member", "Ghost")
    run.call("members.everyone")


@case("books.add", "books.get", "books.catalogue")
def an_added_book_is_in_the_catalogue(run: Run) -> None:
    """A new book has none on loan; a negative number of copies is refused."""
    book = run.call("books.add", "Middlemarch", 3)
    run.call("books.add", "Nothing", -1)
    if not isinstance(book, CallFailed):
        run.call("books.get", book.id)
    run.call("books.get", "no-such-book")
    run.call("books.catalogue")


@case("books.lend", seed="small_library")
def lending_the_last_copy_leaves_none_to_lend(run: Run) -> None:
    """Dune has one copy: the first loan succeeds, the second is refused."""
    run.call("books.lend", run.seeded["dune"].id)
    run.call("books.lend", run.seeded["dune"].id)


@case("books.give_back", seed="small_library")
def only_a_lent_copy_can_be_given_back(run: Run) -> None:
    """Giving back a book none of whose copies is on loan is refused."""
    emma = run.seeded["emma"].id
    run.call("books.give_back", emma)
    run.call("books.lend", emma)
    run.call("books.give_back", emma)
    run.call("books.give_back", "no-such-book")
