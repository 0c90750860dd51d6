"""The device under test: its role (:mod:`harness.dut.roles`, one module per role), physical acts
through a control plug, checks of the rig's DUT block, and the DUT's launch for the session."""
