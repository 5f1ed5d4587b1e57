"""Errors kotext raises. Every message says what failed, the value, and the fix."""

from __future__ import annotations


class KotextError(Exception):
    """Base class: the CLI prints the message (no traceback) and exits with ``exit_code``."""

    exit_code = 1


class UsageError(KotextError):
    """Bad arguments, options or configuration: exit code 2."""

    exit_code = 2


class ConfigError(UsageError):
    """A pipeline definition that cannot be built (unknown stage/option, wrong order)."""


class InputError(UsageError):
    """An input file that cannot be read as given (encoding, format, missing column)."""


class ModelError(UsageError):
    """A model folder that is missing, incomplete or from an incompatible version."""
