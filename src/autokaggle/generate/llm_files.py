"""Files out of an LLM reply, and the checks they pass before anything runs.

Real replies are untidy: prose around the code, several fences, ``python`` blocks without a
name, the name in a heading or a first-line comment, ``requirements.txt`` with pins that do not
exist. ``extract_files`` finds what it can; ``check_files`` says what is wrong without running
anything (syntax, imports outside what the environment can install, missing files);
``merge_config`` keeps every harness-owned key of ``config.yaml`` from the harness.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from typing import Any

import yaml

from autokaggle.generate.pipeline import dump_config

SCRIPTS = ("code/features.py", "code/train.py", "code/predict.py")
CONFIG = "code/config.yaml"
REQUIREMENTS = "env/requirements.txt"
REQUIRED = (*SCRIPTS, CONFIG)
# Sections of config.yaml the LLM may change; everything else belongs to the harness.
LLM_CONFIG_KEYS = ("features", "model")
# Installable packages the generated code may use: pip name -> import names.
PACKAGES: dict[str, tuple[str, ...]] = {
    "numpy": ("numpy",), "pandas": ("pandas",), "pyyaml": ("yaml",),
    "scikit-learn": ("sklearn",), "scipy": ("scipy",), "lightgbm": ("lightgbm",),
    "xgboost": ("xgboost",), "catboost": ("catboost",), "pyarrow": ("pyarrow",),
}
_FENCE = re.compile(r"^(?P<tick>`{3,}|~{3,})(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=tick)[ \t]*$",
                    re.M | re.S)
_PATH = re.compile(r"([\w./-]*?(?:features|train|predict)\.py|[\w./-]*config\.ya?ml|"
                   r"[\w./-]*requirements\.txt)")


def available_packages() -> dict[str, str]:
    """Allowed pip names -> the version installed here (what the environment can install)."""
    found = {}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def canonical_path(name: str) -> str | None:
    """``train.py`` / ``code/train.py`` / ``./code/config.yml`` -> the candidate-relative path."""
    base = name.strip().strip("`*'\":").split("/")[-1].lower()
    if base in ("features.py", "train.py", "predict.py"):
        return f"code/{base}"
    if base in ("config.yaml", "config.yml"):
        return CONFIG
    if base == "requirements.txt":
        return REQUIREMENTS
    return None


def extract_files(text: str) -> dict[str, str]:
    """Every recognisable file in a reply: ``{candidate-relative path: content}`` (last wins)."""
    files: dict[str, str] = {}
    for match in _FENCE.finditer(text):
        body = match.group("body")
        path = _name_from(match.group("info")) or _name_before(text, match.start())
        path = path or _name_in_first_line(body) or _guess(match.group("info"), body)
        if path is not None:
            files[path] = _strip_name_comment(body).rstrip() + "\n"
    return files


def _name_from(info: str) -> str | None:
    found = _PATH.search(info)
    return canonical_path(found.group(1)) if found else None


def _name_before(text: str, start: int) -> str | None:
    """A path in the line just before the fence (a heading, bold text, 'File: ...')."""
    lines = text[:start].rstrip("\n").splitlines()
    for line in reversed(lines[-2:]):
        if line.strip():
            return _name_from(line) if len(line) < 160 else None
    return None


def _name_in_first_line(body: str) -> str | None:
    first = body.lstrip("\n").split("\n", 1)[0]
    return _name_from(first) if first.lstrip().startswith(("#", "//")) else None


def _strip_name_comment(body: str) -> str:
    """Drop a first line that only names the file (``# code/train.py``)."""
    first, _, rest = body.partition("\n")
    stripped = first.strip().lstrip("#/ ").strip()
    return rest if stripped and canonical_path(stripped) and " " not in stripped else body


def _guess(info: str, body: str) -> str | None:
    """An unnamed block: recognise the script by what it does."""
    lang = info.strip().split(" ")[0].lower()
    if lang in ("yaml", "yml") and "model" in body:
        return CONFIG
    if lang not in ("python", "py", ""):
        return None
    if "submission" in body and "model.pkl" in body and "__main__" in body:
        return "code/predict.py"
    if "oof" in body and "__main__" in body:
        return "code/train.py"
    if "def load_config" in body and "__main__" not in body:
        return "code/features.py"
    return None


def syntax_problems(files: dict[str, str]) -> list[str]:
    """Python files that do not parse, with the line and the message."""
    problems = []
    for path, text in files.items():
        if path.endswith(".py"):
            try:
                ast.parse(text, filename=path)
            except SyntaxError as exc:
                problems.append(f"{path}:{exc.lineno}: SyntaxError: {exc.msg}")
    return problems


def imported_modules(text: str) -> set[str]:
    """Top-level module names a Python file imports (absolute imports only)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def import_problems(files: dict[str, str], allowed: dict[str, str]) -> list[str]:
    """Imports that are neither the standard library, the pipeline's own modules nor allowed."""
    local = {p.rsplit("/", 1)[-1].removesuffix(".py") for p in files if p.endswith(".py")}
    importable = {m for pip in allowed for m in PACKAGES[pip]} | set(sys.stdlib_module_names)
    problems = []
    for path, text in files.items():
        if not path.endswith(".py"):
            continue
        for module in sorted(imported_modules(text) - importable - local):
            if module == "autokaggle":
                problems.append(f"{path}: imports autokaggle, which generated code must not use")
            else:
                problems.append(f"{path}: imports {module!r}, which this environment cannot "
                                f"install (allowed: {', '.join(sorted(allowed))})")
    return problems


def check_files(files: dict[str, str], allowed: dict[str, str]) -> list[str]:
    """Everything wrong with a pipeline before it runs: missing files, syntax, imports."""
    problems = [f"{path} is missing" for path in REQUIRED if path not in files]
    problems += syntax_problems(files)
    if not any(p.endswith("SyntaxError") for p in problems):
        parsed = {p: t for p, t in files.items() if p.endswith(".py") and not _broken(t)}
        problems += import_problems(parsed, allowed)
    return problems


def _broken(text: str) -> bool:
    try:
        ast.parse(text)
    except SyntaxError:
        return True
    return False


def requirements_for(files: dict[str, str], allowed: dict[str, str], base: str) -> str:
    """Requirements: the template's lines, plus allowed packages the code imports."""
    lines = [line for line in base.splitlines() if line.strip()]
    listed = {re.split(r"[<>=!~ \[]", line, maxsplit=1)[0].lower() for line in lines}
    imported = set().union(*(imported_modules(t) for p, t in files.items()
                             if p.endswith(".py") and not _broken(t)))
    for pip, modules in PACKAGES.items():
        if pip in allowed and pip not in listed and imported & set(modules):
            major = allowed[pip].split(".")[0]
            lines.append(f"{pip}>={major},<{int(major) + 1}" if major.isdigit() else pip)
    return "\n".join(lines) + "\n"


def merge_config(llm_text: str | None, harness: dict[str, Any]) -> str:
    """config.yaml: the harness's keys always, the LLM's ``features``/``model`` when valid."""
    merged = dict(harness)
    try:
        proposed = yaml.safe_load(llm_text) if llm_text else None
    except yaml.YAMLError:
        proposed = None
    if isinstance(proposed, dict):
        for key in LLM_CONFIG_KEYS:
            if isinstance(proposed.get(key), dict):
                merged[key] = proposed[key]
        extra = {k: v for k, v in proposed.items() if k not in harness and isinstance(k, str)}
        merged.update(extra)  # new sections of its own (e.g. "ensemble") are the LLM's
    return dump_config(merged)
