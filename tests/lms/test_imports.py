"""The import contracts of pyproject.toml ([tool.importlinter]), run by import-linter on the real import graph.

``make test`` runs ``lint-imports`` before the suite (a broken floor fails in a second); this test runs the
same contracts so that a plain ``pytest`` run sees them too, with import-linter's report as the failure.
"""

import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_import_contracts_are_kept():
    """Floors (home | insights) > outreach > courses > accounts > core, learning/delivery independence, no lms."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    command = str(lint_imports) if lint_imports.exists() else shutil.which("lint-imports")
    assert command, "lint-imports is missing: make install (requirements-dev.txt) installs import-linter"
    result = subprocess.run(
        [command, "--no-logo", "--no-cache"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
