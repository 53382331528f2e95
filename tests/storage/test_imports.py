"""What storage brings into every process: the schema checks need Alembic, not Pygments' highlighting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_alembic_comes_without_pygments_and_mako_still_reports_errors() -> None:
    probe = (
        "import sys, storage.migrate, mako.exceptions\n"
        "from mako.template import Template\n"
        "print('pygments' in sys.modules, 'alembic' in sys.modules)\n"
        "try:\n"
        "    Template('${1/0}').render()\n"
        "except ZeroDivisionError:\n"
        "    print('division by zero' in mako.exceptions.text_error_template().render())\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["False", "True", "True"]
