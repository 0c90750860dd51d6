"""``python -m harness.cli``: the ``apcv-hil`` command without its console script."""

from harness.cli import main

main()
