"""Map data (F12): GeoJSON FeatureCollections for the dispatcher's map, built by PostgreSQL.

* Below `CLUSTER_BELOW_ZOOM` points are grouped on a square grid anchored at 0°,0° (clusters do
  not jump while panning). A cell is a quarter of a web-map tile at that zoom, widened when the
  box would hold more than `MAX_CELLS_ACROSS` cells across, so a reply never has more than
  (MAX_CELLS_ACROSS + 1)² = 484 clusters however large the box. Each cluster carries its count,
  the centroid of its members, their bounds and a breakdown by status (technicians: by state);
  the counts add up to exactly the number of points in the box.
* From that zoom on, points, at most `MAX_POINTS` (most urgent first), with `truncated` set
  when more matched.
* The JSON is assembled in SQL and handed over as text: for 5,000 features that is several
  times faster than building and serialising Python objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.actors import Actor
from dispatch.states import OPEN_STATUSES, PRIORITIES

READERS = ("admin", "dispatcher", "planner")
CLUSTER_BELOW_ZOOM = 14
MAX_POINTS = 5000
CELLS_PER_TILE = 4
MAX_CELLS_ACROSS = 21
_RANK = "CASE w.priority " + " ".join(
    f"WHEN '{p}' THEN {i}" for i, p in enumerate(PRIORITIES)) + " END"


@dataclass
class View:
    bbox: tuple[float, float, float, float]
    zoom: int
    status: list[str] = field(default_factory=list)
    priority: list[str] = field(default_factory=list)


def cell_degrees(bbox: tuple[float, float, float, float], zoom: int) -> float:
    """Grid cell size for a zoom level, widened so the box touches ≤ MAX_CELLS_ACROSS + 1 cells
    each way. A closed interval k cells long whose ends both lie on cell borders touches k + 2
    cells (the box's edges count: `&&` is inclusive), hence k = MAX_CELLS_ACROSS - 1."""
    tile = 360.0 / (2 ** zoom)
    width, height = bbox[2] - bbox[0], bbox[3] - bbox[1]
    spans = MAX_CELLS_ACROSS - 1
    return max(tile / CELLS_PER_TILE, width / spans, height / spans)


def _bbox_params(view: View) -> dict:
    return dict(zip(("x0", "y0", "x1", "y1"), view.bbox, strict=True))


_ENVELOPE = "ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)"

# Work-order points in the box with the filters; `{extra}` adds columns for the caller.
_WO_POINTS = f"""
SELECT w.id, w.location AS geom, w.status AS category{{extra}}
FROM work_orders w
WHERE w.org_id = :org AND w.location && {_ENVELOPE}
  AND w.status = ANY(CAST(:status AS text[]))
  AND (cardinality(CAST(:priority AS text[])) = 0 OR w.priority = ANY(CAST(:priority AS text[])))
"""

_WO_FEATURES = f"""
WITH picked AS (
    SELECT p.*, row_number() OVER (ORDER BY p.rank DESC, p.due_at NULLS LAST, p.id) AS n
    FROM ({_WO_POINTS.format(extra=", w.number, w.priority, w.title, w.type, w.assignee_id, "
                                   "w.due_at, " + _RANK + " AS rank")}) p
    ORDER BY n LIMIT :max_points + 1)
SELECT CAST(json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature', 'id', s.id,
        'geometry', json_build_object('type', 'Point', 'coordinates',
                                      json_build_array(ST_X(s.geom), ST_Y(s.geom))),
        'properties', json_build_object(
            'kind', 'work_order', 'number', s.number, 'status', s.category,
            'priority', s.priority, 'title', s.title, 'type', s.type,
            'assignee_id', s.assignee_id, 'due_at', s.due_at))
        ORDER BY s.n) FILTER (WHERE s.n <= :max_points), '[]'),
    'properties', json_build_object(
        'clustered', false, 'zoom', :zoom, 'count', least(count(*), :max_points),
        'truncated', count(*) > :max_points)) AS text)
FROM picked s
"""

# Grid clusters over any point set with columns (geom, category).
_CLUSTERS = """
WITH pts AS ({points}),
xy AS (SELECT p.category, c.x, c.y FROM pts p
       CROSS JOIN LATERAL (SELECT ST_X(p.geom) AS x, ST_Y(p.geom) AS y OFFSET 0) c),
by_category AS MATERIALIZED (
    SELECT floor(x / :cell) AS cx, floor(y / :cell) AS cy, category, count(*) AS n,
           sum(x) AS sx, sum(y) AS sy, min(x) AS x0, min(y) AS y0, max(x) AS x1, max(y) AS y1
    FROM xy GROUP BY 1, 2, 3),
cells AS (
    SELECT cx, cy, sum(n) AS n, sum(sx) / sum(n) AS lon, sum(sy) / sum(n) AS lat,
           min(x0) AS x0, min(y0) AS y0, max(x1) AS x1, max(y1) AS y1,
           json_object_agg(category, n ORDER BY category) AS breakdown
    FROM by_category GROUP BY cx, cy)
SELECT CAST(json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce((SELECT json_agg(json_build_object(
        'type', 'Feature', 'id', concat('cell:', c.cx, ':', c.cy),
        'geometry', json_build_object('type', 'Point', 'coordinates',
                                      json_build_array(round(CAST(c.lon AS numeric), 6),
                                                       round(CAST(c.lat AS numeric), 6))),
        'properties', json_build_object(
            'kind', 'cluster', 'count', c.n, '{breakdown}', c.breakdown,
            'bounds', json_build_array(round(CAST(c.x0 AS numeric), 6),
                                       round(CAST(c.y0 AS numeric), 6),
                                       round(CAST(c.x1 AS numeric), 6),
                                       round(CAST(c.y1 AS numeric), 6))))
        ORDER BY c.cx, c.cy) FROM cells c), '[]'),
    'properties', json_build_object(
        'clustered', true, 'zoom', :zoom, 'cell_degrees', :cell,
        'count', (SELECT coalesce(sum(n), 0) FROM cells),
        'clusters', (SELECT count(*) FROM cells))) AS text)
"""


def _tune(session: Session) -> None:
    """For this transaction only: no JIT (compiling costs ~200 ms, more than a map query
    runs), room to group a city's points in memory rather than sorting them on disk, and a
    plan for these very parameters. psycopg prepares a statement after a few executions and
    PostgreSQL then tries a generic plan; for a map query the best plan depends on the box
    (a street or the whole region), and the generic one took a city-wide query from 0.3 s
    to 6 s from the tenth request on (docs/benchmarks.md)."""
    session.execute(text("SELECT set_config('jit', 'off', true), "
                         "set_config('work_mem', '32MB', true), "
                         "set_config('plan_cache_mode', 'force_custom_plan', true)"))


def work_orders(session: Session, actor: Actor, view: View) -> str:
    """Work orders in the box (open ones unless `status` says otherwise) as GeoJSON text."""
    actor.require(*READERS, action="see the dispatch map")
    _tune(session)
    params = {**_bbox_params(view), "org": actor.org_id, "zoom": view.zoom,
              "status": view.status or list(OPEN_STATUSES), "priority": view.priority}
    if view.zoom < CLUSTER_BELOW_ZOOM:
        sql = _CLUSTERS.format(points=_WO_POINTS.format(extra=""), breakdown="statuses")
        params["cell"] = cell_degrees(view.bbox, view.zoom)
    else:
        sql, params["max_points"] = _WO_FEATURES, MAX_POINTS
    return session.execute(text(sql), params).scalar_one()


# Technicians are drawn where they were last seen, else at their home base; `position` says
# which ("live" when the report is fresh, "stale" when older, "home" without any report).
_TECH_POINTS = """
SELECT t.id, CAST(coalesce(t.last_position, t.home_base) AS geometry) AS geom,
       t.state AS category{extra}
FROM technicians t JOIN users u ON u.id = t.user_id
WHERE t.org_id = :org AND u.is_active
  AND (t.last_position && CAST({envelope} AS geography)
       OR (t.last_position IS NULL AND t.home_base && CAST({envelope} AS geography)))
  AND (cardinality(CAST(:state AS text[])) = 0 OR t.state = ANY(CAST(:state AS text[])))
"""

_TECH_FEATURES = """
WITH shown AS ({points} ORDER BY t.id LIMIT :max_points)
SELECT CAST(json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce((SELECT json_agg(json_build_object(
        'type', 'Feature', 'id', s.id,
        'geometry', CAST(ST_AsGeoJSON(s.geom, 6) AS json),
        'properties', json_build_object(
            'kind', 'technician', 'name', s.name, 'state', s.category,
            'position', s.position, 'seen_at', s.seen_at,
            'age_seconds', CAST(extract(epoch FROM CAST(:now AS timestamptz) - s.seen_at)
                                AS integer)))) FROM shown s), '[]'),
    'properties', json_build_object('clustered', false, 'zoom', :zoom,
                                    'count', (SELECT count(*) FROM shown),
                                    'fresh_since', :fresh)) AS text)
"""


def technicians(session: Session, actor: Actor, bbox: tuple[float, float, float, float],
                zoom: int, states: list[str], fresh_minutes: int) -> str:
    """Technicians in the box with their live (or last, or home) position, as GeoJSON text."""
    actor.require(*READERS, action="see the dispatch map")
    _tune(session)
    now = clock.now()
    fresh = now - timedelta(minutes=fresh_minutes)
    params = {**_bbox_params(View(bbox, zoom)), "org": actor.org_id, "zoom": zoom,
              "state": states, "now": now, "fresh": fresh}
    if zoom < CLUSTER_BELOW_ZOOM:
        points = _TECH_POINTS.format(envelope=_ENVELOPE, extra="")
        sql = _CLUSTERS.format(points=points, breakdown="states")
        params["cell"] = cell_degrees(bbox, zoom)
    else:
        extra = (", u.name, t.last_position_at AS seen_at, CASE WHEN t.last_position IS NULL "
                 "THEN 'home' WHEN t.last_position_at >= :fresh THEN 'live' ELSE 'stale' END "
                 "AS position")
        sql = _TECH_FEATURES.format(points=_TECH_POINTS.format(envelope=_ENVELOPE, extra=extra))
        params["max_points"] = MAX_POINTS
    return session.execute(text(sql), params).scalar_one()


_TERRITORIES = """
SELECT CAST(json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(
    json_build_object('type', 'Feature', 'id', tr.id,
                      'geometry', CAST(ST_AsGeoJSON(tr.area, 6) AS json),
                      'properties', json_build_object('kind', 'territory', 'name', tr.name))
    ORDER BY tr.name), '[]')) AS text)
FROM territories tr WHERE tr.org_id = :org
"""


def territories(session: Session, actor: Actor) -> str:
    actor.require(*READERS, action="see the dispatch map")
    return session.execute(text(_TERRITORIES), {"org": actor.org_id}).scalar_one()


def zoom_for(bbox: tuple[float, float, float, float]) -> int:
    """The web-map zoom at which the box is about 1,000 px wide (when the client gives none)."""
    width = max(bbox[2] - bbox[0], 1e-9)
    return max(0, min(22, int(math.log2(360 / width * 1000 / 256))))
