"""The launcher of a measured child: ``python -I -S launch.py RESULT OUT ERR ARGV...``.

Why a launcher: on Linux a process's peak RSS (``ru_maxrss``) starts at the RSS of the
process it was forked from, even after ``exec``; a child started straight from the
benchmark (which may hold gigabytes of generated data, or a whole test suite) would
report the benchmark's size as a floor. This launcher is a bare interpreter (``-I -S``:
no site packages, stdlib only, ~10 MB), so the command it starts with
``subprocess.Popen`` and reaps with ``os.wait4`` reports its own peak memory. The wall
time is measured here too, around the command alone, and the CPU time the command used
(user + system, all its threads, from the same ``os.wait4``): steadier than the wall
time on a shared machine, where other work takes cores away. The result goes to RESULT
as JSON: ``seconds``, ``cpu_seconds``, ``user_seconds``, ``system_seconds``,
``ru_maxrss`` and ``returncode``.
"""

import json
import os
import subprocess
import sys
import time


def main(arguments: list[str]) -> int:
    result_path, stdout_path, stderr_path, *argv = arguments
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "seconds": seconds,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "user_seconds": usage.ru_utime,
                "system_seconds": usage.ru_stime,
                "ru_maxrss": usage.ru_maxrss,
                "returncode": process.returncode,
            },
            handle,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
