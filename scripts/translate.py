"""Fill Ukrainian translations given as a JSON object {msgid: msgstr} into the catalogue; a plural
message is keyed by its singular msgid, with its three Ukrainian forms as a list.

Usage: .venv/bin/python scripts/translate.py FILE.json   (then scripts/i18n compiles)
Only entries that exist in the catalogue are filled; others are reported.
"""

import json
import sys

from babel.messages.pofile import read_po, write_po

PATH = "app/translations/uk/LC_MESSAGES/messages.po"

with open(sys.argv[1], encoding="utf-8") as f:
    wanted = json.load(f)
with open(PATH, "rb") as f:
    catalog = read_po(f)
for msgid, msgstr in wanted.items():
    message = catalog.get(msgid)
    if message is None:
        print(f"not in the catalogue: {msgid!r}")
        continue
    message.string = tuple(msgstr) if isinstance(msgstr, list) else msgstr
with open(PATH, "wb") as f:
    write_po(f, catalog, width=100, omit_header=False, no_location=True)
empty = [
    m.id
    for m in catalog
    if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
]
print(f"{len(empty)} Ukrainian entries still empty")
for msgid in empty:
    print(f"  {msgid!r}")
