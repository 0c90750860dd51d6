"""Imports every command module so that each registers itself on the root group."""

# one line per command module; each module decorates its commands with @cli.command()
