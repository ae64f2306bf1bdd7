"""Test infrastructure shipped with the package: the loopback Discord API emulator.

It lives in the installed package (not under `tests/`) because `flashtutor bench` drives the
real bot against it; nothing in the bot itself imports it.
"""
