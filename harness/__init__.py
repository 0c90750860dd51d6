"""apcv-hil harness: rigs, the bench, devices under test (roles, controls, launch), the practice
world, reports and bundles, the pytest plugin and the CLI core. Links and traces are below, in
:mod:`apcv.links` and :mod:`apcv.trace`."""
