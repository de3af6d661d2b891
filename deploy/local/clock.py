"""The systemd timers of deploy/systemd for the local stack: runs each command on its period
(exams_housekeeping every 5 minutes, purge_import_files hourly, the daily ones once a day)."""

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
SCHEDULE = [  # (seconds between runs, command)
    (300, ["exams_housekeeping"]),
    (3600, ["purge_import_files"]),
    (86400, ["send_learning_reminders"]),
    (86400, ["finalize_evaluations"]),
]


def main():
    due = {i: time.monotonic() + 30 for i in range(len(SCHEDULE))}  # first runs once the hosts are up
    while True:
        now = time.monotonic()
        for i, (period, command) in enumerate(SCHEDULE):
            if now >= due[i]:
                due[i] = now + period
                result = subprocess.run([str(PYTHON), "manage.py", *command], cwd=ROOT)
                print(f"clock: {' '.join(command)} exited {result.returncode}", flush=True)
        time.sleep(5)


if __name__ == "__main__":
    sys.exit(main())
