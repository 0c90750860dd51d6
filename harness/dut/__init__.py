"""The device under test: physical acts through a control plug, the DUT's launch for the session,
its sandbox and the scanner under test. Its role (:mod:`harness.roles`, one module per role, with
the checks of the rig's DUT block) sits above, since a role owns the world around its DUT."""
