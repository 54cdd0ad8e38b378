"""Search operators: what one proposed candidate is (a family, feature blocks, a seed, params).

A proposal is plain data; ``orchestrator/steps/search.py`` renders it with the template (or asks
the LLM for it) and runs it. Its ``meta()`` goes into the journal, so a resumed search and the
report know what each candidate was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Operator = str  # family, blocks, tune, seed, llm-draft, llm-improve, llm-debug
TEMPLATE_OPERATORS = ("family", "blocks", "tune", "seed", "baseline")
# The LLM's operators, all through the code contract and the repair loop: a new approach from
# the template, one atomic change to the best candidate, a fix of a failed candidate.
LLM_OPERATORS = ("llm-draft", "llm-improve", "llm-debug")
LLM_MODEL = "llm"  # an LLM proposal's family: whatever its code says
PENDING = -1  # a Result's number while its proposal waits in the round being made


@dataclass(frozen=True)
class Proposal:
    """One candidate to make: the template with these settings, or an LLM step."""

    operator: Operator
    model: str
    blocks: tuple[str, ...] = ()
    seed_offset: int = 0
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    trial: int | None = None  # Optuna trial of a tuning proposal; an LLM step's number
    parent: int | None = None  # the candidate an LLM improve/debug starts from (None: the best)

    @property
    def is_llm(self) -> bool:
        """Whether the LLM writes this candidate (draft, improve or debug)."""
        return self.operator in LLM_OPERATORS

    @property
    def label(self) -> str:
        """A short human name: ``lightgbm +frequency tuned#3``."""
        parts = [self.model, *(f"+{b}" for b in self.blocks)]
        if self.operator == "tune":
            parts.append(f"tuned#{self.trial}")
        if self.seed_offset:
            parts.append(f"seed+{self.seed_offset}")
        if self.is_llm:
            what = self.operator.removeprefix("llm-")
            parts = [f"LLM {what}", f"of {self.parent:03d}" if self.parent else "of the best"]
        return " ".join(parts)

    def meta(self) -> dict[str, Any]:
        """What the journal keeps to rebuild this proposal (``CandidateRecord.meta``)."""
        meta = {"operator": self.operator, "model": self.model, "blocks": list(self.blocks),
                "seed_offset": self.seed_offset, "params": dict(self.params),
                "trial": self.trial}
        return meta if self.parent is None else {**meta, "parent": self.parent}

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> Proposal:
        """The proposal a journal entry was made from (a template baseline is one too)."""
        return cls(operator=meta.get("operator", "baseline"), model=meta.get("model", "linear"),
                   blocks=tuple(meta.get("blocks", ())), seed_offset=meta.get("seed_offset", 0),
                   params=dict(meta.get("params", {})), trial=meta.get("trial"),
                   parent=meta.get("parent"))

    def key(self) -> tuple[Any, ...]:
        """Identity of the pipeline a proposal makes (to never run the same one twice)."""
        if self.is_llm:
            return (self.operator, self.trial, self.parent)
        return ("template", self.model, self.blocks, self.seed_offset,
                tuple(sorted(self.params.items())))


@dataclass(frozen=True)
class Result:
    """A finished proposal: its CV score signed so that higher is better, or None (failed).

    ``fold_scores`` are signed too; a ``screened`` result lost its first look on a few folds
    (``score`` None, ``fold_scores`` those folds' scores). ``seconds`` it took, as measured.
    Numbered ``PENDING``: proposed in the round being made, not run yet.
    """

    proposal: Proposal
    score: float | None
    number: int = 0
    fold_scores: tuple[float, ...] = ()
    screened: bool = False
    seconds: float | None = None  # measured: used only by a cost-aware scheduler
