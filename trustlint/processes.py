"""Work split over forked processes: large scans read files on every core.

Each task is a function of no arguments; the first runs in this process, the others in forked
children whose results come back pickled. Forking shares what the parent already read, so a
task needs no arguments passed. Where fork does not exist, everything runs here.
"""

from __future__ import annotations

import os


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    return hasattr(os, "fork")


MAX_JOBS = 8
PARALLEL_MIN_FILES = 300  # files read, or parsed, before a scan forks by itself


def jobs_for(asked: int, work: int, threshold: int) -> int:
    """Processes for `work` items: `asked` 1 is one process, N is N (at most MAX_JOBS), 0 chooses
    one per core when there are at least `threshold` items (forking costs more than it saves below)."""
    if asked == 1 or not can_fork():
        return 1
    if asked:
        return min(asked, MAX_JOBS)
    return min(cores(), MAX_JOBS) if work >= threshold else 1


def in_processes(tasks: list) -> list:
    """Each task's result, the first in this process and the others in forked children whose
    results come back pickled through a pipe. A child that fails (an exception, a crash, a result
    that cannot be pickled) is redone here, so the answer never depends on the forks."""
    import pickle

    children = []
    for task in tasks[1:]:
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            children.append((None, None, task))
            continue
        if pid == 0:  # the child: compute, send, leave without running the parent's cleanup
            os.close(read_end)
            status = 0
            try:
                data = pickle.dumps(task(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_end, "wb") as out:
                    out.write(data)
            except BaseException:  # noqa: BLE001 - the parent redoes the work
                status = 1
            finally:
                os._exit(status)
        os.close(write_end)
        children.append((pid, read_end, task))
    results = [tasks[0]()]
    for pid, read_end, task in children:
        if pid is None:
            results.append(task())
            continue
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        try:
            results.append(pickle.loads(data) if status == 0 and data else task())
        except Exception:  # noqa: BLE001 - a truncated result: redo it here
            results.append(task())
    return results
