"""The device under test: physical acts through a control plug, checks of the rig's DUT block,
the DUT's launch for the session, and the faulty variants a rig may name."""
