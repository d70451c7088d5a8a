"""Theme files (TOML, format in themes/README.md) to ``textual.theme.Theme`` objects.

Shipped themes live in the top-level ``themes/`` folder of a checkout, or, in
an installed wheel, in ``<prefix>/share/anynode-console/themes`` (the wheel's
data files). Users add theme files to ``<config dir>/themes``. The app
registers them on its own instance; Textual's global registry is never touched.
"""

from __future__ import annotations

import logging
import os
import sys
import sysconfig
import tomllib
from pathlib import Path

from textual.theme import Theme

log = logging.getLogger("console.ui.themes")

DEFAULT_THEME = "anynode-dark"
HIGH_CONTRAST = "anynode-high-contrast"
_COLOURS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground", "background",
            "surface", "panel", "boost")
_SHARE = Path("share") / "anynode-console" / "themes"


class ThemeFileError(ValueError):
    pass


def parse_theme(text: str, origin: str = "<theme>") -> Theme:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"{origin}: not valid TOML: {exc}") from None
    name, primary = data.get("name"), data.get("primary")
    if not isinstance(name, str) or not name or not isinstance(primary, str):
        raise ThemeFileError(f"{origin}: a theme needs a 'name' and a 'primary' colour")
    known = {"version", "name", "dark", "luminosity_spread", "text_alpha", "variables", *_COLOURS}
    for key in data.keys() - known:
        log.warning("%s: unknown key %r ignored", origin, key)
    colours = {key: str(data[key]) for key in _COLOURS if isinstance(data.get(key), str)}
    variables = data.get("variables", {})
    variables = {str(k): str(v) for k, v in variables.items()} if isinstance(variables, dict) else {}
    extra: dict[str, float] = {}
    for key in ("luminosity_spread", "text_alpha"):
        if isinstance(data.get(key), (int, float)):
            extra[key] = float(data[key])
    return Theme(name=name, dark=bool(data.get("dark", True)), variables=variables, **colours, **extra)  # type: ignore[arg-type]


def shipped_theme_dirs() -> list[Path]:
    """Where the shipped theme files may be: the checkout, then the install prefixes."""
    candidates = [Path(__file__).resolve().parents[2] / "themes"]
    for scheme_path in {sysconfig.get_path("data"), sys.prefix, sys.base_prefix}:
        candidates.append(Path(scheme_path) / _SHARE)
    try:
        candidates.append(Path(sysconfig.get_path("data", f"{os.name}_user")) / _SHARE)  # pip install --user
    except KeyError:
        pass
    return [path for path in dict.fromkeys(candidates) if path.is_dir()]


def load_themes(user_dir: Path | None = None) -> dict[str, Theme]:
    """Shipped themes (the first folder that has them), then the user's, which win on a name clash."""
    themes: dict[str, Theme] = {}
    shipped = shipped_theme_dirs()
    folders = ([shipped[0]] if shipped else []) + ([user_dir] if user_dir is not None and user_dir.is_dir() else [])
    for folder in folders:
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = parse_theme(path.read_text(encoding="utf-8"), str(path))
            except (OSError, UnicodeDecodeError, ThemeFileError) as exc:
                log.warning("skipping theme file: %s", exc)
                continue
            themes[theme.name] = theme
    return themes
