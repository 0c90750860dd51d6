"""The built-in rig files (YAML), shipped as package data and found by name: ``--rig software``."""
