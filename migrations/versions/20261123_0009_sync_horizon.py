"""sync versions from transaction ids: stamped as rows are written, read below a horizon

Revision ID: 0009
Revises: 0003, 0005, 0007
Create Date: 2026-11-23 15:30:00

Until now a committing transaction took the next value of its organisation's counter and
rewrote every row it had changed with it (a second write of each row, foreign keys re-checked).
From here a row's version is written with the row itself by a trigger: the writing
transaction's id (xid8) shifted left by 12 bits, plus the write's order inside its transaction.
A pull reads only below the horizon of the oldest transaction still running (see
dispatch/versioning.py). The clock's offset makes versions start above every version of the old
scheme; `fieldwork db upgrade` raises it again whenever it finds a higher one (a restored dump).
"""
from alembic import op

revision = '0009'
down_revision = ('0003', '0005', '0007')
branch_labels = None
depends_on = None

SYNCED = ("work_orders", "work_order_notes", "checklist_items", "time_entries",
          "meter_readings", "sites", "assets", "photos", "parts", "stock_levels",
          "work_order_parts", "parts_used")
WITH_MARKS = ("work_orders", "checklist_items")
LOGS = ("sync_tombstones", "sync_scope_changes")

FUNCTIONS = """
CREATE OR REPLACE FUNCTION fieldwork_sync_offset() RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT 0::bigint $$;

-- The version of the next write of this transaction: its id, then the write's rank in it
-- (so a transaction reading its own writes sees them in order; ranks past 4095 share 4095).
CREATE OR REPLACE FUNCTION fieldwork_sync_next() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  k int := coalesce(nullif(current_setting('fieldwork.sync_rank', true), '')::int, 0) + 1;
BEGIN
  IF k < 4096 THEN
    PERFORM set_config('fieldwork.sync_rank', k::text, true);
  ELSE
    k := 4095;
  END IF;
  RETURN ((pg_current_xact_id()::text::bigint + fieldwork_sync_offset()) << 12) | k;
END $$;

-- Every version at or below the horizon is final: written by a transaction that has ended
-- (or by this one, up to its last write). Any later write gets a higher version. Transactions
-- of other databases of the cluster are left out: they never write these tables, and a long
-- one elsewhere must not hold this database's pulls back.
CREATE OR REPLACE FUNCTION fieldwork_sync_horizon() RETURNS bigint
LANGUAGE sql VOLATILE AS $$
  WITH snap AS MATERIALIZED (SELECT pg_current_snapshot() AS s),
  elsewhere AS MATERIALIZED (
    SELECT a.backend_xid::text::bigint AS xid FROM pg_stat_get_activity(NULL) a
    WHERE a.backend_xid IS NOT NULL
      AND a.datid IS DISTINCT FROM (SELECT oid FROM pg_database
                                    WHERE datname = current_database())),
  oldest AS (  -- the oldest other transaction that may still write (this one's own id may
               -- be the snapshot's xmax: later ones come after it)
    SELECT least((SELECT min(x::text::bigint) FROM pg_snapshot_xip(s) x
                  WHERE x::text::bigint % 4294967296 NOT IN (SELECT xid FROM elsewhere)),
                 greatest(pg_snapshot_xmax(s)::text::bigint,
                          pg_current_xact_id_if_assigned()::text::bigint + 1)) AS xid
    FROM snap)
  SELECT least(((xid + fieldwork_sync_offset()) << 12) - 1,
               ((pg_current_xact_id_if_assigned()::text::bigint + fieldwork_sync_offset()) << 12)
               | coalesce(nullif(current_setting('fieldwork.sync_rank', true), '')::bigint, 0))
  FROM oldest
$$;

-- One trigger function for every table; its argument says what the table carries: 'row' (a
-- synced row: versions of the write and of the creation), 'marks' (also per-column write marks,
-- which get this write's version), 'log' (tombstones and scope changes: a version only).
CREATE OR REPLACE FUNCTION fieldwork_sync_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.sync_version := fieldwork_sync_next();
  IF TG_ARGV[0] <> 'log' AND TG_OP = 'INSERT' THEN
    NEW.created_version := NEW.sync_version;
  END IF;
  IF TG_ARGV[0] = 'marks' THEN
    NEW.field_hlc := fieldwork_finalise_marks(NEW.field_hlc, NEW.sync_version);
  END IF;
  RETURN NEW;
END $$;
"""


def upgrade() -> None:
    op.execute(FUNCTIONS)
    for table in SYNCED:
        kind = "marks" if table in WITH_MARKS else "row"
        op.execute(f"CREATE TRIGGER fieldwork_sync_version BEFORE INSERT OR UPDATE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION fieldwork_sync_stamp('{kind}')")
    for table in LOGS:
        op.execute(f"CREATE TRIGGER fieldwork_sync_version BEFORE INSERT ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION fieldwork_sync_stamp('log')")
    # The clock's offset is raised above the old scheme's versions by dispatch.migrate, after
    # every migration (it needs the data, and runs again after a restore).


def downgrade() -> None:
    for table in (*SYNCED, *LOGS):
        op.execute(f"DROP TRIGGER IF EXISTS fieldwork_sync_version ON {table}")
    for function in ("fieldwork_sync_stamp()", "fieldwork_sync_horizon()",
                     "fieldwork_sync_next()", "fieldwork_sync_offset()"):
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
