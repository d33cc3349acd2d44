"""What the main menu shows a person, by their roles."""

from django.http import HttpRequest

from balie.orgs.models import Role

LEADING_ROLES = (Role.ADVISER, Role.MANAGER, Role.SPECIALIST, Role.EDITOR, Role.ADMIN)


def navigation(request: HttpRequest) -> dict:
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "show_cohorts": user.is_superuser or user.has_role(*LEADING_ROLES),
        "show_directory": bool(user.active_memberships),
        # The insights dashboards: managers, POI advisers and national roles.
        "show_insights": user.is_superuser
        or user.has_role(Role.MANAGER, Role.ADVISER, Role.EDITOR, Role.ADMIN),
    }
