"""Run several scripts one after the other in this one interpreter, as ``python SCRIPT`` would.

Usage: ``python chain.py MARKER SCRIPT [SCRIPT ...]`` (the runner starts it; standard library
only, since the candidate's interpreter may not have autokaggle). A candidate's ``train.py``
and ``predict.py`` import the same libraries; importing them once saves seconds per candidate.
Each script runs as ``__main__`` with ``sys.path[0]`` and ``__file__`` as a direct run sets
them (``sys.argv`` is ``[__file__]``) and imports the modules of the folder it runs in
(``code/features.py``) afresh: only the installed libraries stay imported. After each one that
ends well (returns or exits 0) a line ``MARKER`` goes to stdout, which the runner reads as
"this script is done". The first that fails ends the process with the exit code ``python
SCRIPT`` would have had, and its traceback without this file's frames.
"""

import contextlib
import ctypes
import gc
import os
import runpy
import sys
import traceback


def _flush() -> None:
    """Flush Python's and C's output buffers (native libraries print through C's stdio)."""
    sys.stdout.flush()
    sys.stderr.flush()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).fflush(None)


def _run(script: str) -> int:
    """Run ``script`` as ``__main__``; return the exit code a direct run would have had."""
    path = os.path.abspath(script)
    sys.argv = [path]
    sys.path[0] = os.path.dirname(path)
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit as exc:
        if exc.code is None or exc.code == 0:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        print(exc.code, file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - reported as Python reports an uncaught error
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != path:
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb or exc.__traceback__)
        return 1
    return 0


def _forget_own_modules(folder: str) -> None:
    """Drop the modules imported from ``folder`` (``code/features.py``): the next script
    imports them afresh, as a direct run would, and cannot lean on state the last one left."""
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and os.path.abspath(path).startswith(folder + os.sep):
            del sys.modules[name]


def main() -> None:
    """Run each script given after the marker; stop at the first that fails."""
    marker, scripts = sys.argv[1], sys.argv[2:]
    folder = os.getcwd()
    for script in scripts:
        code = _run(script)
        _flush()
        if code != 0:
            sys.exit(code)
        os.write(1, f"{marker}\n".encode())  # fd 1 itself: a script may have replaced sys.stdout
        _forget_own_modules(folder)
        gc.collect()  # the finished script's models and frames, before the next one


if __name__ == "__main__":
    main()
