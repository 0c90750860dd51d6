"""The scenario layer's commands, joined to ``apcv-hil`` through the ``apcv_hil.commands``
entry points: each names where the command lives and its one-line help, and loads when called."""

from harness.cli.lazy import lazy

run = lazy("run", "scenarios.cli.run:run",
           "Run the scenarios on the rig and write index.html, junit.xml, results.json and traces.")
certify = lazy("certify", "scenarios.cli.certify:certify",
               "Run the plan of ROLE on the rig and write a signed certification bundle.")
variants = lazy("variants", "scenarios.cli.variants:variants",
                "Prove each plan can fail: the reference passes, every variant is caught where it breaks.")
load = lazy("load", "scenarios.cli.load:load",
            "Load the insurer's services with Locust users, then summarise, audit and judge the run.")
practice = lazy("practice", "simulators.practice.cli:practice", "The reference practice (billing) software.")
queue = lazy("queue", "scenarios.cli.models:queue", "Check the queueing engine against exact results.")
waiting_room = lazy("waiting-room", "scenarios.cli.models:waiting_room",
                    "Simulate a waiting room under several adoption mixes and compare identification time.")
rollout = lazy("rollout", "scenarios.cli.models:rollout",
               "Model the national rollout: activations, practitioners, operators, backend load.")
path = lazy("path", "scenarios.cli.paths:path",
            "Print where the installed package keeps the locustfiles, the dissector and the SLO.")
