"""Device-under-test roles, one module per role, registered by the catalogue's role id.

Importing this package registers every role; ask for one with :func:`get_role`. Adding a role
is one module here, its catalogue entries and a plan folder (docs/adding-a-role.md).
"""

from harness.roles import backend, card, phone, practice_software, reader, scanner
from harness.roles.base import DutRole, UnknownRole, bench_world, get_role, registered

__all__ = ["DutRole", "UnknownRole", "backend", "bench_world", "card", "get_role", "phone",
           "practice_software", "reader", "registered", "scanner"]
