"""Imports every command module so that each registers itself on the root group."""

# one line per command module; each module decorates its commands with @cli.command()
from harness.cli import (
    backend,  # noqa: F401
    bundle,  # noqa: F401
    compare,  # noqa: F401
    plan,  # noqa: F401
    population,  # noqa: F401
    qr,  # noqa: F401
    qr_bench,  # noqa: F401
    read,  # noqa: F401
    rigs,  # noqa: F401
    simulate,  # noqa: F401
)
