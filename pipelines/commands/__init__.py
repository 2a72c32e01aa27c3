"""Subcommands of `bicentennial`: every module here exposes `add_parser(subparsers)`.

Modules are discovered automatically, so a new command is a new file.
"""
