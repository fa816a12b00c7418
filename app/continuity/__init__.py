"""The continuity engine's pure core: the Scene Bible, mention linking, rules and keyed injection.

Plain Python, no Flask or database: the models map ``BibleEntity``/``BibleChange`` rows to
:class:`Entity`/:class:`Change`, fold a segment's ancestor path with :func:`fold`/:func:`apply`,
and call :func:`check_prompt` before a submission.
"""
from app.continuity.bible import (
    KINDS,
    OPS,
    PREFIXES,
    AttributeValue,
    Bible,
    BibleError,
    Change,
    Entity,
    Fact,
    apply,
    fold,
)
from app.continuity.check import CheckResult, check_prompt, propose_changes
from app.continuity.injection import (
    DEFAULT_BUDGET,
    InjectedEntry,
    Injection,
    compose,
    continuity_note,
    describe,
    descriptor,
    render_injected,
)
from app.continuity.mentions import Claim, Linking, Mention, NewEntity, Reading, Statement, link_mentions, read_prompt
from app.continuity.rules import ERROR, RULES, WARNING, Issue, Rule, RuleContext, rule, run_rules

__all__ = [
    "DEFAULT_BUDGET", "ERROR", "KINDS", "OPS", "PREFIXES", "RULES", "WARNING", "AttributeValue", "Bible",
    "BibleError", "Change", "CheckResult", "Claim", "Entity", "Fact", "InjectedEntry", "Injection", "Issue",
    "Linking", "Mention", "NewEntity", "Reading", "Rule", "RuleContext", "Statement", "apply", "check_prompt",
    "compose", "continuity_note", "describe", "descriptor", "fold", "link_mentions", "propose_changes",
    "read_prompt", "render_injected", "rule", "run_rules",
]
