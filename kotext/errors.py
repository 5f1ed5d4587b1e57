"""Errors kotext raises. Every message says what failed, the value, and the fix."""

from __future__ import annotations


class KotextError(Exception):
    """Base class: the CLI prints the message (no traceback) and exits with ``exit_code``."""

    exit_code = 1

    def __init__(self, message: str = "", *, param: str | None = None) -> None:
        super().__init__(message)
        # the parameter the message is about (``text_column``), written in Python terms
        # (``text_column='document'``) in the message; the CLI shows it as its flag
        self.param = param


class UsageError(KotextError):
    """Bad arguments, options or configuration: exit code 2."""

    exit_code = 2


class ConfigError(UsageError):
    """A pipeline definition that cannot be built (unknown stage/option, wrong order)."""


class InputError(UsageError):
    """An input file that cannot be read as given (encoding, format, missing column)."""


class ModelError(UsageError):
    """A model folder that is missing, incomplete or from an incompatible version."""


class KotextWarning(UserWarning):
    """Something kotext guessed or changed on the user's behalf; the CLI prints it as a note."""


def installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it (torch takes seconds)."""
    from importlib.util import find_spec

    try:
        return find_spec(module) is not None
    except (ImportError, ValueError):  # e.g. a module stubbed out as None
        return False


def require(module: str, extra: str, what: str, package: str | None = None) -> None:
    """Fail before any work (reading, tokenizing) when an optional library is missing."""
    if not installed(module):
        raise UsageError(f"{what} needs {package or module}, which is not installed: "
                         f"pip install 'kotext[{extra}]'")
