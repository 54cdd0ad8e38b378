"""Recording LLM calls: a row in the store's ledger and ``runs/ID/llm/NNN-purpose.json``.

The JSON file holds the redacted prompt and reply (never a raw one: ``LLMClient`` redacts both
before it calls ``record``), the usage, cost, latency and outcome of the call.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from autokaggle.files import write_json_atomic
from autokaggle.llm.base import Completion, Message, Usage
from autokaggle.store import Store
from autokaggle.store.index import now_iso
from autokaggle.store.llm_calls import LLMCallRecord

_UNSAFE = re.compile(r"[^a-z0-9_-]+")


@dataclass(frozen=True)
class CallOutcome:
    """What one call produced: the reply (when it worked) or the error kind and message."""

    completion: Completion | None
    latency_s: float
    cost_usd: float | None
    outcome: str = "ok"
    error: str | None = None

    @property
    def usage(self) -> Usage:
        """The tokens the call used (zero when it failed)."""
        return self.completion.usage if self.completion else Usage()


class Ledger:
    """Writes each call of one run (or of none) to the store and the run's ``llm/`` folder."""

    def __init__(self, store: Store | None, run_id: str | None, record_dir: Path | None) -> None:
        self.store = store
        self.run_id = run_id
        self.record_dir = record_dir
        self._owner = threading.get_ident()
        self._local = threading.local()

    def next_seq(self) -> int:
        """The number of the next call (1 without a store)."""
        store = self._thread_store()
        return store.next_llm_seq(self.run_id) if store else 1

    def _thread_store(self) -> Store | None:
        """The store, with a connection of this thread's own (SQLite objects stay in one thread)."""
        if self.store is None or threading.get_ident() == self._owner:
            return self.store
        if getattr(self._local, "store", None) is None:
            self._local.store = Store(self.store.home)
        return self._local.store

    def record(
        self, seq: int, provider: str, model: str, purpose: str,
        messages: Sequence[Message], result: CallOutcome,
    ) -> LLMCallRecord:
        """Append the call to the ledger and write its JSON record; return the ledger row."""
        row = LLMCallRecord(
            run_id=self.run_id, seq=seq, provider=provider, model=model, purpose=purpose,
            input_tokens=result.usage.input_tokens, output_tokens=result.usage.output_tokens,
            cost_usd=result.cost_usd, latency_s=round(result.latency_s, 4),
            outcome=result.outcome, error=result.error, created_at=now_iso(),
        )
        store = self._thread_store()
        if store is not None:
            store.record_llm_call(row)
        if self.record_dir is not None:
            write_json_atomic(self.record_path(seq, purpose), _record_json(row, messages, result))
        return row

    def record_path(self, seq: int, purpose: str) -> Path:
        """``llm/NNN-purpose.json`` inside the record folder."""
        assert self.record_dir is not None
        return self.record_dir / f"{seq:03d}-{_UNSAFE.sub('-', purpose.lower())}.json"


def _record_json(
    row: LLMCallRecord, messages: Sequence[Message], result: CallOutcome
) -> dict[str, Any]:
    completion = result.completion
    parsed = completion.parsed if completion else None
    return {
        **row.to_dict(),
        "messages": [m.model_dump() for m in messages],
        "reply": completion.text if completion else None,
        "parsed": parsed.model_dump(mode="json") if isinstance(parsed, BaseModel) else parsed,
        "finish_reason": completion.finish_reason if completion else None,
    }
