"""Human work-order numbers (WO-000123), unique per organisation, gap-free in commit order.

The counter row stays locked until the creating transaction ends, so two creations never get the
same number and a rolled-back creation gives its number back.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from dispatch.models import Counter

PREFIX = "WO-"


def format_number(value: int) -> str:
    return f"{PREFIX}{value:06d}"


def next_number(session: Session, org_id: str) -> str:
    session.execute(insert(Counter).values(org_id=org_id, name="work_order", value=0)
                    .on_conflict_do_nothing())
    value = session.scalar(
        update(Counter).where(Counter.org_id == org_id, Counter.name == "work_order")
        .values(value=Counter.value + 1).returning(Counter.value)
    )
    return format_number(value)
