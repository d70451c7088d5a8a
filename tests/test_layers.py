"""The layers hold: import-linter's contracts pass, and the headless modules never load Textual."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_import_linter_contracts_hold():
    """Through import-linter's own entry point in this interpreter: no dependence on PATH."""
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout and "layers" in done.stdout


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def console_import_graph(*, runtime_only: bool) -> dict[str, set[str]]:
    """Which console modules each console module imports, at any depth (function-level imports count).

    ``runtime_only`` leaves out the body of ``if TYPE_CHECKING:`` blocks (never executed); its ``else`` counts.
    ``from package import name`` is an edge to ``package.name`` when that is a module, else to ``package``.
    """
    modules: dict[str, tuple[Path, bool]] = {}
    for path in (ROOT / "console").rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)

    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        imported: set[str] = set()

        def visit(node: ast.AST) -> None:
            for child in ast.iter_child_nodes(node):
                if runtime_only and isinstance(child, ast.If) and _is_type_checking(child):
                    for other in child.orelse:
                        visit_node(other)
                else:
                    visit_node(child)

        def visit_node(node: ast.AST) -> None:
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names if alias.name in modules)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                for alias in node.names:
                    if f"{source}.{alias.name}" in modules:
                        imported.add(f"{source}.{alias.name}")
                    elif source in modules:
                        imported.add(source)
            visit(node)

        visit(ast.parse(path.read_text(), str(path)))
        imported.discard(name)
        graph[name] = imported
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph.get(module, ())):
            if other not in index:
                connect(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            connect(module)
    return cycles


def test_console_modules_form_no_runtime_import_cycle():
    """No cycle among console modules, counting imports inside functions (which hide a cycle from a
    top-level reading: media.devices <-> media.portaudio, net.comm <-> net.websocket were two);
    imports under ``if TYPE_CHECKING:`` never run and are not counted."""
    graph = console_import_graph(runtime_only=True)
    cycles = import_cycles(graph)
    assert not cycles, [{module: sorted(graph[module] & set(cycle)) for module in cycle} for cycle in cycles]


def test_webrtc_modules_form_no_import_cycle():
    """Inside console.webrtc every module imports only modules below it (no call <-> instance cycle),
    even counting the imports made for type checking."""
    graph = console_import_graph(runtime_only=False)
    webrtc = {module for module in graph if module.startswith("console.webrtc")}
    assert not import_cycles({module: graph[module] & webrtc for module in webrtc})


def test_headless_modules_do_not_import_textual():
    code = (
        "import sys\n"
        "import console.core.protocol, console.core.machines, console.webrtc, console.net.comm, console.net.websocket\n"
        "import console.switch.server, console.store, console.practice, console.integration.commands\n"
        "assert 'textual' not in sys.modules, sorted(m for m in sys.modules if m.startswith('textual'))\n"
        "import console.core.protocol\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_core_imports_no_asyncio():
    code = "import sys; import console.core.protocol, console.core.machines, console.core.callinfo; print('asyncio' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_each_shared_constant_is_defined_once():
    """MAX_SDP, the frame duration and the talking states have one home each (others import it)."""
    import re

    sources = {p: p.read_text() for p in (ROOT / "console").rglob("*.py")}
    for name in ("MAX_SDP", "FRAME_MS", "FRAME_SECONDS", "FRAME_SAMPLES", "TALKING_STATES"):
        homes = [str(p.relative_to(ROOT)) for p, text in sources.items() if re.search(rf"^{name}\s*[:=]", text, re.M)]
        assert len(homes) == 1, (name, homes)
