"""The database keeps the totals of unassigned open cases, of cases by status and of candidates by status and band

Revision ID: 840c0950b795
Revises: 4caf336ce158
Create Date: 2026-12-02 01:00:00.000000

See app/tallies.py: triggers keep ``tally`` in step with case_record and match_candidate, so
that the supervisor queues and the match queue read their totals from a handful of rows instead
of counting 20,000 cases and 38,563 candidates for each page. Each change is a row appended
(writers never wait for each other), and every 256th row folds the rows before it into one per
total.

SQLite: a later migration that rebuilds case_record or match_candidate in batch mode drops
their triggers with the old table; tests/foundation/test_tallies.py fails if they are missing.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '840c0950b795'
down_revision = '4caf336ce158'
branch_labels = None
depends_on = None

# What the pages count, as SQL over a row (``{r}`` is NEW or OLD, or a transition table's alias).
_SQLITE_UNASSIGNED = "{r}.assigned_to_id IS NULL AND {r}.status <> 'closed' AND {r}.archived = 0"
_PG_UNASSIGNED = "{r}.assigned_to_id IS NULL AND {r}.status <> 'closed' AND NOT {r}.archived"
# Cases that are not archived, by status (the case list's totals).
_STATUS_NAME = "'cases:status:' || {r}.status"
_CANDIDATE_NAME = (
    "'candidates:' || {r}.status || ':' || CASE WHEN {r}.likely THEN 'likely' ELSE 'possible' END"
)

# Every 256th row appended, the rows so far are folded into one per total.
FOLD_EVERY = 256

_PG_FUNCTIONS = [
    # A change is a row appended: nobody updates a row another transaction wrote, so writers
    # never wait for each other. (Updating one counter row per total, even one per connection,
    # made a transaction that changed 20,000 rows one by one take 30 s instead of 1: each update
    # of the same row in one transaction walks the chain of its earlier versions.)
    """
    CREATE FUNCTION tally_add(total_name text, change bigint) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        IF change <> 0 THEN
            INSERT INTO tally (name, delta) VALUES (total_name, change);
        END IF;
    END $$
    """,
    # Fold the rows up to this one into their sums. One folder at a time, which only tries the
    # lock (a transaction-scoped advisory lock): the rows it deletes are committed ones that
    # nobody else deletes or updates, so it waits for nobody and nobody waits for it. Rows of
    # transactions still running are not visible to it: a later fold takes them.
    """
    CREATE FUNCTION tally_fold() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF pg_try_advisory_xact_lock(hashtext('tally_fold')) THEN
            WITH gone AS (DELETE FROM tally WHERE id <= NEW.id RETURNING name, delta)
            INSERT INTO tally (name, delta)
            SELECT name, sum(delta) FROM gone GROUP BY name HAVING sum(delta) <> 0;
        END IF;
        RETURN NULL;
    END $$
    """,
    # Inserts and deletes once per statement (a run's batch, an import's COPY): grouped.
    f"""
    CREATE FUNCTION case_record_tally_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM tally_add('cases:unassigned', count(*))
            FROM new_rows AS r WHERE {_PG_UNASSIGNED.format(r="r")};
            PERFORM tally_add(name, n) FROM (
                SELECT {_STATUS_NAME.format(r="r")} AS name, count(*) AS n
                FROM new_rows AS r WHERE NOT r.archived GROUP BY 1
            ) AS changes;
        ELSE
            PERFORM tally_add('cases:unassigned', -count(*))
            FROM old_rows AS r WHERE {_PG_UNASSIGNED.format(r="r")};
            PERFORM tally_add(name, -n) FROM (
                SELECT {_STATUS_NAME.format(r="r")} AS name, count(*) AS n
                FROM old_rows AS r WHERE NOT r.archived GROUP BY 1
            ) AS changes;
        END IF;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION match_candidate_tally_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM tally_add(name, n) FROM (
                SELECT {_CANDIDATE_NAME.format(r="r")} AS name, count(*) AS n
                FROM new_rows AS r GROUP BY 1
            ) AS changes;
        ELSE
            PERFORM tally_add(name, -n) FROM (
                SELECT {_CANDIDATE_NAME.format(r="r")} AS name, count(*) AS n
                FROM old_rows AS r GROUP BY 1
            ) AS changes;
        END IF;
        RETURN NULL;
    END $$
    """,
    # Updates row by row, only of the rows whose counted columns changed (the trigger's WHEN,
    # evaluated without calling the function: a run's rank and score updates cost nothing).
    f"""
    CREATE FUNCTION case_record_tally_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM tally_add(
            'cases:unassigned',
            (CASE WHEN {_PG_UNASSIGNED.format(r="NEW")} THEN 1 ELSE 0 END)
            - (CASE WHEN {_PG_UNASSIGNED.format(r="OLD")} THEN 1 ELSE 0 END)
        );
        IF NOT OLD.archived THEN
            PERFORM tally_add({_STATUS_NAME.format(r="OLD")}, -1);
        END IF;
        IF NOT NEW.archived THEN
            PERFORM tally_add({_STATUS_NAME.format(r="NEW")}, 1);
        END IF;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION match_candidate_tally_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM tally_add({_CANDIDATE_NAME.format(r="OLD")}, -1);
        PERFORM tally_add({_CANDIDATE_NAME.format(r="NEW")}, 1);
        RETURN NULL;
    END $$
    """,
]

_PG_TRIGGERS = [
    f"CREATE TRIGGER tally_fold AFTER INSERT ON tally FOR EACH ROW "
    f"WHEN (NEW.id % {FOLD_EVERY} = 0) EXECUTE FUNCTION tally_fold()",
    "CREATE TRIGGER case_record_tally_insert AFTER INSERT ON case_record "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_record_tally_rows()",
    "CREATE TRIGGER case_record_tally_delete AFTER DELETE ON case_record "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION case_record_tally_rows()",
    "CREATE TRIGGER case_record_tally_update AFTER UPDATE OF status, archived, assigned_to_id "
    "ON case_record FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status "
    "OR OLD.archived IS DISTINCT FROM NEW.archived "
    "OR OLD.assigned_to_id IS DISTINCT FROM NEW.assigned_to_id) "
    "EXECUTE FUNCTION case_record_tally_update()",
    "CREATE TRIGGER match_candidate_tally_insert AFTER INSERT ON match_candidate "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION match_candidate_tally_rows()",
    "CREATE TRIGGER match_candidate_tally_delete AFTER DELETE ON match_candidate "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION match_candidate_tally_rows()",
    "CREATE TRIGGER match_candidate_tally_update AFTER UPDATE OF status, likely "
    "ON match_candidate FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status "
    "OR OLD.likely IS DISTINCT FROM NEW.likely) EXECUTE FUNCTION match_candidate_tally_update()",
]

# SQLite appends a row for each change too (a trigger runs once per row there); the inserts of
# a trigger's own body do not fire triggers (recursive_triggers is off).
_SQLITE_ADD = "INSERT INTO tally (name, delta) SELECT {name}, {change} WHERE {condition};"


def _sqlite_triggers():
    unassigned = _SQLITE_UNASSIGNED
    candidate = _CANDIDATE_NAME
    case_add = lambda r, change: _SQLITE_ADD.format(  # noqa: E731
        name="'cases:unassigned'", change=change, condition=unassigned.format(r=r)
    ) + _SQLITE_ADD.format(
        name=_STATUS_NAME.format(r=r), change=change, condition=f"{r}.archived = 0"
    )
    candidate_add = lambda r, change: _SQLITE_ADD.format(  # noqa: E731
        name=candidate.format(r=r), change=change, condition="1"
    )
    return {
        "tally_fold": (
            f"AFTER INSERT ON tally WHEN NEW.id % {FOLD_EVERY} = 0 BEGIN "
            "INSERT INTO tally (name, delta) SELECT name, sum(delta) FROM tally "
            "WHERE id <= NEW.id GROUP BY name HAVING sum(delta) <> 0; "
            "DELETE FROM tally WHERE id <= NEW.id; END"
        ),
        "case_record_tally_insert": f"AFTER INSERT ON case_record BEGIN {case_add('NEW', 1)} END",
        "case_record_tally_delete": f"AFTER DELETE ON case_record BEGIN {case_add('OLD', -1)} END",
        "case_record_tally_update": (
            "AFTER UPDATE OF status, archived, assigned_to_id ON case_record "
            "WHEN OLD.status IS NOT NEW.status OR OLD.archived IS NOT NEW.archived "
            "OR OLD.assigned_to_id IS NOT NEW.assigned_to_id "
            f"BEGIN {case_add('OLD', -1)} {case_add('NEW', 1)} END"
        ),
        "match_candidate_tally_insert": (
            f"AFTER INSERT ON match_candidate BEGIN {candidate_add('NEW', 1)} END"
        ),
        "match_candidate_tally_delete": (
            f"AFTER DELETE ON match_candidate BEGIN {candidate_add('OLD', -1)} END"
        ),
        "match_candidate_tally_update": (
            "AFTER UPDATE OF status, likely ON match_candidate "
            "WHEN OLD.status IS NOT NEW.status OR OLD.likely IS NOT NEW.likely "
            f"BEGIN {candidate_add('OLD', -1)} {candidate_add('NEW', 1)} END"
        ),
    }


def upgrade():
    op.create_table(
        'tally',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('delta', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tally')),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    # The totals of the rows already there, then the triggers (nothing else writes during a
    # migration).
    op.execute(
        "INSERT INTO tally (name, delta) SELECT 'cases:unassigned', count(*) "
        "FROM case_record AS r WHERE "
        + (_SQLITE_UNASSIGNED if sqlite else _PG_UNASSIGNED).format(r="r")
    )
    op.execute(
        f"INSERT INTO tally (name, delta) SELECT {_STATUS_NAME.format(r='r')}, "
        "count(*) FROM case_record AS r WHERE r.archived = false GROUP BY 1"
    )
    op.execute(
        f"INSERT INTO tally (name, delta) SELECT {_CANDIDATE_NAME.format(r='r')}, "
        "count(*) FROM match_candidate AS r GROUP BY 1"
    )
    if sqlite:
        for name, body in _sqlite_triggers().items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    else:
        for statement in (*_PG_FUNCTIONS, *_PG_TRIGGERS):
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in _sqlite_triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for table in ("case_record", "match_candidate"):
            for verb in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_tally_{verb} ON {table}")
        op.execute("DROP TRIGGER IF EXISTS tally_fold ON tally")
        for function in (
            "case_record_tally_rows", "match_candidate_tally_rows", "case_record_tally_update",
            "match_candidate_tally_update", "tally_add", "tally_fold",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.drop_table('tally')
