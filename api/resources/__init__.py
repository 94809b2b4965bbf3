"""Every resource blueprint, registered in one place."""

from __future__ import annotations


def register_all(app, api) -> None:
    from api.resources.assets.routes import blp as assets
    from api.resources.auth.routes import blp as auth
    from api.resources.customers.routes import blp as customers
    from api.resources.health.routes import blp as health
    from api.resources.organisation.routes import blp as organisation
    from api.resources.photos.routes import blp as photos
    from api.resources.photos.routes import files as media_files
    from api.resources.route_plans.routes import blp as route_plans
    from api.resources.sites.routes import blp as sites
    from api.resources.skills.routes import blp as skills
    from api.resources.sync.routes import blp as sync
    from api.resources.technicians.routes import blp as technicians
    from api.resources.uploads.routes import blp as uploads
    from api.resources.users.routes import blp as users
    from api.resources.work_order_types.routes import blp as work_order_types
    from api.resources.work_orders.routes import blp as work_orders

    app.register_blueprint(health)
    for blp in (auth, organisation, work_orders, work_order_types, customers, sites, assets,
                skills, technicians, users, sync, photos, uploads, media_files):
        api.register_blueprint(blp)
    api.register_blueprint(route_plans)
    for blp in parts_blueprints():  # issue #6: spare parts
        api.register_blueprint(blp)
    for blp in availability_blueprints():  # issue #4: availability, dispatch, map, pings
        api.register_blueprint(blp)


def availability_blueprints() -> list:
    from api.resources.candidates.routes import blp as candidates
    from api.resources.dispatch_policies.routes import blp as dispatch_policies
    from api.resources.locations.routes import blp as locations
    from api.resources.map.routes import blp as map_data
    from api.resources.shifts.routes import blp as shifts
    from api.resources.territories.routes import blp as territories

    return [candidates, dispatch_policies, territories, shifts, map_data, locations]


def parts_blueprints() -> list:
    from api.resources.parts.routes import blp as parts
    from api.resources.stock.routes import blp as stock
    from api.resources.stock_reports.routes import blp as stock_reports
    from api.resources.work_order_parts.routes import blp as work_order_parts

    return [parts, stock, stock_reports, work_order_parts]
