"""Step 5½: the strategy chat, after the template baseline so the brief can cite its CV.

At a terminal: a conversation (``chat.session``) that ends with ``/go`` or ``/quit``; decisions
the user changed that the template reads (model, drops, target transform, GPU) make a new plan
revision and the template runs again under it. No terminal or ``--no-chat``: the LLM proposes
the plan itself (who: llm), or without an LLM the template's plan stands (who: default).
Either way ``input/decisions.json`` and ``input/chat_transcript.md`` are written.
"""

from __future__ import annotations

from autokaggle.chat.decisions import (
    Decisions,
    ProposedPlan,
    apply_plan,
    describe,
    save_decisions,
)
from autokaggle.chat.session import ChatSession, Transcript
from autokaggle.chat.terminal import Terminal
from autokaggle.llm.errors import LLMError
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.registry import register_step

TRANSCRIPT = "input/chat_transcript.md"


@register_step("chat", 55, "strategy chat: brief, plan and decisions")
def chat(ctx: RunContext) -> str:
    """Converse at a terminal, or record a plan without one."""
    from autokaggle.orchestrator.steps.baseline import current_decisions

    decisions = current_decisions(ctx)
    terminal = chat_terminal(ctx)
    if terminal is None:
        return propose_plan(ctx, decisions)
    action = converse(ctx, decisions, terminal)
    return f"chat ended with /{action}; {plan_summary(decisions)}"


def chat_terminal(ctx: RunContext) -> Terminal | None:
    """The terminal to talk on: an injected one (tests), a real TTY, or None."""
    if "terminal" in ctx.cache:
        return ctx.cache["terminal"]
    from autokaggle.chat.terminal import RichTerminal, is_interactive

    if not ctx.options.chat or not is_interactive():
        return None
    from autokaggle.config import config_dir

    return RichTerminal(config_dir() / "chat_history")


def plan_summary(decisions: Decisions) -> str:
    """One line: models, drops, who decided the models."""
    drops = len(decisions.dropped)
    return (f"models {', '.join(decisions.models.value)} (who: {decisions.models.who})"
            + (f", {drops} column(s) dropped" if drops else ""))


def propose_plan(ctx: RunContext, decisions: Decisions) -> str:
    """No conversation: the LLM's structured plan (who: llm), else the template's (default)."""
    from autokaggle.orchestrator.llm_work import prompt_builder

    transcript = Transcript(ctx.paths.root / TRANSCRIPT)
    why = "--no-chat" if not ctx.options.chat else "stdin is not a terminal"
    llm = ctx.llm
    if llm is not None:
        try:
            builder = prompt_builder(ctx, llm, decisions)
            reply = llm.ask("plan", builder.messages("plan"), schema=ProposedPlan)
            plan = reply.parsed if isinstance(reply.parsed, ProposedPlan) else \
                ProposedPlan.model_validate_json(reply.text)
            ignored = apply_plan(decisions, plan, list(ctx.profile.feature_columns))
            transcript.add("assistant", f"{plan.brief}\n\n(no chat: {why})")
            for item in ignored:
                ctx.note(f"LLM plan: ignored {item}", "warning")
        except (LLMError, ValueError) as exc:
            ctx.note(f"The LLM proposed no usable plan ({_first_line(exc)}); "
                     "the template's plan stands.", "warning")
    source = f"proposed by {llm.label}" if llm is not None else "the template's (no LLM)"
    transcript.add("harness", f"**Plan** (no chat: {why}; {source})\n\n" + describe(decisions))
    save_decisions(ctx.paths.root, decisions)
    return f"plan without chat ({why}): {plan_summary(decisions)}"


def _first_line(exc: Exception) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return text.splitlines()[0][:200] if text else type(exc).__name__


def converse(ctx: RunContext, decisions: Decisions, terminal: Terminal) -> str:
    """Run the conversation; on /go with template changes, rerun the template under a new plan."""
    session = _session(ctx, decisions, terminal)
    action = session.run()
    if action == "go" and session.template_changed:
        decisions.revision += 1
        save_decisions(ctx.paths.root, decisions)
        rerun_template(ctx)
    else:
        save_decisions(ctx.paths.root, decisions)
    return action


def rerun_template(ctx: RunContext) -> None:
    """The template again under the current decisions; the best of this plan is promoted."""
    from autokaggle.orchestrator.steps.baseline import current_decisions, run_template_ladder
    from autokaggle.orchestrator.steps.codegen import promote_best

    decisions = current_decisions(ctx)
    ctx.note(f"Running the template with the new plan: {plan_summary(decisions)}")
    run_template_ladder(ctx)
    promote_best(ctx, decisions.revision)


def _session(ctx: RunContext, decisions: Decisions, terminal: Terminal) -> ChatSession:
    from autokaggle.llm.select import ADD_PROVIDER_HINT
    from autokaggle.orchestrator.llm_work import prompt_builder

    llm = ctx.llm
    return ChatSession(
        terminal=terminal, decisions=decisions, columns=list(ctx.profile.feature_columns),
        transcript=Transcript(ctx.paths.root / TRANSCRIPT),
        save=lambda d: save_decisions(ctx.paths.root, d),
        offline_brief=offline_brief(ctx, decisions),
        llm=llm, prompts=prompt_builder(ctx, llm, decisions) if llm is not None else None,
        cost=lambda: cost_text(ctx),
        no_llm_hint="" if llm is not None else f"No LLM configured. {ADD_PROVIDER_HINT}",
    )


def offline_brief(ctx: RunContext, decisions: Decisions) -> str:
    """The brief without an LLM: the competition, the metric, the warnings, the baseline, plan."""
    from autokaggle.orchestrator.candidates import best_candidate
    from autokaggle.orchestrator.llm_work import candidate_summary

    prof = ctx.profile
    direction = "higher is better" if prof.metric.greater_is_better else "lower is better"
    lines = [f"## {prof.title}", "",
             f"- **Task:** {prof.task}; target {', '.join(prof.target_columns)}; "
             f"{len(prof.feature_columns)} feature columns",
             f"- **Metric:** {prof.metric.name} ({direction})"]
    lines += [f"- **Warning ({w.code}):** {w.message}" for w in prof.warnings[:8]]
    baseline = candidate_summary(ctx, best_candidate(ctx))
    if baseline:
        lines += ["", f"**Baseline.** {baseline}"]
    return "\n".join([*lines, "", "**Proposed plan**", "", describe(decisions)])


def cost_text(ctx: RunContext) -> str:
    """LLM calls, tokens and cost of this run so far."""
    usage = ctx.store.llm_usage(ctx.run_id)
    money = f"${usage.cost_usd:.4f}" + ("" if usage.cost_known else
                                        f" (+{usage.unpriced_calls} call(s) of unknown price)")
    return (f"{usage.calls} LLM call(s), {usage.input_tokens} tokens in, "
            f"{usage.output_tokens} out, {money}.")
