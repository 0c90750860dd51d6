"""The Locust users of the insurer's services: practice software, phone app, activation, operators."""

from scenarios.load.users.activation import Activation
from scenarios.load.users.operator import Operator
from scenarios.load.users.phone import PhoneApp
from scenarios.load.users.practice import PracticeSoftware

USER_CLASSES = {"practice": PracticeSoftware, "phone": PhoneApp, "activation": Activation,
                "operator": Operator}
"""Each kind of user (see :mod:`scenarios.load.mix`) and its Locust class."""

__all__ = ["USER_CLASSES", "Activation", "Operator", "PhoneApp", "PracticeSoftware"]
