"""The candidate search's one SQL statement: who could do this work order, and the facts the
hard rules and the score need about each of them (dispatch.scoring decides).

Shape of the query, and why:

1. *Shortlist by GiST KNN.* The nearest `depth` technicians by fresh last position
   (`last_position <-> site`) and, separately, by home base for those whose position is stale.
   Each KNN runs with only `org_id` beside it, so the planner always walks the GiST index and
   stops after `depth` rows — bounded work whatever the statistics say. The cheap, selective
   rules (state, skills at level) filter that bounded list; the nearest `k` survivors by real
   geography distance are the shortlist.
2. *Rare skills.* When fewer than `need` (the number of candidates asked for) of those
   nearest technicians hold the skills, a skill-first branch (technician_skills by skill,
   intersected, then ordered by distance) takes over; a one-time filter means it costs
   nothing otherwise. Work needing several skills goes skill-first straight away when their
   holders are no more than the KNN walks would visit: ranking them all is cheaper than the
   walks, and exact (the walks can miss a holder just past their depth).
3. *Facts for the shortlist only* (≤ k rows): territory containment (territories covering the
   site, found once through the GiST index on `territories.area`), the first shift that leaves
   room for the work, overlapping time off, the day's load through the partial index
   `ix_work_orders_assignee_day`, capacity, and whether they did the site's last completed job.

Asking about one technician swaps step 1–2 for that technician and evaluates every rule, so
the reply can say which rule excludes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from dispatch import rawsql, scoring
from dispatch.models.availability import LOADED_STATUSES

# Must match the predicate of ix_work_orders_assignee_day for the planner to use it.
_LOADED_SQL = "(" + ", ".join(f"'{s}'" for s in LOADED_STATUSES) + ")"
# The day a job occupies: its appointment, else its window, else the day it was assigned.
JOB_DAY = "coalesce(w.scheduled_start, w.window_start, w.assigned_at)"

_COMMON = """
WITH site AS MATERIALIZED (
    SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom,
           CAST(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geography) AS geog),
req AS MATERIALIZED (
    SELECT r.code, r.level, s.id AS skill_id
    FROM unnest(CAST(:codes AS text[]), CAST(:levels AS int[])) AS r(code, level)
    LEFT JOIN skills s ON s.org_id = :org AND s.code = r.code),
covering AS MATERIALIZED (
    SELECT tr.id FROM territories tr
    WHERE tr.org_id = :org AND ST_Covers(tr.area, (SELECT geom FROM site))),
"""

# A technician holds every required skill at the required level (vacuous without requirements).
_SKILLED = """NOT EXISTS (SELECT 1 FROM req r WHERE NOT EXISTS (
    SELECT 1 FROM technician_skills ts WHERE ts.technician_id = {tech}
    AND ts.skill_id = r.skill_id AND ts.level >= r.level))"""
# The site computed once (a generic plan would otherwise rebuild it for every row).
_SITE = "(SELECT geog FROM site)"
_FRESH = "t.last_position_at >= :fresh"

# Who holds every required skill at level: two ranges of the covering index
# (skill, technician) INCLUDE (level), grouped.
_HOLDERS = """
holders AS {materialized}(
    SELECT ts.technician_id AS id FROM req r
    JOIN technician_skills ts ON ts.skill_id = r.skill_id AND ts.level >= r.level
    GROUP BY ts.technician_id HAVING count(*) = (SELECT count(*) FROM req)),"""

# Exactly two skills, the usual "several": the holders of each are one range of the covering
# index, already in technician order, so a merge join intersects them in about half the time
# grouping both ranges takes.
_HOLDERS_OF_TWO = """
holders AS MATERIALIZED (
    SELECT a.technician_id AS id
    FROM technician_skills a JOIN technician_skills b ON b.technician_id = a.technician_id
    WHERE a.skill_id = (SELECT skill_id FROM req WHERE code = (CAST(:codes AS text[]))[1]
                        LIMIT 1)
      AND a.level >= (CAST(:levels AS int[]))[1]
      AND b.skill_id = (SELECT skill_id FROM req WHERE code = (CAST(:codes AS text[]))[2]
                        LIMIT 1)
      AND b.level >= (CAST(:levels AS int[]))[2]),"""

_SHORTLIST = f"""
live AS (
    SELECT x.id, x.pos, 'live' AS source FROM (
        SELECT t.id, t.last_position AS pos, t.last_position_at AS seen, t.state
        FROM technicians t WHERE t.org_id = :org AND t.last_position IS NOT NULL
        ORDER BY t.last_position <-> {_SITE} LIMIT :depth) x
    WHERE x.seen >= :fresh AND x.state <> 'off' AND {{skilled}}),
home AS (
    SELECT x.id, x.pos, 'home' AS source FROM (
        SELECT t.id, t.home_base AS pos, t.last_position_at AS seen, t.state
        FROM technicians t WHERE t.org_id = :org AND t.home_base IS NOT NULL
        ORDER BY t.home_base <-> {_SITE} LIMIT :depth) x
    WHERE (x.seen IS NULL OR x.seen < :fresh) AND x.state <> 'off' AND {{skilled}}),
knn AS MATERIALIZED (SELECT * FROM live UNION ALL SELECT * FROM home),
wide AS MATERIALIZED (
    SELECT t.id,
           CASE WHEN {_FRESH} THEN t.last_position ELSE t.home_base END AS pos,
           CASE WHEN {_FRESH} THEN 'live' ELSE 'home' END AS source
    FROM technicians t
    WHERE {{skill_first}} AND cardinality(CAST(:codes AS text[])) > 0
      AND t.org_id = :org AND t.state <> 'off' AND t.id IN (SELECT id FROM holders)),
pool AS (
    SELECT * FROM knn WHERE NOT EXISTS (SELECT 1 FROM wide)
    UNION ALL SELECT * FROM wide WHERE pos IS NOT NULL),
near AS (
    SELECT p.id, p.source, ST_Distance(p.pos, {_SITE}) AS metres
    FROM pool p ORDER BY p.pos <-> {_SITE} LIMIT :k)
"""

_ONE = f"""
near AS (
    SELECT t.id,
           CASE WHEN {_FRESH} THEN 'live' WHEN t.home_base IS NOT NULL THEN 'home' END AS source,
           ST_Distance(CASE WHEN {_FRESH} THEN t.last_position ELSE t.home_base END,
                       {_SITE}) AS metres
    FROM technicians t WHERE t.id = :tech AND t.org_id = :org)
"""

_FACTS = f"""
SELECT n.id, u.name, t.state, u.is_active, n.source, n.metres,
       CASE WHEN n.source = 'live' THEN t.last_position_at END AS position_at,
       lv.codes, lv.levels, tr.restricted, tr.inside,
       sh.starts_at AS shift_start, sh.ends_at AS shift_end, sh.planned,
       off.kind AS leave_kind, off.starts_at AS leave_start, off.ends_at AS leave_end,
       CAST(d.day_start AT TIME ZONE :tz AS date) AS day, ld.jobs, ld.minutes,
       coalesce(cap.max_jobs_per_day, :default_jobs) AS max_jobs,
       coalesce(cap.max_work_minutes_per_day, :default_minutes) AS max_minutes,
       n.id = (SELECT w.assignee_id FROM work_orders w
               WHERE w.site_id = :site AND w.status IN ('completed', 'closed')
                 AND w.assignee_id IS NOT NULL AND w.id <> :wo
               ORDER BY w.completed_at DESC NULLS LAST LIMIT 1) AS preferred
FROM near n
JOIN technicians t ON t.id = n.id
JOIN users u ON u.id = t.user_id
-- A lookup per shortlisted technician (OFFSET 0 keeps it one): the generic plan otherwise
-- hashes the whole capacities table for ≤ k rows.
LEFT JOIN LATERAL (
    SELECT c.max_jobs_per_day, c.max_work_minutes_per_day FROM technician_capacities c
    WHERE c.technician_id = n.id OFFSET 0) cap ON true
CROSS JOIN LATERAL (
    SELECT array_agg(r.code) AS codes, array_agg(ts.level) AS levels FROM req r
    JOIN technician_skills ts ON ts.technician_id = n.id AND ts.skill_id = r.skill_id) lv
CROSS JOIN LATERAL (
    SELECT EXISTS (SELECT 1 FROM technician_territories x WHERE x.technician_id = n.id)
               AS restricted,
           EXISTS (SELECT 1 FROM technician_territories x WHERE x.technician_id = n.id
                   AND x.territory_id IN (SELECT id FROM covering)) AS inside) tr
LEFT JOIN LATERAL (
    SELECT s.starts_at, s.ends_at, greatest(s.starts_at, :lo) AS planned FROM shifts s
    WHERE s.technician_id = n.id AND s.ends_at > :lo AND s.starts_at < :hi
      AND greatest(s.starts_at, :lo) + make_interval(mins => :dur) <= least(s.ends_at, :hi)
    ORDER BY s.ends_at LIMIT 1) sh ON true
LEFT JOIN LATERAL (
    SELECT o.kind, o.starts_at, o.ends_at FROM time_off o
    WHERE o.technician_id = n.id AND o.ends_at > coalesce(sh.planned, :lo)
      AND o.starts_at < coalesce(sh.planned, :lo) + make_interval(mins => :dur)
    ORDER BY o.ends_at LIMIT 1) off ON true
CROSS JOIN LATERAL (
    SELECT date_trunc('day', coalesce(sh.planned, :lo) AT TIME ZONE :tz) AT TIME ZONE :tz
           AS day_start) d
CROSS JOIN LATERAL (
    SELECT count(*) AS jobs, coalesce(sum(w.estimated_duration_min), 0) AS minutes
    FROM work_orders w
    WHERE w.assignee_id = n.id AND w.status IN {_LOADED_SQL} AND w.id <> :wo
      AND {JOB_DAY} >= d.day_start AND {JOB_DAY} < d.day_start + interval '1 day') ld
ORDER BY n.metres NULLS LAST, n.id
"""


# When the skill-first search runs: too few of the nearest hold the skills.
_FEW_NEAR = "(SELECT count(*) FROM knn) < :need"
# … or (several skills) the holders are no more than the two KNN walks would visit; evaluated
# first, so the walks only run when it is false.
_FEW_HOLDERS = f"((SELECT count(*) FROM holders) <= 2 * :depth OR {_FEW_NEAR})"

# At most one skill: each technician the KNN walks is checked with an index probe, and the
# holders are only listed (inlined into `wide`) when the skill-first search runs.
SHORTLIST_SQL = rawsql.statement(
    _COMMON + _HOLDERS.format(materialized="")
    + _SHORTLIST.format(skilled=_SKILLED.format(tech="x.id"), skill_first=_FEW_NEAR) + _FACTS)
# Several skills: the holders of all of them are few (≈ 220 of 10,000 for two skills), so they
# are listed once, up front, and usually ranked directly (≈ 1.3 ms less than walking first,
# docs/benchmarks.md); when they are many, they serve the KNN filter as a hashed lookup
# instead of one probe per skill per technician walked.
_AMONG_HOLDERS = _SHORTLIST.format(skilled="x.id IN (SELECT id FROM holders)",
                                   skill_first=_FEW_HOLDERS)
SHORTLIST_SEVERAL_SQL = rawsql.statement(
    _COMMON + _HOLDERS.format(materialized="MATERIALIZED ") + _AMONG_HOLDERS + _FACTS)
SHORTLIST_TWO_SQL = rawsql.statement(_COMMON + _HOLDERS_OF_TWO + _AMONG_HOLDERS + _FACTS)
ONE_SQL = rawsql.statement(_COMMON + _ONE + _FACTS)


@dataclass(frozen=True)
class Where:
    """Everything the query needs to know about the work order and the policy."""
    org_id: str
    work_order_id: str
    site_id: str
    lon: float
    lat: float
    job: scoring.Job
    timezone: str
    fresh_since: datetime
    default_jobs: int
    default_minutes: int


def facts(session: Session, where: Where, *, k: int, depth: int, need: int = 0,
          technician_id: str | None = None) -> list[scoring.Facts]:
    """`k`: shortlist size; `depth`: how many nearest positions each KNN walks; `need`: fewer
    qualified technicians than this among them switches to the skill-first search."""
    job = where.job
    params = {
        "org": where.org_id, "wo": where.work_order_id, "site": where.site_id,
        "lon": where.lon, "lat": where.lat, "codes": [c for c, _ in job.required],
        "levels": [lv for _, lv in job.required], "fresh": where.fresh_since,
        "lo": job.slot_from, "hi": job.slot_to, "dur": job.duration_min, "tz": where.timezone,
        "default_jobs": where.default_jobs, "default_minutes": where.default_minutes,
        "k": k, "depth": depth, "need": need, "tech": technician_id,
    }
    if technician_id:
        rows = _run(session, ONE_SQL, params)
    else:
        skills = len(job.required)
        stmt = (SHORTLIST_SQL if skills <= 1 else SHORTLIST_TWO_SQL if skills == 2
                else SHORTLIST_SEVERAL_SQL)
        rows = _run(session, stmt, params, generic=True)
    return [_facts(row) for row in rows]


def _run(session: Session, stmt: rawsql.Statement, params: dict,
         generic: bool = False) -> list[tuple]:
    """The hot path of the search, so it goes to psycopg directly (dispatch/rawsql.py).

    `generic`: run on the generic plan. psycopg prepares the statement, but PostgreSQL's cost
    comparison keeps re-planning it for every search's parameters (custom plans), which costs
    2-3.5 ms, about a third of the statement. Its best plan does not depend on the parameters
    (bounded KNN walks, then per-technician lookups for at most `k` rows), so the generic one
    is forced for this statement alone (autodispatch goes on to write in the same
    transaction, on the server's own plans)."""
    return rawsql.fetch(session, stmt, params, generic_plan=generic)


# The columns of _FACTS, in order.
(_ID, _NAME, _STATE, _ACTIVE, _SOURCE, _METRES, _POSITION_AT, _CODES, _LEVELS, _RESTRICTED,
 _INSIDE, _SHIFT_START, _SHIFT_END, _PLANNED, _LEAVE_KIND, _LEAVE_START, _LEAVE_END, _DAY,
 _JOBS, _MINUTES, _MAX_JOBS, _MAX_MINUTES, _PREFERRED) = range(23)


def _facts(row: tuple) -> scoring.Facts:
    leave = (row[_LEAVE_KIND], row[_LEAVE_START], row[_LEAVE_END]) if row[_LEAVE_KIND] else None
    metres, day, codes = row[_METRES], row[_DAY], row[_CODES]
    levels = dict(zip(codes, row[_LEVELS], strict=True)) if codes else {}
    return scoring.Facts(
        technician_id=row[_ID], name=row[_NAME], state=row[_STATE], is_active=row[_ACTIVE],
        source=row[_SOURCE], km=None if metres is None else metres / 1000,
        position_at=row[_POSITION_AT], levels=levels,
        restricted=row[_RESTRICTED], in_territory=row[_INSIDE], shift_start=row[_SHIFT_START],
        shift_end=row[_SHIFT_END], planned_start=row[_PLANNED], leave=leave,
        day=day.isoformat() if day else None, jobs=row[_JOBS], minutes=int(row[_MINUTES]),
        max_jobs=row[_MAX_JOBS], max_minutes=row[_MAX_MINUTES], preferred=bool(row[_PREFERRED]),
    )
