#!/usr/bin/python3
"""Fails when a sanitizer reported anything in a stack's logs.

    sanitizer_reports.py LOG_DIR

Run by CTest in the sanitized build (STOA_SANITIZE) after the integration
tests and before the stack stops: a worker that ASan or UBSan stopped may
have gone unnoticed by the tests (nginx retries an idempotent request on
another worker), but its report is in the workers' log. Prints each report's
first lines and exits 1 if there is one, 0 otherwise. Standard library only.
"""
import re
import sys
from pathlib import Path

REPORT = re.compile(r"ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer")


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    logs = Path(argv[1])
    if not logs.is_dir():
        print(f"sanitizer_reports: {logs} is not a directory", file=sys.stderr)
        return 2
    found = 0
    for log in sorted(logs.glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()
        for i, line in enumerate(lines):
            if REPORT.search(line):
                found += 1
                print(f"{log.name}:{i + 1}:")
                print("\n".join("    " + l for l in lines[i:i + 12]))
    if found:
        print(f"sanitizer_reports: {found} report line(s) in {logs}", file=sys.stderr)
        return 1
    print(f"sanitizer_reports: no sanitizer report in {logs}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
