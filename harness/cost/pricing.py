"""What a traffic mix would cost a month on DynamoDB on-demand: prices, estimate, TOML mix.

``estimate(traffic, per_call, prices)`` multiplies each method's calls per month by the
read and write request units one call of it costs (as the cost profile measured them) and
by the on-demand prices. ``load_traffic(path)`` reads a traffic mix file::

    [traffic]
    "orders.place" = 120_000        # calls per month
    "orders.get" = 2_000_000
    orders.list = 50_000            # unquoted dotted keys are nested tables: read the same

Amounts are ``Decimal`` US dollars, not rounded. The default prices and where they come
from are in docs/cost-dynamodb.md.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from harness.explained import Explained

MILLION = Decimal(1_000_000)


class PricingError(Explained, ValueError):
    """A traffic mix or an estimate's inputs are not usable: what, expected, seen, hint."""


@dataclass(frozen=True)
class Prices:
    """On-demand prices per million request units, with where and when they were read."""

    read_per_million: Decimal
    """US dollars per million read request units."""
    write_per_million: Decimal
    """US dollars per million write request units."""
    as_of: date
    """The date of the source the prices were read from."""
    region: str
    source: str


DEFAULT_PRICES = Prices(
    read_per_million=Decimal("0.125"),
    write_per_million=Decimal("0.625"),
    as_of=date(2025, 7, 21),
    region="us-east-1",
    source=(
        "DynamoDB Standard table class, on-demand, US East (N. Virginia), after the 50% "
        "on-demand price reduction effective 2024-11-01; figures as quoted by "
        "https://airbyte.com/data-engineering-resources/dynamodb-pricing (2025-07-21). "
        "AWS's own page https://aws.amazon.com/dynamodb/pricing/on-demand/ renders its "
        "price table in the browser, so the figure could not be read there: check it"
    ),
)
"""The default: the last us-east-1 on-demand figures that could be cited (see the source)."""


@dataclass(frozen=True)
class EstimateRow:
    """One method's monthly figures."""

    method: str
    calls_per_month: Decimal
    read_units_per_call: Decimal
    write_units_per_call: Decimal
    read_units: Decimal
    """Read request units a month."""
    write_units: Decimal
    """Write request units a month."""
    read_cost: Decimal
    write_cost: Decimal

    @property
    def cost(self) -> Decimal:
        """The method's monthly cost (reads and writes)."""
        return self.read_cost + self.write_cost


@dataclass(frozen=True)
class Estimate:
    """A traffic mix's monthly on-demand cost, method by method, and the total."""

    rows: tuple[EstimateRow, ...]
    prices: Prices

    @property
    def total(self) -> Decimal:
        """The monthly cost of every method."""
        return sum((row.cost for row in self.rows), Decimal(0))

    @property
    def read_cost(self) -> Decimal:
        """The monthly cost of the reads."""
        return sum((row.read_cost for row in self.rows), Decimal(0))

    @property
    def write_cost(self) -> Decimal:
        """The monthly cost of the writes."""
        return sum((row.write_cost for row in self.rows), Decimal(0))


def estimate(
    traffic: Mapping[str, int | float | Decimal],
    per_call: Mapping[str, tuple[float, float]],
    prices: Prices = DEFAULT_PRICES,
) -> Estimate:
    """Each method of ``traffic`` (calls per month) at ``per_call[method]`` = (read units,
    write units) per call, priced at ``prices``. A method with traffic but no per-call
    figures is an error (an estimate leaving it out would look cheaper than it is)."""
    missing = [method for method in traffic if method not in per_call]
    if missing:
        raise PricingError(
            "the traffic mix names methods whose cost per call is unknown",
            expected="a (read units, write units) per call for every method with traffic",
            observed=f"no figures for {missing}; known: {sorted(per_call)[:12]}",
            hint="run the cost profile over cases that call these methods, or remove them "
            "from the traffic mix",
        )
    rows = tuple(
        _row(method, _decimal(calls, f"traffic[{method!r}]"), per_call[method], prices)
        for method, calls in traffic.items()
    )
    return Estimate(rows=rows, prices=prices)


def _row(method: str, calls: Decimal, units: tuple[float, float], prices: Prices) -> EstimateRow:
    """One method's figures: units per call times calls, priced per million."""
    read_per_call = _decimal(units[0], f"per_call[{method!r}] read units")
    write_per_call = _decimal(units[1], f"per_call[{method!r}] write units")
    read_units = calls * read_per_call
    write_units = calls * write_per_call
    return EstimateRow(
        method=method,
        calls_per_month=calls,
        read_units_per_call=read_per_call,
        write_units_per_call=write_per_call,
        read_units=read_units,
        write_units=write_units,
        read_cost=read_units * prices.read_per_million / MILLION,
        write_cost=write_units * prices.write_per_million / MILLION,
    )


def _decimal(value: object, where: str) -> Decimal:
    """``value`` as a finite, non-negative ``Decimal`` (floats through their repr)."""
    number = _as_decimal(value)
    if number is None or not number.is_finite() or number < 0:
        raise PricingError(
            f"{where} is not a usable number",
            expected="a finite number, zero or more",
            observed=f"{value!r} ({type(value).__name__})",
            hint="give calls per month and units per call as plain numbers",
        )
    return number


def _as_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    return None


# -- the traffic mix file -------------------------------------------------------------------


def load_traffic(path: str | os.PathLike[str]) -> dict[str, Decimal]:
    """The ``[traffic]`` table of the TOML file ``path``: method -> calls per month.

    Unquoted dotted keys (``orders.place = 10``) are nested tables in TOML; they are read
    back as the dotted method name. Errors name the file and the key.
    """
    raw = _read_toml(Path(path))
    traffic = raw.get("traffic")
    if not isinstance(traffic, dict):
        raise PricingError(
            f"{path} has no [traffic] table",
            expected="a [traffic] table of method = calls per month",
            observed=f"'traffic' is {_kind(traffic)}; top-level keys: {sorted(raw)[:12]}",
            hint='start the file with [traffic], then lines like "orders.place" = 120000',
        )
    calls: dict[str, Decimal] = {}
    for method, value in _flattened(traffic):
        number = _as_decimal(value)
        if number is None or not number.is_finite() or number < 0:
            raise PricingError(
                f"{path}: [traffic] {method!r} is not a number of calls per month",
                expected="a non-negative integer or decimal number",
                observed=f"{value!r} ({_kind(value)})",
                hint=f'write it unquoted, e.g. "{method}" = 120000',
            )
        calls[method] = number
    if not calls:
        raise PricingError(
            f"{path}: the [traffic] table is empty",
            expected="at least one method = calls per month",
            observed="no keys under [traffic]",
            hint='add lines like "orders.place" = 120000 under [traffic]',
        )
    return calls


def _read_toml(path: Path) -> dict[str, Any]:
    """The parsed file, or a ``PricingError`` saying why it could not be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PricingError(
            f"cannot read the traffic mix file {path}",
            expected="a readable UTF-8 TOML file",
            observed=f"{type(error).__name__}: {error}",
            hint="check the path",
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PricingError(
            f"the traffic mix file {path} is not valid TOML",
            expected="valid TOML with a [traffic] table",
            observed=str(error),
            hint="fix the file at that position (method names with dots or dashes can be "
            'quoted: "orders.place" = 120000)',
        ) from None


def _flattened(table: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted key, value) for every leaf of ``table`` (nested tables joined with dots)."""
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flattened(value, f"{name}.")
        else:
            yield name, value


def _kind(value: object) -> str:
    """A TOML-ish name for what ``value`` is."""
    if value is None:
        return "missing"
    names = {bool: "a boolean", str: "a string", list: "an array", dict: "a table"}
    return names.get(type(value), f"a {type(value).__name__}")


__all__ = [
    "DEFAULT_PRICES",
    "Estimate",
    "EstimateRow",
    "Prices",
    "PricingError",
    "estimate",
    "load_traffic",
]
