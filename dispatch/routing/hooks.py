"""What other use cases tell route optimisation. Kept free of imports at module level so the
work-order service can call it without an import cycle (plans use that service to apply)."""

from __future__ import annotations

from sqlalchemy.orm import Session


def work_assigned(session: Session, wo) -> None:
    """Urgent work given to a technician re-plans their day when it follows an applied plan."""
    if wo.priority == "urgent" and wo.assignee_id:
        from dispatch.routing import plans
        plans.reoptimise_for(session, wo.assignee_id, f"urgent {wo.number} assigned",
                             work_order_id=wo.id)
