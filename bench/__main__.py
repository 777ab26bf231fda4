"""`make bench`: run every benchmark in this folder (bench_*.py) and print its figures.

Benchmarks print numbers; they never pass or fail on time. `make bench ONLY=sandbox` runs one.
"""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    only = os.environ.get("ONLY")
    scripts = sorted(HERE.glob("bench_*.py"))
    if only:
        scripts = [s for s in scripts if s.stem == f"bench_{only}"]
    if not scripts:
        sys.exit(f"no benchmark matches {only!r}")
    for script in scripts:
        print(f"== {script.stem} ==", flush=True)
        runpy.run_path(str(script), run_name="__main__")


if __name__ == "__main__":
    main()
