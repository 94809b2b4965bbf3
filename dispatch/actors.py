"""Who is acting: the authenticated principal every service receives.

Services scope every query by `org_id` and, for technicians and requesters, by their own records;
views never do this themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from dispatch.errors import Forbidden


@dataclass(frozen=True)
class Actor:
    user_id: str
    org_id: str
    role: str
    technician_id: str | None = None
    device_id: str | None = None
    session_id: str | None = None

    @property
    def is_staff(self) -> bool:
        """Sees and edits all work of the organisation."""
        return self.role in ("admin", "dispatcher")

    @property
    def sees_all_work(self) -> bool:
        return self.role in ("admin", "dispatcher", "planner")

    def require(self, *roles: str, action: str = "do this") -> None:
        if self.role not in roles:
            raise Forbidden(f"a {self.role} may not {action}; needs one of: {', '.join(roles)}")


def system_actor(org_id: str) -> Actor:
    """Background jobs act as the system: staff rights, no user, no device."""
    return Actor(user_id="", org_id=org_id, role="admin")
