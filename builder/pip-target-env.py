"""Run pip with the TARGET runtime's PEP 508 marker environment.

pip evaluates environment markers (top-level and transitive) with the interpreter that
runs it, even under --python-version: a 3.11 host building for 3.10 would drop
`tomli; python_version < "3.11"`. This shim replaces pip's marker environment with the
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
