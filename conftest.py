"""Root conftest: kept thin. Fixtures and options come from the apcv-hil pytest plugin
(``harness.pytest_plugin.plugin``, registered under the ``pytest11`` entry point).

In this repository only, the plugin's options keep their short former names as aliases
(``--rig`` for ``--apcv-rig``, ``--operator`` for ``--apcv-operator``); the installed plugin
registers only the prefixed ones, so it never clashes with another project's options."""

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("apcv-hil")
    group.addoption("--rig", dest="apcv_rig", help="alias of --apcv-rig (this repository only)")
    group.addoption("--operator", dest="apcv_operator", choices=("prompt", "auto", "skip"),
                    help="alias of --apcv-operator (this repository only)")
