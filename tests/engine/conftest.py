"""Engine tests run with every warning turned into an error.

Each module also sets ``pytestmark = pytest.mark.filterwarnings("error")``; this hook repeats it
for any test collected under ``tests/engine`` so that a new module cannot forget it. It touches
no test outside this folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.filterwarnings("error"))
