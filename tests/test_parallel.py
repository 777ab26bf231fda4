"""`make test` in parallel: which tests run together on one xdist worker, and in what order."""

from __future__ import annotations

import re

from xdist.scheduler import LoadScopeScheduling

from tests.conftest import ONE_UNIT_FOLDERS, START_ORDER, TESTS, unit_of


def test_a_file_is_a_unit_and_a_one_unit_folder_is_one():
    # GIVEN node ids of top-level, per-file and one-unit folders (parameters may hold '/' and '::')
    # WHEN they are mapped to units
    # THEN a file's tests stay together, and every test of tests/api (or infra…) is one unit
    assert unit_of("tests/test_stack.py::test_make_run") == "tests/test_stack.py"
    assert unit_of("tests/browser/test_anaf.py::test_x[a/b::c]") == "tests/browser/test_anaf.py"
    assert unit_of("tests/api/test_sync.py::test_soak") == unit_of("tests/api/test_accounts.py::test_a") == "tests/api"
    assert unit_of("tests/infra/test_data.py::test_t[dev-AccountModel]") == "tests/infra"


def test_every_test_folder_has_its_place_in_the_start_order():
    # GIVEN the folders that hold test files
    folders = {path.parent.name for path in TESTS.glob("*/test_*.py")}
    # THEN each starts at a known point (a new folder would otherwise start last, whatever its
    # length), and each one-unit folder exists
    placed = {entry.split("/")[1] for entry in START_ORDER if entry.endswith("/")}
    assert folders <= placed, f"add {sorted(folders - placed)} to START_ORDER in tests/conftest.py"
    assert set(ONE_UNIT_FOLDERS) <= folders


def test_make_test_uses_the_unit_scheduler():
    # GIVEN the Makefile's test recipe
    recipe = (TESTS.parent / "Makefile").read_text(encoding="utf-8").split("\ntest:", 1)[1].split("\n\n", 1)[0]
    # THEN it runs workers with --dist loadfile (the only mode tests/conftest.py refines into
    # units) in collection order, and the xdist scheduler still has the method the units replace
    assert re.search(r"-n \$\(TEST_WORKERS\) --dist loadfile --no-loadscope-reorder", recipe)
    assert callable(getattr(LoadScopeScheduling, "_split_scope", None))
