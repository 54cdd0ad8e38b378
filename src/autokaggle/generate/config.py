"""Build the ``code/config.yaml`` the generated pipeline reads: everything it needs to know."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autokaggle.evaluate.oof import profile_decode
from autokaggle.generate.model_spec import log_target_fits, model_section
from autokaggle.generate.options import FEATURE_BLOCKS, LOG_TARGET, PipelineOptions
from autokaggle.profile.model import GENERATED_SAMPLE, DataProfile, FileProfile, FileRole

DATA_DIR = "input/data"
DEFAULT_READ = {"format": "csv", "sep": ",", "encoding": "utf-8", "decimal": "."}
# Semantic type -> features list; id-like and constant columns carry no signal and are dropped.
FEATURE_LISTS = {
    "numeric": "numeric",
    "categorical": "categorical",
    "high-cardinality": "categorical",
    "boolean": "boolean",
    "datetime": "datetime",
    "text": "text",
}
FEATURE_KINDS = ("numeric", "categorical", "boolean", "datetime", "text")


def feature_section(profile: DataProfile, options: PipelineOptions) -> dict[str, Any]:
    """The ``features:`` block: column lists per kind, from the profile's semantic types.

    A timestamp id joins the datetime list: the model sees its calendar parts, not the id.
    """
    lists: dict[str, list[str]] = {name: [] for name in FEATURE_KINDS}
    drop = set(profile.drop_columns) | set(options.drop_columns)
    excluded = {profile.id_column, *profile.target_columns}
    for name in profile.feature_columns:
        if name in drop or name in excluded:
            continue
        kind = FEATURE_LISTS.get(profile.column(name).semantic)
        if kind is None:
            drop.add(name)
        else:
            lists[kind].append(name)
    if time_id(profile) and profile.id_column not in drop:
        lists["datetime"].insert(0, profile.id_column)  # calendar parts only, never the raw id
    section: dict[str, Any] = {**lists, "drop": sorted(drop),
                               "rare_min_count": options.rare_min_count}
    parts = {name: sep for name in lists["categorical"]
             if (sep := profile.column(name).parts_separator) is not None}
    if parts:  # a code of parts ("B/0/P"): each part a feature too
        section["parts"] = parts
    if options.model in ("lightgbm", "xgboost") and lists["categorical"]:
        section["native_max_levels"] = options.native_max_levels
    return {**section, **block_settings(lists, options)}


def original_block(profile: DataProfile, options: PipelineOptions) -> FileProfile | None:
    """The extra file appended to train by the ``original`` block, when asked for."""
    if "original" not in options.blocks or not options.original_file:
        return None
    return next((f for f in profile.files if f.name == options.original_file), None)


MAX_INTERACTION_COLUMNS = 5  # pairs of the first five numeric columns: 10 products, 10 ratios
TARGET_SMOOTHING = 20.0
TARGET_INNER_FOLDS = 5
WORDS_COMPONENTS = 16  # block "words": SVD components of each text column's TF-IDF


def block_settings(lists: dict[str, list[str]], options: PipelineOptions) -> dict[str, Any]:
    """The feature blocks in use and their settings (none for the plain baseline)."""
    blocks = usable_blocks(lists, options.blocks, bool(options.original_file))
    if not blocks:
        return {}
    out: dict[str, Any] = {"blocks": blocks}
    if "interactions" in blocks:
        cols = lists["numeric"][:MAX_INTERACTION_COLUMNS]
        out["interactions"] = [[a, b] for i, a in enumerate(cols) for b in cols[i + 1:]]
    if "target_encoding" in blocks:
        out.update(target_smoothing=TARGET_SMOOTHING, target_inner_folds=TARGET_INNER_FOLDS)
    if words_form(options.model, blocks) == "svd":
        out["words_components"] = WORDS_COMPONENTS
    return out


def words_form(model: str, blocks: Sequence[str]) -> str | None:
    """How the "words" block hands a text to the model: its TF-IDF whole ("sparse": a linear
    model weighs every word and word pair), or a few SVD components of it ("svd": trees split
    on dense columns); None without the block."""
    if "words" not in blocks:
        return None
    return "sparse" if model == "linear" else "svd"


def usable_blocks(lists: dict[str, list[str]], blocks: Sequence[str],
                  original: bool = False) -> list[str]:
    """The requested blocks that have something to work on, in a fixed order."""
    has = {"frequency": bool(lists["categorical"]), "target_encoding": bool(lists["categorical"]),
           "interactions": len(lists["numeric"]) >= 2, "original": original,
           "words": bool(lists["text"])}
    return [b for b in has if b in blocks and has[b]]


# A table led by its text (a tweet beside its keyword and place): at least this share of the
# features are text columns, and the words block is the first block tried. Last in the order, a
# 60 s search had not reached it (CV F1 0.62 where the words carry nearly all the signal).
TEXT_LED_SHARE = 1 / 3


def applicable_blocks(profile: DataProfile, options: PipelineOptions,
                      original: str | None) -> list[str]:
    """Every block that has something to work on in this data: the log target first where it
    fits (it changes every tree), then each feature block with columns left after the drops
    (the words block first where the text leads)."""
    every = options.model_copy(update={"blocks": list(FEATURE_BLOCKS), "original_file": original})
    section = feature_section(profile, every)
    features = list(section.get("blocks", []))
    if "words" in features and text_led(section):
        features = ["words", *[b for b in features if b != "words"]]
    return [LOG_TARGET, *features] if log_target_fits(profile, options) else features


def text_led(section: dict[str, Any]) -> bool:
    """Whether text columns are at least ``TEXT_LED_SHARE`` of a ``features:`` block's columns."""
    columns = sum(len(section[kind]) for kind in FEATURE_KINDS)
    return len(section["text"]) >= TEXT_LED_SHARE * columns > 0


def time_id(profile: DataProfile) -> bool:
    """Whether the id column is a timestamp, whose calendar parts carry signal (hourly demand)."""
    return any(c.name == profile.id_column and c.semantic == "datetime" for c in profile.columns)


def submission_section(profile: DataProfile) -> dict[str, Any]:
    """The ``submission:`` block: how the sample submission is written."""
    fmt = profile.submission_format
    return {
        "kind": fmt.kind,
        "id_column": fmt.id_column,
        "columns": list(fmt.columns),
        "target_columns": list(fmt.target_columns),
        "k": fmt.k,
        "label_dtype": fmt.label_dtype,
        "label_values": list(fmt.label_values),
        "class_columns": dict(sorted(fmt.class_columns.items())),
        "value_dtype": fmt.value_dtype,
        "decode": profile_decode(profile),
    }


def data_section(profile: DataProfile, original: FileProfile | None = None) -> dict[str, str]:
    """The ``data:`` block: each file's path relative to the run folder."""
    sample = (f"input/{GENERATED_SAMPLE}" if profile.sample_file is None
              else f"{DATA_DIR}/{profile.sample_file}")
    data = {"train": f"{DATA_DIR}/{profile.train_file}",
            "test": f"{DATA_DIR}/{profile.test_file}", "sample_submission": sample}
    return {**data, "original": f"{DATA_DIR}/{original.name}"} if original else data


def read_section(profile: DataProfile,
                 original: FileProfile | None = None) -> dict[str, dict[str, str]]:
    """The ``read:`` block: how each file is read, exactly as the profile read it."""
    roles: list[FileRole] = ["train", "test", "sample_submission"]
    out = {}
    for role in roles:
        file = profile.file(role)
        out[role] = file.read_spec() if file is not None else dict(DEFAULT_READ)
    if original is not None:
        out["original"] = original.read_spec()
    return out


def build_config(profile: DataProfile, options: PipelineOptions) -> dict[str, Any]:
    """The whole config.yaml as a dict, in a fixed key order."""
    features = feature_section(profile, options)
    words = words_form(options.model, features.get("blocks", []))
    return {
        "competition": profile.slug,
        "data": data_section(profile, original_block(profile, options)),
        "read": read_section(profile, original_block(profile, options)),
        "folds": "input/folds.csv",
        "output_dir": "output",
        "id_column": profile.id_column,
        "target_columns": list(profile.target_columns),
        "task": profile.task,
        "class_labels": list(profile.class_labels),
        "metric": profile.metric.name,
        "greater_is_better": profile.metric.greater_is_better,
        "seed": options.seed,
        "n_splits": options.n_splits,
        **({"folds_to_run": list(options.folds_to_run)} if options.folds_to_run else {}),
        **({"first_look": options.first_look} if options.first_look else {}),
        "features": features,
        "model": model_section(profile, options, words),
        "submission": submission_section(profile),
    }
