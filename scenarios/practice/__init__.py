"""The reference billing program (``apcv-hil practice bill``) and its faulty variants.

It is what a billing program does with the apCV, built on the reference reader kernel and the
backend client, and it keeps the contract of docs/practice-software.md, so the practice-software
plan runs it as its device under test, a separate process, exactly as it runs a vendor's program.
"""
