"""Judging the continuity check on a corpus of stories (``tests/continuity/corpus/*.toml``).

A story builds its Bible from its declared style and its setup prompts, in order, as
submissions would. Each check then continues the last setup segment on its own and is
labelled ``error`` (refused, naming the entity), ``pass`` (no error, no warning) or
``warn`` (a warning naming the entity, no error). Setup prompts carry hand-labelled facts
``[entity, kind, slot, value]``, scored against what the reading records (precision,
recall, F1). See the header of ``heldout.toml`` for the labelling conventions.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.continuity.bible import CREATE, SET_ATTRIBUTE, Bible, Change, apply, fold
from app.continuity.check import CheckResult, check_prompt
from app.continuity.declare import declared_changes
from app.continuity.wardrobe import slot_of

Checker = Callable[..., CheckResult]


@dataclass
class Outcome:
    story: str
    prompt: str
    expect: str
    entity: str
    got: str
    named: list[str]
    ok: bool
    messages: list[str]


@dataclass
class Score:
    outcomes: list[Outcome] = field(default_factory=list)
    true_facts: int = 0
    predicted_facts: int = 0
    matched_facts: int = 0
    missed: list[tuple[str, ...]] = field(default_factory=list)
    extra: list[tuple[str, ...]] = field(default_factory=list)

    def of(self, expect: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.expect == expect]

    @property
    def caught(self) -> float:
        """Share of contradictions refused naming the right entity."""
        errors = self.of("error")
        return sum(o.ok for o in errors) / len(errors) if errors else 1.0

    @property
    def false_errors(self) -> float:
        """Share of consistent prompts (pass or warn) refused."""
        fine = self.of("pass") + self.of("warn")
        return sum(o.got == "error" for o in fine) / len(fine) if fine else 0.0

    @property
    def warned(self) -> float:
        """Share of style clashes warned about, naming the style."""
        warns = self.of("warn")
        return sum(o.ok for o in warns) / len(warns) if warns else 1.0

    @property
    def false_warnings(self) -> float:
        passes = self.of("pass")
        return sum(o.got == "warn" for o in passes) / len(passes) if passes else 0.0

    @property
    def precision(self) -> float:
        return self.matched_facts / self.predicted_facts if self.predicted_facts else 0.0

    @property
    def recall(self) -> float:
        return self.matched_facts / self.true_facts if self.true_facts else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        return sum(o.ok for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0


def load(path: Path | str) -> list[dict[str, Any]]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)["story"]


def _norm(text: str) -> str:
    text = re.sub(r"\s*-\s*", "-", text.casefold())
    return " ".join(re.sub(r"^(the|a|an)\s+", "", text.strip()).split())


def _fact(name: str, kind: str, slot: str, value: str) -> tuple[str, str, str, str]:
    return (_norm(name), kind, slot_of(slot) if slot else "", _norm(value))


def _names(bible: Bible, entity_id: str | None) -> list[str]:
    entity = bible.get(entity_id)
    return [_norm(n) for n in entity.names] if entity else []


def _names_entity(names: Iterable[str], label: str) -> bool:
    label = _norm(label)
    return any(label == n or set(label.split()) <= set(n.split()) for n in names)


def build(story: dict[str, Any], check: Checker = check_prompt) -> tuple[Bible, list[str], list[str], int, Score]:
    """The story's Bible after its setup, the ids in its last segment, every id used, the last segment, fact scores."""
    score = Score()
    changes: list[Change] = []
    if style := story.get("style"):
        declared = declared_changes([{"kind": "style", "name": style["name"], "attributes": {"look": style["look"]}}])
        changes = [Change(1, c.entity_id, c.op, c.key, c.value) for c in declared]
    bible = fold(changes)
    previous = [c.entity_id for c in changes if c.op == CREATE]
    segment = 1 if changes else 0
    for setup in story.get("setup", []):
        segment += 1
        result = check(bible, setup["prompt"], segment_id=segment, parent_segment_id=segment - 1,
                       previous_entities=previous, used_ids=list(bible.entities))
        made = result.changes_for(segment)
        bible = apply(bible, made)
        predicted = set()
        for change in made:
            entity = bible.get(change.entity_id)
            if entity is None or entity.kind not in ("character", "location"):
                continue
            name = entity.name
            if change.op == CREATE:
                predicted.add(_fact(name, entity.kind, "", ""))
            elif change.op == SET_ATTRIBUTE and entity.kind == "character":
                predicted.add(_fact(name, entity.kind, change.key or "", change.value or ""))
        truth = {_fact(*row) for row in setup.get("facts", [])}
        score.true_facts += len(truth)
        score.predicted_facts += len(predicted)
        score.matched_facts += len(truth & predicted)
        score.missed += sorted(truth - predicted)
        score.extra += sorted(predicted - truth)
        previous = [e.entity_id for e in result.injected]
    return bible, previous, list(bible.entities), segment, score


def run(stories: Iterable[dict[str, Any]], check: Checker = check_prompt) -> Score:
    """Every check of every story, and the setup facts, scored."""
    total = Score()
    for story in stories:
        bible, previous, used, segment, facts = build(story, check)
        for name in ("true_facts", "predicted_facts", "matched_facts"):
            setattr(total, name, getattr(total, name) + getattr(facts, name))
        total.missed += facts.missed
        total.extra += facts.extra
        for item in story.get("check", []):
            result = check(bible, item["prompt"], segment_id=segment + 1, parent_segment_id=segment,
                           previous_entities=previous, used_ids=used)
            expect, entity = item["expect"], item.get("entity", "")
            got = "error" if result.errors else "warn" if result.warnings else "pass"
            issues = result.errors if expect == "error" else result.warnings
            named = [n for issue in issues for n in (_names(bible, issue.entity_id) or [_norm(issue.entity_name or "")])]
            ok = got == expect and (expect == "pass" or _names_entity(named, entity))
            total.outcomes.append(Outcome(story["name"], item["prompt"], expect, entity, got, named, ok,
                                          [i.message for i in (*result.errors, *result.warnings)]))
    return total
