"""``harness.cost.mysql_cost`` without a server: status readings to a statement's cost.

The readings are what ``SHOW SESSION STATUS`` gives (``(name, value)`` rows); the cost is
the delta around the statement less what a reading itself adds. The counted connection is
built with ``defer_connect`` (no socket) to check that it meters only with a real sink.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.cost.events import RequestCost, ignore_cost
from harness.cost.mysql_cost import (
    HANDLER_READS,
    STATUS_QUERY,
    STATUS_VARIABLES,
    counter_delta,
    is_full_scan,
    measured_cost,
    parse_status,
    rowless_cost,
    rows_examined,
    server_flavor,
    statement_counters,
    status_overhead,
    unmeasured_cost,
)

pytestmark = pytest.mark.unit


def test_the_status_query_names_every_counter_once() -> None:
    assert STATUS_QUERY.startswith("SHOW SESSION STATUS WHERE Variable_name IN (")
    for name in STATUS_VARIABLES:
        assert STATUS_QUERY.count(f"'{name}'") == 1
    assert len(set(STATUS_VARIABLES)) == len(STATUS_VARIABLES)


def test_parse_status_reads_text_and_bytes_and_skips_what_is_not_a_number() -> None:
    rows = [
        ("Handler_read_key", "3"),
        (b"Rows_read", b"12"),
        ("Last_query_cost", "1.399000"),
        ("Odd",),
        ("Select_scan", "0"),
    ]
    assert parse_status(rows) == {"Handler_read_key": 3, "Rows_read": 12, "Select_scan": 0}


def test_counter_delta_covers_the_counters_in_both_readings() -> None:
    before = {"Handler_read_key": 5, "Select_scan": 2, "Rows_read": 7}
    after = {"Handler_read_key": 9, "Select_scan": 2, "Handler_read_next": 4}
    assert counter_delta(before, after) == {"Handler_read_key": 4, "Select_scan": 0}


def test_status_overhead_is_the_least_delta_and_never_negative() -> None:
    first = {"Handler_read_rnd_next": 40, "Select_scan": 1, "Rows_read": 0, "Only_here": 3}
    second = {"Handler_read_rnd_next": 35, "Select_scan": 1, "Rows_read": -2}
    assert status_overhead([first, second]) == {
        "Handler_read_rnd_next": 35,
        "Rows_read": 0,
        "Select_scan": 1,
    }
    assert status_overhead([]) == {}


def test_statement_counters_subtract_the_overhead_and_clamp_at_zero() -> None:
    before = {"Handler_read_rnd_next": 100, "Select_scan": 10, "Handler_read_key": 4}
    after = {"Handler_read_rnd_next": 236, "Select_scan": 11, "Handler_read_key": 5}
    overhead = {"Handler_read_rnd_next": 35, "Select_scan": 1, "Handler_read_key": 2}
    assert statement_counters(before, after, overhead) == {
        "Handler_read_rnd_next": 101,
        "Select_scan": 0,
        "Handler_read_key": 0,
    }


def test_rows_examined_prefers_mariadb_rows_read_else_sums_the_handler_reads() -> None:
    mariadb = {"Rows_read": 10, "Handler_read_key": 1, "Handler_read_next": 10}
    mysql = {name: 1 for name in HANDLER_READS} | {"Select_scan": 1}
    assert rows_examined(mariadb) == 10
    assert rows_examined(mysql) == len(HANDLER_READS)
    assert rows_examined({}) == 0
    assert server_flavor(mariadb) == "mariadb"
    assert server_flavor(mysql) == "mysql"


@pytest.mark.parametrize(
    ("verb", "counters", "scan"),
    [
        ("SELECT", {"Handler_read_key": 1}, False),
        ("SELECT", {"Handler_read_key": 1, "Handler_read_next": 10}, False),
        ("SELECT", {"Select_scan": 1, "Handler_read_rnd_next": 101}, True),
        ("SELECT", {"Select_scan": 1, "Handler_read_first": 1, "Handler_read_next": 99}, True),
        ("SELECT", {"Select_full_join": 1, "Handler_read_key": 3}, True),
        # a range read grouped in a temporary table: the table scan is the temporary one's
        (
            "SELECT",
            {"Handler_read_key": 10, "Handler_read_next": 9, "Handler_read_rnd_next": 10},
            False,
        ),
        ("UPDATE", {"Handler_read_rnd_next": 101}, True),  # no join: no Select_scan
        ("DELETE", {"Handler_read_rnd_next": 101}, True),
        ("UPDATE", {"Handler_read_key": 1}, False),
        ("INSERT", {}, False),
    ],
)
def test_full_scan(verb: str, counters: dict[str, int], scan: bool) -> None:
    assert is_full_scan(verb, counters) is scan


def test_measured_cost_is_a_mysql_request_cost_with_its_counters() -> None:
    counters = {"Rows_read": 100, "Select_scan": 1, "Handler_read_rnd_next": 101}
    cost = measured_cost("SELECT", counters, rows_sent=1, rows_affected=None, seconds=0.002)
    assert cost == RequestCost(
        backend="mysql",
        operation="SELECT",
        rows_examined=100,
        rows_sent=1,
        full_scan=True,
        seconds=0.002,
        detail={
            "method": "session status",
            "server": "mariadb",
            "counters": {"Handler_read_rnd_next": 101, "Rows_read": 100, "Select_scan": 1},
        },
    )
    write = measured_cost("INSERT", {}, rows_sent=0, rows_affected=2, seconds=0.0, error=1062)
    assert write.detail["rows_affected"] == 2
    assert write.detail["error"] == 1062
    assert write.read_units == write.write_units == 0.0


def test_unmeasured_and_rowless_costs() -> None:
    unknown = unmeasured_cost("SELECT", "an unbuffered result is still being read", seconds=0.1)
    assert unknown.rows_examined is None
    assert unknown.rows_sent is None
    assert not unknown.full_scan
    assert unknown.detail["method"] == "not measured"
    commit = rowless_cost("COMMIT", seconds=0.0, why="transaction control reads no table rows")
    assert (commit.rows_examined, commit.rows_sent, commit.full_scan) == (0, 0, False)
    assert commit.backend == "mysql"
    assert commit.operation == "COMMIT"


@pytest.mark.parametrize(
    ("on_cost", "metered"),
    [(None, False), (ignore_cost, False), ([].append, True)],
    ids=["none", "ignore_cost", "a sink"],
)
def test_a_counting_connection_meters_only_with_a_real_sink(on_cost: Any, metered: bool) -> None:
    from harness.storage.mysql_connection import CountingConnection

    connection = CountingConnection(
        on_request=lambda label: None, on_cost=on_cost, defer_connect=True, host="127.0.0.1"
    )
    assert (connection._meter is not None) is metered
