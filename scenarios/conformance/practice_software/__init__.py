"""The practice-software plan: a billing program under test, run once per billing
(docs/practice-software.md)."""
