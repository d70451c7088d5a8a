"""The README's two set-up commands stay true: CI runs exactly the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    setup = text.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", setup)


def test_the_readme_has_the_two_setup_commands():
    start, test = readme_commands()
    assert start.endswith("anynode-console")
    assert "portaudio19-dev" in start and "portaudio19-dev" in test
    assert "pytest" in test


def test_ci_runs_the_readmes_test_command():
    _, test = readme_commands()
    ci = (ROOT / ".ci" / "run").read_text()
    pip_and_pytest = test.split("&&", 1)[1].strip()  # apt-get is done by CI's own install step
    ci_line = [line for line in ci.splitlines() if "pytest" in line and not line.startswith("#")][0]
    assert ci_line.strip() == pip_and_pytest, (ci_line, pip_and_pytest)
    assert "apt-get install -y -qq portaudio19-dev" in ci
