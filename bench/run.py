"""Runs every benchmark in bench/ (`make bench`) and prints its figures.

Each bench_*.py has a `main(argv)`; they set up their own throwaway database.
"""

import importlib
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def main():
    sys.path.insert(0, str(BENCH_DIR))
    names = sorted(p.stem for p in BENCH_DIR.glob("bench_*.py"))
    only = sys.argv[1:]
    for name in names:
        if only and name not in only:
            continue
        print(f"== {name}", flush=True)
        importlib.import_module(name).main([])


if __name__ == "__main__":
    main()
