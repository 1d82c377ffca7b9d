"""argparse's own words (``usage:``, ``options``, ``error:`` ...) in our catalogue.

argparse translates through gettext's default domain, which has no Chinese; we hand it our
``_``/``ngettext`` instead, so ``bigclient --lang zh`` prints its usage and errors in Chinese.
The msgids below are those of argparse in Python 3.11-3.13; they are listed (not translated)
here so that ``pybabel extract`` puts them in the catalogue. tests/test_i18n.py checks the
running Python's argparse has no message we lack.
"""

from __future__ import annotations

import argparse

from bigclient.i18n import N_, _, ngettext, plural_noop

MESSAGES = (
    N_("usage: "),
    N_("argument %(argument_name)s: %(message)s"),
    N_(".__call__() not defined"),
    N_("conflicting subparser: %s"),
    N_("conflicting subparser alias: %s"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("argument \"-\" with mode %r"),
    N_("can't open '%(filename)s': %(error)s"),
    N_("cannot merge actions - two groups are named %r"),
    N_("'required' is an invalid argument for positionals"),
    N_("invalid option string %(option)r: must start with a character %(prefix_chars)r"),
    N_("dest= is required for options like %r"),
    N_("invalid conflict_resolution value: %r"),
    N_("mutually exclusive arguments must be optional"),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("cannot have multiple subparser arguments"),
    N_("unrecognized arguments: %s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unexpected option string: %s"),
    N_("%r is not callable"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("%(prog)s: error: %(message)s\n"),
    # Python 3.12 and 3.13
    N_("argument '%(argument_name)s' is deprecated"),
    N_("command '%(parser_name)s' is deprecated"),
    N_("option '%(option)s' is deprecated"),
    N_("show program's version number and exit"),
    N_(" (default: %(default)s)"),
    N_("%(heading)s:"),
    N_("%(prog)s: warning: %(message)s\n"),
    N_("subcommands"),
)

PLURALS = (
    plural_noop("conflicting option string: %s", "conflicting option strings: %s"),
    plural_noop("expected %s argument", "expected %s arguments"),
)


def install() -> None:
    """Make argparse speak through our catalogue (in the language in force when it speaks)."""
    argparse.__dict__.update(_=_, ngettext=ngettext)
