'''Canned replies that look like what real models send: prose, markdown, fenced files, mistakes.

Each constant is a plain string; wrap it in ``Reply(TEXT, input_tokens=..., output_tokens=...)``
to script it. ``PIPELINE_FILES`` is what a parser of ``PIPELINE_REPLY`` should find.
'''

from __future__ import annotations

SHORT = "OK."

CHAT_STRATEGY = """\
Good question. Looking at the profile, this is a **binary classification** task scored with
ROC AUC, so ranking quality matters more than calibration.

My suggestions, in order of expected gain:

1. **Gradient-boosted trees** (LightGBM first, CatBoost second) on the raw features —
   they handle the mixed numeric/categorical columns without much preprocessing.
2. Target-encode `Geography` and `Surname` **inside the folds** only; encoding on the full
   train set would leak the target into CV.
3. Add ratio features such as `Balance / (EstimatedSalary + 1)`.

> Keep the 5 fixed folds you already have so every candidate stays comparable.

Shall I write the LightGBM pipeline with these features?
"""

PIPELINE_FILES: dict[str, str] = {
    "features.py": """\
import pandas as pd


def build_features(df: pd.DataFrame) -> pd.DataFrame:
    \"\"\"Add ratio and count features.\"\"\"
    out = df.copy()
    out["balance_per_salary"] = out["Balance"] / (out["EstimatedSalary"] + 1.0)
    out["products_x_active"] = out["NumOfProducts"] * out["IsActiveMember"]
    return out
""",
    "model.py": """\
import lightgbm as lgb

from features import build_features


def fit_predict(train, valid, test, target):
    \"\"\"Fit LightGBM on train, predict valid and test probabilities.\"\"\"
    x_train = build_features(train.drop(columns=[target]))
    model = lgb.LGBMClassifier(n_estimators=600, learning_rate=0.03, num_leaves=31, verbose=-1)
    model.fit(x_train, train[target])
    return (model.predict_proba(build_features(valid))[:, 1],
            model.predict_proba(build_features(test))[:, 1])
""",
}

PIPELINE_REPLY = f"""\
Here is the pipeline, split in two files as the contract asks.

```python
# file: features.py
{PIPELINE_FILES["features.py"]}```

The model file trains LightGBM with a lower learning rate than the baseline:

```python
# file: model.py
{PIPELINE_FILES["model.py"]}```

Notes:
- `n_estimators=600` with `learning_rate=0.03` should beat the baseline's 0.1 by a little.
- I did not touch the folds.
"""

# Code with a bug a repair loop must fix: a typo'd column and a missing import.
BUGGY_PIPELINE_REPLY = """\
Sure! Here's an improved version:

```python
# file: model.py
def fit_predict(train, valid, test, target):
    x = train.drop(columns=[target])
    x["ratio"] = x["Balanse"] / x["EstimatedSalary"]
    model = lgb.LGBMClassifier(n_estimators=300)
    model.fit(x, train[target])
    return model.predict_proba(valid)[:, 1], model.predict_proba(test)[:, 1]
```

This should improve your score significantly!
"""

# Prose only where code was asked: no fenced block at all.
NO_CODE_REPLY = """\
To improve the model you could try tuning the learning rate, adding more trees and using
target encoding for the high-cardinality columns. Cross-validation will tell you which helps.
"""

# A structured (JSON) reply wrapped in a fenced block with chatter around it, as models do.
PLAN_JSON = '{"model": "lightgbm", "n_folds": 5, "features": ["balance_per_salary", "age_bin"], "notes": "target-encode inside folds"}'

PLAN_FENCED_REPLY = f"""\
Here is the plan as JSON:

```json
{PLAN_JSON}
```

Let me know if you want changes.
"""

# JSON that does not fit a schema with required model/n_folds: wrong type and a missing key.
PLAN_INVALID_JSON = '{"model": "lightgbm", "n_folds": "five"}'

# Not JSON at all (a trailing comma and a comment).
BROKEN_JSON_REPLY = """\
```json
{"model": "lightgbm", // best for tabular
 "n_folds": 5,}
```
"""
