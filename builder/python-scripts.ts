/**
 * The builder's Python helpers as text, so a one-file bundle of the agent carries them
 * (an esbuild bundle has no files beside it). Each is written to a temporary file when
 * used. They are copies of builder/pip-target-env.py and builder/import-check.py, which
 * stay the readable sources; python-scripts.test.ts fails when a copy drifts.
 */

/** builder/pip-target-env.py: runs pip with the target runtime's marker environment. */
export const PIP_TARGET_ENV_PY = `"""Run pip with the TARGET runtime's PEP 508 marker environment.

pip evaluates environment markers (top-level and transitive) with the interpreter that
runs it, even under --python-version: a 3.11 host building for 3.10 would drop
\`tomli; python_version < "3.11"\`. This shim replaces pip's marker environment with the
one given as JSON in argv[1], then runs pip with the remaining arguments.
"""
import json
import sys


def main() -> int:
    target = json.loads(sys.argv[1])
    from pip._vendor.packaging import markers

    def target_environment():
        return dict(target)

    markers.default_environment = target_environment
    from pip._internal.cli.main import main as pip_main

    return pip_main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
`;

/** builder/import-check.py: imports every top-level module of a layer, prints JSON. */
export const IMPORT_CHECK_PY = `"""Import every top-level module of an unzipped layer, as the target Python would.

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
    result.write(json.dumps({"python": sys.version.split()[0], "ok": ok, "failed": failed}) + "\\n")
    result.flush()
    # Threads or atexit hooks started by an imported module must not keep the check alive.
    os._exit(1 if failed else 0)


if __name__ == "__main__":
    main()
`;
