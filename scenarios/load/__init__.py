"""Load tests of the insurer's services with Locust (``apcv-hil load``, docs/load.md).

Users and their locustfile and shapefile run in Locust's processes; the rest (settings, mix,
shapes, set-up, faults, summary, SLO, audit) in the ``apcv-hil load`` process and the tests,
which never import Locust (it patches the interpreter with gevent).
"""
