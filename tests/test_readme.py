"""The README's two set-up commands stay true: they work on a system Python that refuses pip (PEP 668), and CI
runs exactly the README's test command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).parents[1]
VENV = "python3 -m venv .venv"


def setup_section() -> str:
    text = (ROOT / "README.md").read_text()
    return text.split("## Set-up", 1)[1].split("\n## ", 1)[0]


def readme_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", setup_section())


def steps(command: str) -> list[str]:
    return [step.strip() for step in command.split("&&")]


def apt_packages(line: str) -> set[str]:
    words = shlex.split(line.replace("\\\n", " "))
    return {w for w in words[words.index("install") + 1:] if not w.startswith(("-", ">"))}


def test_the_readme_has_the_two_setup_commands():
    """The first installs and starts the console, the second installs and runs the tests; each installs the
    Debian packages, makes a virtual environment and uses only its pip and its programs: "the README's first
    command fails on a stock Debian 12 Python (`error: externally-managed-environment`, PEP 668) because no
    virtual environment is made"."""
    start, test = readme_commands()
    for command, last in ((start, ".venv/bin/anynode-console"), (test, ".venv/bin/python -m pytest -q -p no:cacheprovider")):
        apt, venv, pip, *rest = steps(command)
        assert apt.startswith("sudo apt-get install -y "), apt
        assert {"portaudio19-dev", "python3-venv"} <= apt_packages(apt), apt  # python3-venv: Debian's venv module
        assert venv == VENV
        assert pip.startswith(".venv/bin/pip install -e "), pip
        assert rest == [last], rest
    assert re.search(r"\bpip install\b", re.sub(r"\.venv/bin/pip install", "", start + test)) is None


def test_root_and_sudo_are_said_before_the_commands():
    """ "as root, drop sudo" is not buried under the second command: it comes before the first."""
    section = setup_section()
    before = section.split("```sh", 1)[0]
    assert "sudo" in before and "as root, drop" in before.lower()
    assert "externally-managed-environment" in before


def test_ci_runs_the_readmes_test_command():
    _, test = readme_commands()
    ci = (ROOT / ".ci" / "run").read_text()
    after_apt = test.split("&&", 1)[1].strip()  # apt-get is done by CI's own install step
    ci_line = [line for line in ci.splitlines() if "pytest" in line and not line.lstrip().startswith("#")]
    assert len(ci_line) == 1, ci_line
    assert ci_line[0].strip() == after_apt, (ci_line, after_apt)
    ci_apt = set().union(*(apt_packages(cmd) for cmd in re.findall(r"apt-get install (?:\\\n|[^\n])+", ci)))
    wanted = apt_packages(steps(test)[0]) - {"-y"}
    assert wanted <= ci_apt, wanted - ci_apt


def test_the_switch_alone_is_documented_with_its_port():
    """ "`anynode-console switch` listens on a new random port every run ... (`--port` is not in the README)"."""
    from console.switch.config import DEFAULT_PORT

    text = (ROOT / "README.md").read_text()
    section = text.split("## The embedded switch's demo directory", 1)[1].split("\n## ", 1)[0]
    alone = section[section.index("Run the switch alone"):]
    assert f"ws://127.0.0.1:{DEFAULT_PORT}" in alone and "--port" in alone
