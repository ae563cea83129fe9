"""docs/report-schema.md names every property of the shipped JSON Schemas."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.report.schema import SCHEMA_FILES, schema

pytestmark = pytest.mark.unit

DOC = Path(__file__).resolve().parents[3] / "docs" / "report-schema.md"


def property_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "properties" and isinstance(value, dict):
                yield from value
            yield from property_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from property_names(value)


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_every_schema_property_is_documented(name: str) -> None:
    text = DOC.read_text()
    names = sorted(set(property_names(schema(name))))
    assert len(names) > 5
    undocumented = [n for n in names if not re.search(rf'["`]{re.escape(n)}["`]', text)]
    assert undocumented == [], f"{DOC} does not name: {undocumented}"


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_the_schemas_are_valid_2020_12_schemas(name: str) -> None:
    from jsonschema import Draft202012Validator

    document = schema(name)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(document)
