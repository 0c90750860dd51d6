"""A billing program (practice software) under test: the world around it and how it is driven.

The harness plays everything the billing program meets: phones and cards on pcscd's virtual
reader (a simulator process tapped through its control channel), QR codes through the
scanner the program supports (a serial port, its standard input, a virtual keyboard), and
the insurer backend over HTTP with its audit log. The program does one identification and
billing per run of the rig's command template and prints one JSON object: the contract
(:mod:`simulators.practice.contract`) that our reference billing program keeps too.
"""
