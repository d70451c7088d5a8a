"""Every row of docs/API-MAPPING.md names something that exists in console.webrtc."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import console.webrtc as webrtc

TABLE = Path(__file__).parents[2] / "docs" / "API-MAPPING.md"
SEED = Path(__file__).parents[3] / "shared" / "seeds" / "anynode-webrtc-client-api.txt"


def rows() -> list[tuple[str, str, str]]:
    out = []
    for line in TABLE.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[2] in {"class", "constructor", "method", "handler", "state", "reason"}:
            out.append((cells[0], cells[1], cells[2]))
    return out


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_table_is_complete_and_every_name_exists():
    table = rows()
    assert len(table) >= 69
    for seed, python, kind in table:
        if kind in ("state", "reason"):
            enum_name, member = python.split(".")
            assert getattr(webrtc, enum_name)[member].value == member
        elif kind == "method":
            cls, method = python.split(".")
            assert callable(getattr(getattr(webrtc, cls), method)), python
            assert method == snake(seed), (seed, python)
        elif kind == "class":
            assert inspect.isclass(getattr(webrtc, python))
        elif kind == "constructor":
            params = list(inspect.signature(webrtc.WebRtcInstance).parameters)
            assert params[:3] == ["on_login_status", "on_incoming_call", "client_description"]


def test_every_seed_method_is_in_the_table():
    """The seed's section headings (3.x.x.x name) are all mapped."""
    if not SEED.exists():  # CI lays shared/ beside the clone; a bare checkout may not have it
        return
    mapped = {seed.split("(")[0] for seed, _, _ in rows()}
    headings = re.findall(r"^3\.\d\.\d\.\d+ (\w+)$", SEED.read_text(), flags=re.M)
    assert headings, "no headings parsed"
    missing = [h for h in headings if h not in mapped and h not in ("onLoginState",)]
    assert not missing, missing
    for member in ("CONNECTING", "LOGIN_RESTORE_FAILED", "HOLDING", "NOTSELECTED"):
        assert any(member in seed for seed, _, _ in rows())


def test_every_extension_exists_and_is_no_seed_name():
    text = TABLE.read_text().split("## Extensions", 1)[1]
    names = re.findall(r"`(WebRtc(?:Instance|Call))\.(\w+)\(", text)
    assert len(names) >= 12
    seed_names = {python.split(".")[1] for _, python, kind in rows() if kind == "method"}
    for cls, method in names:
        assert callable(getattr(getattr(webrtc, cls), method)), (cls, method)
        assert method not in seed_names, method
