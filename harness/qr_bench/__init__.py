"""The decode-rate matrix: every camera condition × every QR decoder, read rate and decode time.

``apcv-hil qr-bench`` runs it (:mod:`harness.qr_bench.matrix`), checks the ensemble's targets
(:mod:`harness.qr_bench.targets`) and writes the heat map and the HTML page a scanner vendor
sets their device against (:mod:`harness.qr_bench.plot`, :mod:`harness.qr_bench.page`).
"""
