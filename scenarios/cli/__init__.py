"""Commands of the scenarios layer, added to ``apcv-hil`` through the ``apcv_hil.commands`` entry points."""
