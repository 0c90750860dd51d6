"""The reader plan: the reader kernel against the rig's devices, and a reader under test carrying
APDUs between the reference kernel and a phone."""
