"""A reader terminal under test: a reader with its own verification logic, judged on what it outputs."""
