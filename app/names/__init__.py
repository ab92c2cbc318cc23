"""Names and places across scripts: the one normaliser of Reunite (pure: no Flask, no database).

Cases and partner records are searched with it, imports split and read names with it,
matching blocks and scores with it.

``text``      fold() and to_latin_key(): folding and the phonetic Latin skeleton
``surnames``  surname_key() and phonetic_block_key()
``given``     the given-name table, diminutives and patronymics
``places``    the gazetteer of settlements and oblasts
``keys``      the search keys of a written name (one index lookup per word)
"""
