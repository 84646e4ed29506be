"""The `carnet` command run in the test's own process, showing what a subprocess would: a process imported the whole
server for each command (1 to 1.5 s of CPU), and the suite ran hundreds of them. The tests whose point is the process
itself (`python -m server.cli`, a command killed, `carnet serve`) keep a real one."""

from __future__ import annotations

import gettext
import logging
import os
import subprocess
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from click.testing import CliRunner, Result

# Loggers the test process may have configured (the app's LoggingConfig, the command itself on an earlier call), as a
# fresh process has them while the command runs.
LOGGERS = ("", "carnet", "alembic.runtime.plugins")


def carnet_in_process(env: dict[str, str], *args: str, input: str | None = None,
                      timeout: float = 300) -> subprocess.CompletedProcess:
    """`carnet *args` with only `env`'s CARNET_* and DATABASE_URL variables, as a subprocess given `env` would run it:
    its exit code, its stdout and stderr apart, and an exception it let through as a traceback in stderr, exit 1.

    On a thread of its own, joined here: the command runs its own event loop (asyncio.run), which cannot start in the
    test's."""
    unset = {name: None for name in os.environ if (name.startswith("CARNET_") or name == "DATABASE_URL")
             and name not in env}
    outcome: list[Result | BaseException] = []

    def run() -> None:
        try:
            outcome.append(CliRunner().invoke(main, list(args), input=input, env={**unset, **env}, prog_name="carnet"))
        except BaseException as error:  # noqa: BLE001 - given back to the test's thread
            outcome.append(error)

    with fresh_process_state():
        from server.cli import main  # its import sets gettext's domain and LANGUAGE, put back on leaving

        thread = threading.Thread(target=run, name="carnet", daemon=True)
        thread.start()
        thread.join(timeout)
    command = ["carnet", *args]
    if not outcome:
        raise subprocess.TimeoutExpired(command, timeout)
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    result = outcome[0]
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(*result.exc_info))  # as Python prints it, exit 1
    return subprocess.CompletedProcess(command, result.exit_code, result.stdout, stderr)


@contextmanager
def fresh_process_state() -> Iterator[None]:
    """What the command reads or changes of the process, as a fresh `carnet` process has it, and back afterwards:
    Click's French catalogue (cli_support.click_in_french), the loggers main() sets up (its basicConfig then writes to
    the command's stderr, as in a process of its own)."""
    domain, language = gettext.textdomain(), os.environ.get("LANGUAGE")
    # A shell's umask for the command, and the test process's given back after it (main() sets its own, 0o077).
    umask = os.umask(0o022)
    loggers = [logging.getLogger(name or None) for name in LOGGERS]
    kept = [(logger.level, logger.handlers[:], logger.propagate, logger.disabled) for logger in loggers]
    try:
        for logger in loggers:
            logger.handlers.clear()
            logger.setLevel(logging.WARNING if logger is logging.root else logging.NOTSET)
            logger.propagate, logger.disabled = True, False
        gettext.textdomain("click")
        os.environ["LANGUAGE"] = "fr"
        yield
    finally:
        for logger, (level, handlers, propagate, disabled) in zip(loggers, kept, strict=True):
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate, logger.disabled = propagate, disabled
        gettext.textdomain(domain)
        os.umask(umask)
        if language is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = language
