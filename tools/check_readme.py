#!/usr/bin/env python3
"""Runs every example of README.md and compares what it prints with what the README shows.

An example is a fenced block whose lines start with "$ limitfit …" followed by the output the
README shows for it. Each command runs with the given binary, in order, in one fresh working
folder beside a link to ../shared (so the README's ../shared/data/… paths resolve and files an
example writes are there for the next). Standard output, then standard error, are compared together,
line by line, after masking what varies from run to run or machine to machine: durations
("11.9 s"), speeds ("it/s"), memory sizes ("20.7 GiB") and dates. An expected line that ends
with "…" needs only to start the same; a line that is "…" alone ends the comparison of that
example. A block right after <!-- readme-check: skip --> is not run.

Usage: tools/check_readme.py [LIMITFIT_BINARY] [README]   (default .build/release/limitfit)
Exits 1 and prints a diff for every example whose output differs.
"""

import os
import re
import shlex
import subprocess
import sys
import tempfile

MASKS = [
    (re.compile(r"\d+(\.\d+)?(e[+-]?\d+)? ?it/s"), "N it/s"),
    (re.compile(r"\b\d+(\.\d+)? (s|ms|min)\b"), "T s"),
    (re.compile(r"\b\d+(\.\d+)? ?[KMGT]i?B\b"), "X B"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"), "DATE"),
]


def mask(line):
    for pattern, replacement in MASKS:
        line = pattern.sub(replacement, line)
    return line.rstrip()


def examples(readme):
    """(line number, command, expected lines) of every example, in order."""
    lines = open(readme, encoding="utf-8").read().split("\n")
    found, skip, index = [], False, 0
    while index < len(lines):
        line = lines[index]
        if line.strip() == "<!-- readme-check: skip -->":
            skip = True
        elif line.startswith("```"):
            end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
            block = lines[index + 1 : end]
            if block and block[0].startswith("$ limitfit") and not skip:
                current = None
                for number, text in enumerate(block, start=index + 2):
                    if text.startswith("$ "):
                        current = (number, text[2:], [])
                        found.append(current)
                    elif current is not None:
                        current[2].append(text)
            skip, index = False, end
        index += 1
    return found


def differences(expected, actual):
    """The first difference between the README's lines and the command's, or None."""
    for position, want in enumerate(expected):
        if want.strip() == "…":
            return None
        got = actual[position] if position < len(actual) else "<nothing>"
        want_masked, got_masked = mask(want), mask(got)
        if want_masked.endswith("…"):
            if got_masked.startswith(want_masked[:-1].rstrip()):
                continue
        elif want_masked == got_masked:
            continue
        return f"line {position + 1}:\n  README: {want}\n  output: {got}"
    if len(actual) > len(expected):
        return f"line {len(expected) + 1}: the README ends, the output goes on: {actual[len(expected)]}"
    return None


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, ".build/release/limitfit"))
    readme = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "README.md")
    shared = os.path.join(os.path.dirname(root), "shared")
    failures = 0
    with tempfile.TemporaryDirectory() as folder:
        os.symlink(shared, os.path.join(folder, "shared"))
        work = os.path.join(folder, "work")
        os.mkdir(work)
        for number, command, expected in examples(readme):
            arguments = shlex.split(command)
            run = subprocess.run([binary] + arguments[1:], cwd=work, capture_output=True, text=True, timeout=600)
            actual = (run.stdout + run.stderr).rstrip("\n").split("\n")
            problem = differences(expected, actual)
            status = "ok  " if problem is None else "FAIL"
            print(f"{status} README.md:{number}: {command}")
            if problem:
                failures += 1
                print("     " + problem.replace("\n", "\n     "))
    print(f"{failures} of the README's examples differ" if failures else "every README example matches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
