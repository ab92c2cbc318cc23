"""Names sort in the alphabet of the UI: a collation named alphabet on PostgreSQL

Revision ID: a1fabe7c0a11
Revises: 6a56ebe28828
Create Date: 2026-12-01 13:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a1fabe7c0a11'
down_revision = '6a56ebe28828'
branch_labels = None
depends_on = None


# ICU's Ukrainian order when the server was built with ICU (Є, І, Ї, Ґ in their places,
# Cyrillic before Latin); else the database's own collation, so that the lists still work.
# SQLite registers its "alphabet" on each connection (app/sqlite.py, app/alphabet.py).
CREATE = """
DO $$
DECLARE
    own_collate text;
    own_ctype text;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'uk-x-icu') THEN
        CREATE COLLATION IF NOT EXISTS alphabet FROM "uk-x-icu";
    ELSE
        SELECT datcollate, datctype INTO own_collate, own_ctype
        FROM pg_database WHERE datname = current_database();
        EXECUTE format(
            'CREATE COLLATION IF NOT EXISTS alphabet (lc_collate = %L, lc_ctype = %L)',
            own_collate, own_ctype
        );
    END IF;
END
$$;
"""


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(CREATE)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP COLLATION IF EXISTS alphabet')
