"""Import every top-level module of an unzipped layer, as the target Python would.

Usage: python3.X import-check.py SITE_PACKAGES_DIR [MORE_PATHS...]
Prints one JSON object on stdout: {"python": "3.X.Y", "ok": [...], "failed": {"module": "error"}}
and exits 1 when any import fails. MORE_PATHS are appended to sys.path after the layer
(e.g. /var/runtime in a Lambda image, where the runtime keeps its own packages). Run it
with the runtime's own Python (locally, or in the runtime's image) so ABI and glibc
problems show up as they would on Lambda.
"""
import importlib
import json
import os
import sys
import traceback

SKIP = {"__pycache__", "bin", "_distutils_hack"}


def top_level_modules(site):
    names = set()
    for entry in sorted(os.listdir(site)):
        path = os.path.join(site, entry)
        if entry.endswith((".dist-info", ".egg-info", ".libs", ".data", ".pth")) or entry in SKIP:
            continue
        if entry.startswith("."):
            continue
        if os.path.isdir(path):
            if entry.isidentifier():
                names.add(entry)
        elif entry.endswith(".py"):
            names.add(entry[:-3])
        elif entry.endswith(".so"):
            names.add(entry.split(".", 1)[0])
    return sorted(name for name in names if name.isidentifier())


def main():
    site = os.path.abspath(sys.argv[1])
    sys.path.insert(0, site)
    sys.path.extend(os.path.abspath(path) for path in sys.argv[2:])
    result = sys.stdout
    sys.stdout = sys.stderr  # what modules print on import must not mix with the result
    ok, failed = [], {}
    for name in top_level_modules(site):
        try:
            importlib.import_module(name)
            ok.append(name)
        except BaseException as error:  # a module may raise anything on import, even SystemExit
            failed[name] = "".join(traceback.format_exception_only(type(error), error)).strip()
    sys.stderr.flush()
    result.write(json.dumps({"python": sys.version.split()[0], "ok": ok, "failed": failed}) + "\n")
    result.flush()
    # Threads or atexit hooks started by an imported module must not keep the check alive.
    os._exit(1 if failed else 0)


if __name__ == "__main__":
    main()
