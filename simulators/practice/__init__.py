"""The reference billing program (``apcv-hil practice bill``) and its faulty variants.

It is what a billing program does with the apCV, built on the reference reader kernel, the
backend client and the PC/SC and scanner links of :mod:`apcv.links` (:mod:`.presentations`),
and it keeps the contract of docs/practice-software.md (:mod:`.contract`, which the harness
judges every billing program by), so the practice-software plan runs it as its device under
test, a separate process, exactly as it runs a vendor's program. :mod:`.billing` is the
program, :mod:`.faulty` its variants (records in :mod:`.variants`), :mod:`.cli` its command.
"""
