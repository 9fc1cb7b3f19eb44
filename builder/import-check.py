"""Import every top-level module of an unzipped layer, as the target Python would.

Usage: python3.X import-check.py SITE_PACKAGES_DIR
Prints one JSON object: {"python": "3.X.Y", "ok": [...], "failed": {"module": "error"}}
and exits 1 when any import fails. Run it with the runtime's own Python (locally, or in
the runtime's image) so ABI and glibc problems show up as they would on Lambda.
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
    ok, failed = [], {}
    for name in top_level_modules(site):
        try:
            importlib.import_module(name)
            ok.append(name)
        except BaseException as error:  # a module may raise anything on import, even SystemExit
            failed[name] = "".join(traceback.format_exception_only(type(error), error)).strip()
    print(json.dumps({"python": sys.version.split()[0], "ok": ok, "failed": failed}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
