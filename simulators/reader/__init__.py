"""The reference reader kernel: what practice software does with a phone or a card over a reader
link (:class:`apcv.links.ReaderLink`), and the kernel's faulty variants."""
