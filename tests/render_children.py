"""Fork servers for tests: they speak render_worker's protocol, and their children misbehave as told.

`python -m tests.render_children BEHAVIOUR [ARGUMENT] MARKER FD` (pages.FORK_SERVER without its FD):
- `sleep`: the child sleeps 30 s without answering (a render past the wall-clock limit);
- `die`: the child kills itself at once, as the kernel does to one past its CPU or memory limit;
- `wait PATH`: the child touches PATH + ".started", reads the PDF, waits (20 s at most) for PATH + ".go-on"
  to exist, then refuses the PDF as too complex.
The MARKER is only there to be found in the processes' command lines.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path

from server.files.render_worker import read_to_end, serve


def sleeping(channel: socket.socket, draw: bool) -> None:
    time.sleep(30)


def dying(channel: socket.socket, draw: bool) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def waiting_for(path: str):
    def child(channel: socket.socket, draw: bool) -> None:
        Path(path + ".started").touch()
        read_to_end(channel)
        deadline = time.monotonic() + 20
        while not Path(path + ".go-on").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        channel.sendall(b'{"refused": "too_complex"}')
    return child


if __name__ == "__main__":
    behaviour, fd = sys.argv[1], int(sys.argv[-1])
    run = {"sleep": sleeping, "die": dying}.get(behaviour) or waiting_for(sys.argv[2])
    serve(socket.socket(fileno=fd), run)
