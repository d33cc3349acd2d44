"""What the main menu shows a person, by their roles."""

from django.http import HttpRequest

from balie.desk.models import TAALHUIS_SPECIALISMS
from balie.orgs.accounts import TEAM_KEEPERS
from balie.orgs.models import Organisation, Role
from balie.security.idle import idle_seconds
from balie.security.verification import may_use_two_factor, needs_code

LEADING_ROLES = (Role.ADVISER, Role.MANAGER, Role.SPECIALIST, Role.EDITOR, Role.ADMIN)


def navigation(request: HttpRequest) -> dict:
    user = request.user
    if not user.is_authenticated:
        return {}
    if needs_code(request):  # halfway through logging in: only the code page, no menu
        return {"code_owed": True}
    memberships = user.active_memberships
    in_library = any(m.organisation.kind == Organisation.Kind.LIBRARY for m in memberships)
    return {
        # The desk: staff of a library count referrals and read the library's offer.
        "show_desk": in_library,
        "show_taalhuis": any(
            m.role == Role.SPECIALIST and m.specialism in TAALHUIS_SPECIALISMS for m in memberships
        ),
        "show_cohorts": user.is_superuser or user.has_role(*LEADING_ROLES),
        "show_directory": bool(user.active_memberships),
        # The insights dashboards: managers, POI advisers and national roles.
        "show_insights": user.is_superuser
        or user.has_role(Role.MANAGER, Role.ADVISER, Role.EDITOR, Role.ADMIN),
        "show_two_factor": may_use_two_factor(user),
        # "Ons team": a library's managers and specialists keep its staff (orgs/accounts.py).
        "show_team": user.has_role(*TEAM_KEEPERS),
        "logout_after_seconds": idle_seconds(),
    }
