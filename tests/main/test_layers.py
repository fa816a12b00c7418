"""The layer contract: a module imports only from its own layer or the layers below it.

The table runs bottom to top; a module belongs to the most specific prefix that names it, so a
package's low-level modules can sit below the package itself (``app.moderation.prompt_filter`` under
``app.generation``, ``app.moderation.reports`` above ``app.story``). Imports inside functions count.
docs/architecture.md draws the same table.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("leaves", (
        "app.text", "app.query", "app.media", "app.storage", "app.observability", "app.sessions",
        "app.moderation.prompt_filter", "app.moderation.text", "app.moderation.frames",
        "app.moderation.classifiers", "app.moderation.review",
    )),
    ("providers", ("app.providers",)),
    ("extensions", ("app.extensions",)),
    ("models", ("app.models", "app.audit", "app.mail", "app.caching", "app.cache_versions", "app.pages", "app.routing")),
    ("moderation rules", (
        "app.moderation.cases", "app.moderation.abuse", "app.moderation.strikes", "app.moderation.slates",
        "app.moderation.takedown", "app.moderation.gate",
    )),
    ("continuity", ("app.continuity",)),
    ("generation", ("app.generation",)),
    ("story", ("app.story",)),
    ("domain", (
        "app.moderation", "app.console", "app.metrics", "app.observability.census", "app.seeding", "app.backups",
        "app.auth.accounts", "app.auth.passwords", "app.auth.throttle", "app.topics.catalog", "app.topics.editing",
        "app.feedback.inbox",
    )),
    ("blueprints", (
        "app.scenes", "app.api", "app.users", "app.admin", "app.auth", "app.account", "app.topics", "app.main",
        "app.feedback", "app.moderation.web", "app.observability.scrape", "app.assets", "app.headers", "app.errors",
        "app.templating",
    )),
    ("app", ("app", "app.cli", "app.runtime")),
    ("jobs", ("jobs",)),
)

#: entries that name one module, not a package: a new package under app/ must be given a layer
EXACT = frozenset({"app"})
#: provider families that never import each other: what they share lives in app.providers.http and .errors
FAMILIES = ("app.providers.video", "app.providers.llm")


@dataclass(frozen=True)
class Breach:
    path: str
    line: int
    importer: str
    imported: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} imports {self.imported} — {self.why}"


def layer_of(module: str) -> tuple[int, str] | None:
    """(position from the bottom, name) of the layer the most specific matching prefix puts ``module`` in."""
    best: tuple[int, int, str] | None = None
    for index, (name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            covers = module == prefix or (prefix not in EXACT and module.startswith(prefix + "."))
            if covers and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index, name)
    return (best[1], best[2]) if best else None


def family_of(module: str) -> str | None:
    return next((f for f in FAMILIES if module == f or module.startswith(f + ".")), None)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(module: str, source: str, is_package: bool, known: set[str]) -> list[tuple[int, str]]:
    """(line, module) for every import of ``app``/``jobs`` in ``source``, at any depth; ``from a import b``
    names ``a.b`` when that is a module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join([*package, base] if base else package)
            for alias in node.names:
                found.append((node.lineno, f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base))
    return [(line, name) for line, name in found if name.split(".")[0] in ("app", "jobs")]


def breaches_in(module: str, source: str, path: str, known: set[str] = frozenset(), is_package: bool = False
                ) -> list[Breach]:
    """Every import in ``source`` (the text of ``module``) that climbs a layer or crosses a provider family."""
    mine = layer_of(module)
    if mine is None:
        return [Breach(path, 1, module, "-", "the module is in no layer; add it to LAYERS in tests/main/test_layers.py")]
    breaches = []
    for line, target in imported_modules(module, source, is_package, known):
        theirs = layer_of(target)
        if theirs is not None and theirs[0] > mine[0]:
            breaches.append(Breach(path, line, module, target,
                                   f"layer '{mine[1]}' may not import the higher layer '{theirs[1]}'"))
        elif family_of(module) and family_of(target) and family_of(module) != family_of(target):
            breaches.append(Breach(path, line, module, target,
                                   f"provider family {family_of(module)} may not import {family_of(target)}"))
    return breaches


def test_no_module_imports_a_higher_layer():
    """Every module of app/ and jobs/ imports only its own layer and the layers below (see docs/architecture.md)."""
    files = sorted(p for folder in ("app", "jobs") for p in (ROOT / folder).rglob("*.py"))
    known = {module_name(p) for p in files}
    breaches = [b for p in files
                for b in breaches_in(module_name(p), p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)),
                                     known, p.name == "__init__.py")]
    assert not breaches, "imports against the layer contract:\n" + "\n".join(map(str, breaches))


def test_the_check_catches_an_upward_import_even_inside_a_function():
    """A model importing a blueprint inside a function, or the LLM family importing the video family, is named
    with its file, line and both layers; downward imports pass."""
    source = "from app.extensions import db\n\n\ndef helper():\n    from app.scenes import bp\n    return bp\n"
    [breach] = breaches_in("app.models.fake", source, "app/models/fake.py")
    assert str(breach) == ("app/models/fake.py:5: app.models.fake imports app.scenes — "
                           "layer 'models' may not import the higher layer 'blueprints'")
    [crossing] = breaches_in("app.providers.llm.fake", "from app.providers.video import base\n", "fake.py")
    assert "provider family app.providers.llm may not import app.providers.video" in str(crossing)
    assert breaches_in("app.scenes.fake", "from app.story import writing\nfrom . import bp\n", "x.py") == []
    assert layer_of("app.moderation.prompt_filter")[1] == "leaves" and layer_of("app.moderation.reports")[1] == "domain"
    [unplaced] = breaches_in("app.billing.ledger", "", "app/billing/ledger.py")
    assert "in no layer" in str(unplaced)
