"""Users of the insurer's services for Locust: practice software, phone app, activation, operators.

``apcv-hil load`` runs this file (with ``shapefile.py``) and prepares everything first. It
also runs under plain Locust against any served backend, for example::

    apcv-hil backend serve --seed 0 --port 8600 &
    locust -f scenarios/load/locustfile.py,scenarios/load/shapefile.py --headless \\
        --host http://127.0.0.1:8600 --apcv-shape step --users 20 --run-time 60s

Before the timed phase the run checks the target, registers its own synthetic people through
the API (or, with ``--apcv-people N``, uses those the backend was seeded with, and says so in
one line if it was not), activates wallets and mints their presentations. Requests are signed
(APCV-SIG-1) and named without NIRs (``/v1/rights/[nir]``). See docs/load.md.
"""

from locust import events

from scenarios.load import hooks
from scenarios.load.users import Activation, Operator, PhoneApp, PracticeSoftware

__all__ = ["Activation", "Operator", "PhoneApp", "PracticeSoftware"]

events.init_command_line_parser.add_listener(hooks.add_options)
events.init.add_listener(hooks.on_init)
