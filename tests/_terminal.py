"""Run a command with its output on a real pseudo-terminal (progress bars, colour)."""

from __future__ import annotations

import os
import pty
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path


def on_a_terminal(cmd: Sequence[str], cwd: Path, *, stdout_too: bool = False,
                  env: Mapping[str, str] | None = None) -> tuple[int, str]:
    """(exit code, what the terminal showed): stderr, and stdout when ``stdout_too``."""
    main_fd, tty_fd = pty.openpty()
    p = subprocess.Popen(list(cmd), cwd=cwd, stderr=tty_fd,
                         stdout=tty_fd if stdout_too else subprocess.DEVNULL,
                         env=dict(env) if env is not None else None)
    os.close(tty_fd)
    seen = b""
    while True:
        try:
            chunk = os.read(main_fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    code = p.wait(timeout=120)
    os.close(main_fd)
    return code, seen.decode("utf-8")
