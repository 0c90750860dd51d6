"""The harness's own commands: name, where the command lives, and its one-line help.

Nothing here imports a command module; each loads when its command is called (a test keeps
these lines equal to each command's own help).
"""

from harness.cli.lazy import LazyCommand, lazy

BUILTIN: tuple[LazyCommand, ...] = (
    lazy("backend", "harness.cli.backend:backend",
         "The insurer backend simulator (activation, verification, rights, claims, receipts)."),
    lazy("compare", "harness.cli.compare:compare",
         "List the requirements whose verdict or measurements changed from RUN_A to RUN_B."),
    lazy("nir", "harness.cli.nir:nir", "Check NIRs and compute their keys."),
    lazy("plan", "harness.cli.plan:plan",
         "List ROLE's plan: mandatory then optional requirements, and the variants that prove it."),
    lazy("population", "harness.cli.population:population",
         "Generate a synthetic population of insured people, or of practitioners."),
    lazy("qr", "harness.cli.qr:qr",
         "The phone's QR code: write it, decode and verify images of it, show it to a real scanner."),
    lazy("qr-bench", "harness.cli.qr_bench:qr_bench",
         "Decode-rate matrix: every camera condition × QR decoder, read rate and median decode time."),
    lazy("read", "harness.cli.read:read",
         "Present the apCV (or the card) to the reference reader and print what it read."),
    lazy("rigs", "harness.cli.rigs:rigs", "Rig files: list, check, probe."),
    lazy("simulate", "harness.cli.simulate:simulate",
         "Keep a simulated phone or card on a link, or a scanner on a port, until interrupted."),
    lazy("verify-bundle", "harness.cli.bundle:verify_bundle",
         "Check a certification bundle's signature, signer and files."),
)
