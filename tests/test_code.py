"""The code itself: what a reader would take for a bug is reported before it runs."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_code_has_no_unused_or_undefined_names_overlong_lines_or_likely_bugs():
    # The rules are in pyproject.toml ([tool.ruff.lint]); a finding is printed with its file and line.
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise", str(ROOT)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
