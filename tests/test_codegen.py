"""LLM code generation without running anything: extraction, checks, config merge, the loop."""

from __future__ import annotations

import yaml
from chat_fakes import ScriptedLLM

from autokaggle.generate.llm_codegen import CodegenLoop, Feedback, error_signature
from autokaggle.generate.llm_files import (
    CONFIG,
    REQUIREMENTS,
    check_files,
    extract_files,
    merge_config,
    requirements_for,
)
from autokaggle.llm.errors import LLMBudgetExhausted
from autokaggle.llm.prompts import PromptBuilder, PromptInputs, estimate_tokens, trim

MESSY = '''Sure! I changed the features and the model.

### code/features.py
```python
def load_config(run_dir):
    return {}
```

**train.py**

```py
# code/train.py
import lightgbm
print("oof")
```

```python code/predict.py
import pandas as pd
```

```yaml
model:
  name: linear
  params: {C: 0.5}
id_column: hacked
```

```
requirements.txt
```

```text requirements.txt
numpy==0.0.1
torch
```
That should beat the baseline (CV 0.99!).
'''
ALLOWED = {"numpy": "2.1.0", "pandas": "2.2.0", "pyyaml": "6.0", "scikit-learn": "1.5.0",
           "lightgbm": "4.5.0"}
HARNESS = {"competition": "x", "id_column": "id", "seed": 42, "features": {"numeric": ["a"]},
           "model": {"name": "lightgbm", "params": {}}, "submission": {"kind": "labels"}}


def test_files_are_found_in_a_messy_reply() -> None:
    files = extract_files(MESSY)
    assert set(files) == {"code/features.py", "code/train.py", "code/predict.py", CONFIG,
                          REQUIREMENTS}
    assert files["code/train.py"].startswith("import lightgbm")  # name comment dropped
    assert "torch" in files[REQUIREMENTS]


def test_an_unnamed_python_block_is_recognised_by_what_it_does() -> None:
    reply = "Here:\n```python\nimport pandas as pd\n\ndef main():\n    oof.to_csv('output/oof.csv')\n\nif __name__ == '__main__':\n    main()\n```\n"
    assert list(extract_files(reply)) == ["code/train.py"]
    assert extract_files("No code today, sorry.") == {}


def test_checks_catch_syntax_missing_files_and_imports_the_env_cannot_install() -> None:
    files = {"code/features.py": "import yaml\nimport features_helper_missing\n",
             "code/train.py": "def broken(:\n", "code/predict.py": "import autokaggle\n"}
    problems = "\n".join(check_files(files, ALLOWED))
    assert "code/config.yaml is missing" in problems
    assert "code/train.py:1: SyntaxError" in problems
    assert "'features_helper_missing'" in problems and "imports autokaggle" in problems
    fine = {"code/features.py": "import yaml\n", "code/train.py": "import os, sklearn\nimport features\n",
            "code/predict.py": "from features import load_config\n", CONFIG: "model: {}\n"}
    assert check_files(fine, ALLOWED) == []


def test_the_harness_owns_config_keys_and_requirement_pins() -> None:
    merged = yaml.safe_load(merge_config(extract_files(MESSY)[CONFIG], HARNESS))
    assert merged["id_column"] == "id" and merged["model"] == {"name": "linear",
                                                               "params": {"C": 0.5}}
    assert merged["features"] == {"numeric": ["a"]}
    assert yaml.safe_load(merge_config("not: [valid", HARNESS)) == HARNESS
    reqs = requirements_for({"code/train.py": "import lightgbm\n"}, ALLOWED, "numpy>=1.26,<3\n")
    assert reqs == "numpy>=1.26,<3\nlightgbm>=4,<5\n"


def test_the_same_error_has_the_same_signature_whatever_the_line_numbers() -> None:
    a = Feedback(2, False, stage="train", log_tail='  File "/x/code/train.py", line 12\nNameError: name \'f\' is not defined')
    b = Feedback(3, False, stage="train", log_tail='  File "/y/code/train.py", line 40\nNameError: name \'g\' is not defined')
    c = Feedback(4, False, stage="predict", log_tail="KeyError: 'species'")
    assert error_signature(a) == error_signature(b) != error_signature(c)


def test_each_prompt_part_is_trimmed_so_a_wide_competition_fits_a_small_context() -> None:
    wide = "| column | dtype |\n" + "".join(f"| col_{i} | float |\n" for i in range(3000))
    inputs = PromptInputs(title="Wide", slug="wide", task="binary", metric="roc_auc",
                          greater_is_better=True, targets=["y"], profile=wide,
                          pages="rules " * 20000, decisions="- models: lightgbm")
    builder = PromptBuilder(inputs, context_tokens=16_000)
    text = builder.render("codegen", code={"code/train.py": "x = 1\n" * 20000}, focus="x")
    assert estimate_tokens(text) < 16_000 - 4_000
    assert "profile trimmed" in text and "pages trimmed" in text and "code trimmed" in text
    assert "output/oof.csv" in text  # the contract is never trimmed
    assert trim("short", 10) == "short"


def _loop(llm: ScriptedLLM, results: list[Feedback]) -> tuple[CodegenLoop, list[tuple]]:
    seen: list[tuple] = []

    def execute(files, origin, parent, reply, problems):  # noqa: ANN001, ANN202
        seen.append((origin, parent, list(problems)))
        if problems:
            return Feedback(10 + len(seen), False, stage="check", error="; ".join(problems),
                            problems=problems)
        return results.pop(0)

    inputs = PromptInputs(title="T", slug="t", task="binary", metric="auc",
                          greater_is_better=True, targets=["y"], profile="p")
    template = {"code/features.py": "def load_config(d):\n    return {}\n",
                "code/train.py": "print('oof')\n", "code/predict.py": "print(1)\n",
                CONFIG: yaml.safe_dump(HARNESS), REQUIREMENTS: "numpy\n"}
    loop = CodegenLoop(llm=llm, prompts=PromptBuilder(inputs), template_files=template,
                       template_number=1, harness_config=HARNESS, allowed=ALLOWED,
                       execute=execute)
    return loop, seen


TRAIN_REPLY = "Changed train.\n```python code/train.py\nprint('new oof')\n```\n"
ERR = 'Traceback\n  File "code/train.py", line {n}\nKeyError: \'x\''


def test_a_failure_is_repaired_from_its_own_code_and_error() -> None:
    llm = ScriptedLLM(TRAIN_REPLY, TRAIN_REPLY)
    fails = Feedback(2, False, stage="train", error="exit 1", log_tail=ERR.format(n=3))
    loop, seen = _loop(llm, [fails, Feedback(3, True, cv_mean=0.9)])
    result = loop.run()
    assert result.valid is not None and result.valid.feedback.number == 3
    assert [s[:2] for s in seen] == [("llm-draft", 1), ("llm-repair", 2)]
    repair_prompt = llm.calls[1][1][-1].content
    assert "KeyError" in repair_prompt and "stage: train" in repair_prompt
    assert llm.purposes == ["codegen", "repair"]


def test_the_same_error_twice_starts_a_fresh_draft() -> None:
    llm = ScriptedLLM(TRAIN_REPLY, TRAIN_REPLY, TRAIN_REPLY)
    same = [Feedback(2, False, stage="train", log_tail=ERR.format(n=3)),
            Feedback(3, False, stage="train", log_tail=ERR.format(n=9)),
            Feedback(4, True, cv_mean=0.9)]
    loop, seen = _loop(llm, same)
    assert loop.run().valid is not None
    assert [s[0] for s in seen] == ["llm-draft", "llm-repair", "llm-draft"]
    assert seen[2][1] == 1  # the fresh draft starts from the template again


def test_a_reply_without_code_is_asked_again_once_then_counted_as_a_failure() -> None:
    llm = ScriptedLLM("I would use LightGBM.", "Still thinking about it.", TRAIN_REPLY)
    loop, seen = _loop(llm, [Feedback(5, True, cv_mean=0.9)])
    result = loop.run()
    assert llm.purposes == ["codegen", "codegen", "codegen"]
    assert "no files" in llm.calls[1][1][-1].content
    assert seen[0][2] == ["the reply held no code"] and len(result.attempts) == 2


def test_a_spent_budget_stops_the_loop_and_the_template_stands() -> None:
    llm = ScriptedLLM(TRAIN_REPLY, LLMBudgetExhausted("--max-llm-calls 1 reached"))
    loop, _ = _loop(llm, [Feedback(2, False, stage="train", log_tail="ValueError: bad")])
    result = loop.run()
    assert result.valid is None and "max-llm-calls" in result.stopped
    assert len(result.attempts) == 1


def test_five_garbage_replies_end_the_loop() -> None:
    llm = ScriptedLLM(*["```python\nprint('what file am I?')\n```"] * 10)
    loop, seen = _loop(llm, [])
    result = loop.run()
    assert result.valid is None and len(result.attempts) == 5 and len(llm.calls) == 10
    assert result.stopped == "no valid LLM pipeline after 5 attempts"
