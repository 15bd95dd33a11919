"""Long crash-safety run: SIGKILL a writer N times at random instants, verifying after each.

    python benchmarks/stress_crash.py --kills 500 [--seed 1] [--max-delay 0.5] [--dir PATH] [--fork]

Each child is a freshly exec'd ``python tests/stress/crash_child.py`` (``--fork`` forks from
this process instead: faster start-up). The verification is tests/stress/crash_harness.py's:
after every kill the index passes `check_index` and holds exactly the last reported commit
or the one in flight. Prints a one-line summary; exits non-zero on the first violation.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from stress import crash_harness


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-delay", type=float, default=0.5)
    parser.add_argument("--dir", type=Path, default=None, help="Parent directory for the index.")
    parser.add_argument(
        "--fork", action="store_true", help="Fork children instead of exec'ing them."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        started = time.perf_counter()
        stats = crash_harness.run(
            Path(tmp) / "ix", args.kills, args.seed, args.max_delay, fork=args.fork
        )
        final = stats.generations[-1] if stats.generations else 0
        print(
            f"{stats.kills} kills, {stats.commits_seen} commits reported, "
            f"{stats.in_flight_landed} in-flight commits landed, final generation "
            f"{final}, {time.perf_counter() - started:.1f}s"
        )


if __name__ == "__main__":
    main()
