"""The shop's growth probe on real servers (MySQL and a DynamoDB-API server).

Small sizes, to keep it quick (``--parity-growth`` runs the target's own 10/100/1000): the
issue's expectation holds already at 10 and 200 entities.
"""

from __future__ import annotations

import pytest

from harness.cost.growth import CONSTANT, GrowthReport, run_growth_probe
from harness.session import SESSION_KEY

pytestmark = pytest.mark.integration

KEY_LOOKUPS = (
    "users.get",
    "users.get_by_email",
    "products.get",
    "products.get_many",
    "products.list_by_category",
    "categories.get",
)
SIDES = ("mysql", "dynamodb")


@pytest.fixture(scope="module")
def report(request: pytest.FixtureRequest) -> GrowthReport:
    parity = request.config.stash[SESSION_KEY]
    target = parity.target_for("integration")
    sides = [(name, parity.factory(name, request, "integration")) for name in SIDES]
    return run_growth_probe(target, sides, (10, 200), repeats=3, tier="integration")


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("method", KEY_LOOKUPS)
def test_a_key_lookup_costs_the_same_whatever_the_data(
    report: GrowthReport, method: str, side: str
) -> None:
    assert report.row(method, side).growth == CONSTANT, report.render_text()


def test_search_on_mysql_examines_every_product(report: GrowthReport) -> None:
    rows = report.row("products.search", "mysql").metric("capacity")
    assert (rows.unit, rows.values) == ("rows_examined", (10, 200)), report.render_text()


def test_search_on_dynamodb_is_one_scan_reading_every_product(report: GrowthReport) -> None:
    row = report.row("products.search", "dynamodb")
    assert row.metric("requests").values == (1, 1)
    assert row.metric("items_read").values == (10, 200), report.render_text()
    assert row.samples[-1].full_scans == 1


def test_the_breadcrumb_trail_on_dynamodb_costs_one_request_per_level(
    report: GrowthReport,
) -> None:
    assert report.row("categories.path", "dynamodb").metric("requests").growth != CONSTANT


def test_the_breadcrumb_trail_on_mysql_examines_more_rows_as_the_tree_deepens(
    report: GrowthReport,
) -> None:
    capacity = report.row("categories.path", "mysql").metric("capacity")
    assert capacity.growth != CONSTANT, report.render_text()
