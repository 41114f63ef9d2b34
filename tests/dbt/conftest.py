"""Fixtures for the dbt project tests."""

from __future__ import annotations

import pytest

from dbt_runner import BuiltWarehouse, build


@pytest.fixture(scope="module")
def seeds_warehouse(tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    """The five gold seed documents (seed 004 in two versions), built with `dbt build`."""
    return build(tmp_path_factory.mktemp("dbt_seeds"))
