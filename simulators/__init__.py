"""Reference implementations of every role of the apCV world, and their faulty variants.

The phone (HCE applet and QR screen), the physical card, the reader kernel, the insurer backend,
the identity provider, the 2D scanner, the billing program (:mod:`simulators.practice`) and the
synthetic population; :mod:`simulators.factory` assembles seeded devices and
:mod:`simulators.vectors` writes the test vectors. The devices do not import one another; they
reach the outside through the links of :mod:`apcv.links`, as the harness does.
"""
