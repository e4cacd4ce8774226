#!/usr/bin/env python3
"""Compare trustlint's fast HCL reader with python-hcl2 on real configurations.

    python bench/compare_hcl_reader.py DIR [DIR ...]

Reads every .tf, .tfvars and .hcl file under the directories and prints how many parse to
the same tree (rule names, tokens, positions), how many the reader leaves to python-hcl2
(and why), how many both reject, and every difference, which is a bug in the reader.
"""

from __future__ import annotations

import os
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from trustlint.terraform import hcl_reader  # noqa: E402


def _files(directories: list[str]):
    for directory in directories:
        for folder, dirs, names in os.walk(directory):
            dirs[:] = [d for d in dirs if d not in (".git", ".terraform")]
            for name in names:
                if name.endswith((".tf", ".tfvars", ".hcl")):
                    yield os.path.join(folder, name)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip())
        return 2
    verdicts, declined = Counter(), Counter()
    for path in _files(argv):
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError):
            continue
        verdict = hcl_reader.verdict(text)
        if verdict not in ("same", "both-reject", "declined"):
            print(f"DIFFERENT {path}: {verdict}")
            verdict = "different"
        verdicts[verdict] += 1
        if verdict == "declined":
            try:
                hcl_reader.read(text)
            except hcl_reader.Unsupported as why:  # again, for the reason
                declined[str(why)] += 1
    print(" ".join(f"{k}={verdicts[k]}" for k in ("same", "declined", "both-reject", "different")))
    for why, count in declined.most_common():
        print(f"  declined {count}: {why}")
    return 1 if verdicts["different"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
