"""Device-under-test roles, one module per role, registered by the catalogue's role id.

Importing this package registers every role; ask for one with :func:`get_role`. Adding a role
is one module here, its catalogue entries and a plan folder (docs/adding-a-role.md).
"""

from harness.dut.roles import backend, card, phone, practice_software, reader, scanner
from harness.dut.roles.base import DutRole, UnknownRole, get_role, registered

__all__ = ["DutRole", "UnknownRole", "backend", "card", "get_role", "phone", "practice_software", "reader",
           "registered", "scanner"]
