"""Resource limits for one sandbox. Defaults suit a pandas data-cleaning task on a 2-core host."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxLimits:
    memory_mb: int = 768  # memory and memory+swap alike: no swapping past the limit
    cpus: float = 1.0
    pids: int = 128  # threads count too: the kernel and judge use about 20
    work_mb: int = 64  # tmpfs /work, the candidate's only writable directory
    tmp_mb: int = 16
    judge_mb: int = 16
    files_mb: int = 24  # tmpfs /grader, the grader's data files (capped at 20 MB each grader)
    file_size_mb: int = 32
    open_files: int = 256
    cell_timeout: float = 30.0  # each candidate cell
    wall_seconds: float = 180.0  # the whole submission; then the container is killed
    report_bytes: int = 4_000_000  # the judge's report
    start_timeout: float = 60.0  # until the kernel and judge are ready
