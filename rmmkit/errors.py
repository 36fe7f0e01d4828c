"""One exception root for everything rmmkit raises on purpose.

Why one root: the CLI catches ``RmmkitError`` and turns it into a one-line
message plus a documented exit code, so no traceback ever reaches a user.
Anything else that escapes is a bug and exits with ``EXIT_INTERNAL``.

The tree::

    RmmkitError                      exit 1
    ├── InputError                   exit 3  bad YAML / schema / reference / template / CLI input
    │   ├── YamlSyntaxError
    │   ├── SchemaViolation
    │   ├── UnknownReference
    │   ├── DuplicateName
    │   └── TemplateError
    ├── ScopeError                   exit 3  an address outside the declared ranges
    ├── PluginError                  exit 5  a plugin failed to load or registered twice
    ├── SecretError                  exit 6  a secret source or the vault refused
    │   └── VaultError
    ├── StoreError                   exit 7  the state store is unusable
    │   └── LockedError              exit 4  another run holds the site lock
    ├── LabError                     exit 8  the lab could not be built or torn down
    └── TransportError               (per host: becomes a FAILED/UNREACHABLE result)
        ├── UnreachableError
        ├── AuthenticationError
        └── ProtocolError

Messages must never contain a secret value: build them from names, never
from credential material.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_HOST_FAILED = 2
EXIT_INVALID_INPUT = 3
EXIT_LOCKED = 4
EXIT_PLUGIN = 5
EXIT_SECRET = 6
EXIT_STORE = 7
EXIT_LAB = 8
EXIT_INTERRUPTED = 130

EXIT_CODES: dict[int, str] = {
    EXIT_OK: "every host ok (or changed)",
    EXIT_INTERNAL: "internal error (a bug: please report it)",
    EXIT_HOST_FAILED: "at least one host failed or was unreachable",
    EXIT_INVALID_INPUT: "invalid input: YAML, schema, reference, template or option",
    EXIT_LOCKED: "a site is locked by another run",
    EXIT_PLUGIN: "a plugin could not be loaded or registered",
    EXIT_SECRET: "a secret could not be read (wrong vault passphrase, missing source)",
    EXIT_STORE: "the state store is unusable",
    EXIT_LAB: "the lab could not be built or torn down",
    EXIT_INTERRUPTED: "interrupted (SIGINT/SIGTERM); the store says what was abandoned",
}


class RmmkitError(Exception):
    """Root of every deliberate rmmkit error."""

    exit_code: int = EXIT_INTERNAL

    def __init__(self, message: str, *, causes: tuple[str, ...] | list[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.causes: tuple[str, ...] = tuple(causes)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Location:
    """Where in a file something was declared (1-based line and column)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column or 1}"
        return self.file


class InputError(RmmkitError):
    """Declared state or a command-line argument is wrong; the user must fix it."""

    exit_code = EXIT_INVALID_INPUT

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        expected: str | None = None,
        causes: tuple[str, ...] | list[str] = (),
    ) -> None:
        self.location = location
        self.expected = expected
        self.reason = message
        text = f"{location}: {message}" if location else message
        if expected:
            text += f" (expected {expected})"
        super().__init__(text, causes=causes)


class YamlSyntaxError(InputError):
    """The file is not valid YAML."""


class SchemaViolation(InputError):
    """The YAML is valid but does not match the JSON Schema."""


class UnknownReference(InputError):
    """A name refers to something (credential, agent, package, policy, site, …) not declared."""


class DuplicateName(InputError):
    """Two declarations share a name that must be unique."""


class TemplateError(InputError):
    """A Jinja2 expression failed (undefined variable, syntax error, unsafe access)."""


class ScopeError(RmmkitError):
    """An address outside the declared ranges (or inside an exclude) was about to be touched."""

    exit_code = EXIT_INVALID_INPUT


class PluginError(RmmkitError):
    """A plugin failed to load, or registered a name that is already taken."""

    exit_code = EXIT_PLUGIN


class SecretError(RmmkitError):
    """A secret could not be obtained from its source."""

    exit_code = EXIT_SECRET


class VaultError(SecretError):
    """The vault file is unreadable, tampered with, or the passphrase is wrong."""


class StoreError(RmmkitError):
    """The state store cannot be opened, migrated or written."""

    exit_code = EXIT_STORE


class LockedError(StoreError):
    """Another run holds the lock of a site this run needs."""

    exit_code = EXIT_LOCKED


class LabError(RmmkitError):
    """The lab could not be built, inspected or torn down."""

    exit_code = EXIT_LAB


class TransportError(RmmkitError):
    """A host could not be talked to, or refused; turned into a per-host result by the runner."""

    exit_code = EXIT_HOST_FAILED

    def __init__(
        self,
        message: str,
        *,
        host: str | None = None,
        code: str | None = None,
        causes: tuple[str, ...] | list[str] = (),
    ) -> None:
        super().__init__(message, causes=causes)
        self.host = host
        self.code = code


class UnreachableError(TransportError):
    """The host did not answer (timeout, refused, no route): its remaining tasks are skipped."""


class AuthenticationError(TransportError):
    """The host answered but refused the credentials."""


class ProtocolError(TransportError):
    """The host answered something the transport did not expect."""
