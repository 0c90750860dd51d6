"""Root conftest: kept thin. Fixtures and options come from the apcv-hil pytest plugin
(``harness.pytest_plugin.plugin``, registered under the ``pytest11`` entry point)."""
