"""Links chosen by URL: ``open_reader(url)`` and ``open_card_slot(url)``."""

from apcv.links.base import CardSlot, LinkError, LinkUrl, NoCardPresent, ReaderLink
from apcv.links.registry import UnknownLinkScheme, known_schemes, open_card_slot, open_reader

__all__ = [
    "CardSlot",
    "LinkError",
    "LinkUrl",
    "NoCardPresent",
    "ReaderLink",
    "UnknownLinkScheme",
    "known_schemes",
    "open_card_slot",
    "open_reader",
]
