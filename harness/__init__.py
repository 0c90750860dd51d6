"""The harness layer of apcv-hil: what runs a plan against a device under test.

Rig files and the bench that binds simulators to links (:mod:`harness.rig`,
:mod:`harness.bench`), the device under test, its roles (one module per role), control and
launch (:mod:`harness.dut`), the worlds around a billing program and a scanner
(:mod:`harness.practice`, :mod:`harness.scanner`), pcscd (:mod:`harness.pcsc`), reports, the
verdict and certification bundles, the decode-rate matrix, the pytest plugin and the
``apcv-hil`` command line's core. Links and traces are in ``apcv``.
"""
