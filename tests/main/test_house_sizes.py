"""The house stays easy to read: no module in app/ passes 400 lines, and function length keeps a p90 of 20 lines.

A module's length is its number of lines. A function's length runs from its ``def`` line to its
last line, as ``ast`` reports them (decorators and the blank lines after it not counted); nested
functions and methods count as functions of their own. The p90 is the ninth decile of all the
lengths (``statistics.quantiles(lengths, n=10)[-1]``).
"""
import ast
import statistics
from dataclasses import dataclass
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
MAX_MODULE_LINES = 400
MAX_FUNCTION_P90 = 20


@dataclass(frozen=True)
class HouseSizes:
    #: module path → its number of lines
    modules: dict[str, int]
    #: (length in lines, "path:line name") for every function and method
    functions: list[tuple[int, str]]

    @property
    def p90(self) -> float:
        return statistics.quantiles(sorted(length for length, _ in self.functions), n=10)[-1]

    @property
    def median(self) -> float:
        return statistics.median(length for length, _ in self.functions)

    def largest_modules(self, count: int = 5) -> list[tuple[str, int]]:
        return sorted(self.modules.items(), key=lambda item: -item[1])[:count]

    def longest_functions(self, count: int = 10) -> list[tuple[int, str]]:
        return sorted(self.functions, reverse=True)[:count]

    def figures(self) -> str:
        name, lines = self.largest_modules(1)[0]
        return (f"{len(self.modules)} modules, {len(self.functions)} functions, median {self.median:g} lines, "
                f"p90 {self.p90:g} lines; largest module {name} ({lines} lines)")


def measure(root: Path) -> HouseSizes:
    """The lines of every module under ``root`` and of every function in them."""
    modules: dict[str, int] = {}
    functions: list[tuple[int, str]] = []
    for path in sorted(root.rglob("*.py")):
        name = str(path.relative_to(root.parent))
        source = path.read_text(encoding="utf-8")
        modules[name] = len(source.splitlines())
        for node in ast.walk(ast.parse(source, filename=name)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.append((node.end_lineno - node.lineno + 1, f"{name}:{node.lineno} {node.name}"))
    return HouseSizes(modules, functions)


def oversized(sizes: HouseSizes) -> list[str]:
    return [f"{name} ({lines} lines)" for name, lines in sizes.largest_modules(len(sizes.modules))
            if lines > MAX_MODULE_LINES]


def test_no_module_in_app_passes_400_lines():
    """Every module under app/ has at most 400 lines; the message names any that grew past it."""
    sizes = measure(APP)
    over = oversized(sizes)
    assert not over, f"{sizes.figures()}. Split these along their seams: {', '.join(over)}"


def test_function_length_p90_stays_at_20_lines():
    """Nine functions in ten under app/ are at most 20 lines long; the message names the longest."""
    sizes = measure(APP)
    longest = "; ".join(f"{where} ({length} lines)" for length, where in sizes.longest_functions())
    assert sizes.p90 <= MAX_FUNCTION_P90, f"{sizes.figures()}. The longest: {longest}"


def test_the_measure_finds_a_grown_module_and_long_functions(tmp_path):
    """The checks above can fail: a 401-line module and a package of long functions are caught and named."""
    package = tmp_path / "app"
    package.mkdir()
    body = "".join(f"    x{line} = {line}\n" for line in range(29))
    (package / "long.py").write_text("".join(f"def step_{n}():\n{body}    return 0\n\n\n" for n in range(13)))
    (package / "short.py").write_text("def tiny():\n    return 1\n")
    sizes = measure(package)
    assert sizes.modules == {"app/long.py": 13 * 33, "app/short.py": 2}
    assert oversized(sizes) == ["app/long.py (429 lines)"]
    assert sizes.p90 > MAX_FUNCTION_P90
    (length, where), = sizes.longest_functions(1)
    assert length == 31 and where.startswith("app/long.py:") and " step_" in where
    assert "14 functions" in sizes.figures() and "largest module app/long.py (429 lines)" in sizes.figures()
