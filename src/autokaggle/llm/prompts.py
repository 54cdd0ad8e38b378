"""The prompt builder: Jinja templates kept as files (per purpose and task kind), each part trimmed.

A prompt is assembled from parts — the competition's pages, the masked profile, the decisions,
the code contract, the current best code and its CV score, the remaining budget, a failure to
repair — and each part gets a share of the model's context, measured with a cheap estimate
(``CHARS_PER_TOKEN``), so a 300-column competition still fits a small model. The templates live
in ``autokaggle/llm/prompts/*.j2``; the contract in ``prompts/contract.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

import jinja2

from autokaggle.llm.base import Message

CHARS_PER_TOKEN = 4
MAX_PROMPT_TOKENS = 24_000  # even a 1M-token model gets a focused prompt
REPLY_TOKENS = {"codegen": 12_000, "repair": 12_000, "improve": 12_000, "debug": 12_000,
                "plan": 2_000, "chat": 1_500}
# Share of the prompt budget each variable part may take (the rest is fixed text).
SHARES = {"pages": 0.10, "profile": 0.25, "baseline": 0.04, "decisions": 0.04, "code": 0.40,
          "error": 0.08, "user_text": 0.05, "ablation": 0.06, "blocks": 0.02,
          "tried": 0.03}
PromptPurpose = Literal["plan", "chat_brief", "chat_turn", "codegen", "repair", "improve",
                        "debug"]


def estimate_tokens(text: str) -> int:
    """A cheap token estimate: characters / 4, rounded up."""
    return -(-len(text) // CHARS_PER_TOKEN)


def trim(text: str, max_tokens: int, what: str = "text") -> str:
    """``text`` cut at a line boundary to fit ``max_tokens``, with a note of what was left out."""
    limit = max(0, max_tokens) * CHARS_PER_TOKEN
    if len(text) <= limit:
        return text
    head = text[: max(0, limit - 80)]
    cut = head.rfind("\n")
    head = head[:cut] if cut > limit // 2 else head
    dropped = text.count("\n", len(head)) + 1
    return f"{head}\n[... {what} trimmed: {dropped} more lines, {len(text) - len(head)} chars ...]"


def trim_tail(text: str, max_tokens: int, what: str = "log") -> str:
    """The end of ``text`` (tracebacks end with the cause) within ``max_tokens``."""
    limit = max(0, max_tokens) * CHARS_PER_TOKEN
    if len(text) <= limit:
        return text
    tail = text[-max(0, limit - 80):]
    cut = tail.find("\n")
    tail = tail[cut + 1:] if 0 <= cut < len(tail) // 2 else tail
    return f"[... {what} trimmed: {len(text) - len(tail)} earlier chars ...]\n{tail}"


def contract_text() -> str:
    """The code contract shipped with the package (what every pipeline must honour)."""
    return resources.files("autokaggle.llm").joinpath("prompts/contract.md").read_text("utf-8")


def render_files(files: dict[str, str]) -> str:
    """Files as fenced blocks with their path in the info string (the format replies use)."""
    blocks = []
    for path, text in files.items():
        lang = "yaml" if path.endswith((".yaml", ".yml")) else (
            "python" if path.endswith(".py") else "text")
        blocks.append(f"```{lang} {path}\n{text.rstrip()}\n```")
    return "\n\n".join(blocks)


@dataclass
class PromptInputs:
    """Everything a prompt may show; the orchestrator fills it from the run folder."""

    title: str
    slug: str
    task: str
    metric: str
    greater_is_better: bool
    targets: list[str]
    profile: str  # the masked profile as markdown
    pages: str = ""  # the competition pages (rules, overview, data), markdown
    baseline: str = ""  # the current best candidate: CV score, top features
    decisions: str = ""  # the decisions as markdown
    budget: str = "not limited"
    threads: int = 1
    packages: list[str] = field(default_factory=list)

    @property
    def direction(self) -> str:
        """Higher or lower is better, in words."""
        return "higher is better" if self.greater_is_better else "lower is better"

    @property
    def task_kind(self) -> str:
        """The template family of the task: classification or regression."""
        return "regression" if "regression" in self.task else "classification"


class PromptBuilder:
    """Renders the prompt of one purpose within a model's context size."""

    def __init__(self, inputs: PromptInputs, context_tokens: int = 128_000) -> None:
        self.inputs = inputs
        self.context_tokens = context_tokens
        self._env = jinja2.Environment(
            loader=jinja2.PackageLoader("autokaggle.llm", "prompts"),
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True, autoescape=False,
        )

    def budget(self, purpose: str) -> int:
        """Tokens the prompt may use: the context minus the reply's reserve, capped."""
        reply = REPLY_TOKENS.get(purpose.split("_")[0], 4_000)
        return max(2_000, min(MAX_PROMPT_TOKENS, self.context_tokens - reply))

    def part(self, name: str, text: str, purpose: str) -> str:
        """One variable part trimmed to its share of the budget."""
        return trim(text, int(self.budget(purpose) * SHARES[name]), name)

    def messages(self, purpose: PromptPurpose, **extra: object) -> list[Message]:
        """System and user messages for ``purpose`` (extra template variables as keywords)."""
        user = self.render(purpose, **extra)
        return [Message(role="system", content=self.render_raw("system.j2")),
                Message(role="user", content=user)]

    def render_raw(self, name: str, **variables: object) -> str:
        """One template rendered as is."""
        return self._env.get_template(name).render(**variables).strip() + "\n"

    def render(self, purpose: PromptPurpose, **extra: object) -> str:
        """The user prompt of ``purpose`` with every part trimmed to its share."""
        i = self.inputs
        variables: dict[str, object] = {
            "title": i.title, "slug": i.slug, "task": i.task, "task_kind": i.task_kind,
            "metric": i.metric, "direction": i.direction, "targets": ", ".join(i.targets),
            "pages": self.part("pages", i.pages, purpose),
            "profile": self.part("profile", i.profile, purpose),
            "baseline": self.part("baseline", i.baseline, purpose),
            "decisions": self.part("decisions", i.decisions, purpose),
            "budget": i.budget, "threads": i.threads, "contract": contract_text(),
            "packages": ", ".join(i.packages) or "numpy, pandas, scikit-learn, pyyaml",
            "focus": "", "code": "", "stage": "", "error": "", "log_tail": "", "user_text": "",
            "ablation": "", "blocks": "", "target": "", "tried": "",
        }
        variables.update(self._trimmed_extra(purpose, extra))
        return self.render_raw(f"{purpose}.j2", **variables)

    def _trimmed_extra(self, purpose: str, extra: dict[str, object]) -> dict[str, object]:
        out = dict(extra)
        if isinstance(out.get("code"), dict):
            out["code"] = self.part("code", render_files(out["code"]), purpose)  # type: ignore[arg-type]
        for name in ("error", "user_text", "ablation", "blocks", "tried"):
            if isinstance(out.get(name), str):
                out[name] = self.part(name, str(out[name]), purpose)
        if isinstance(out.get("log_tail"), str):
            budget = int(self.budget(purpose) * SHARES["error"])
            out["log_tail"] = trim_tail(str(out["log_tail"]), budget)
        return out
