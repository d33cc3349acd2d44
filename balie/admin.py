"""Other packages' models in the management site: only what an administrator uses, in Dutch."""

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResult

# django-axes: the attempts that lock a login (an administrator lifts a lock by deleting one).
# Its access and failure logs stay empty (AXES_DISABLE_ACCESS_LOG; logins are audited on the
# balie.security log), so they are not shown.
apps.get_app_config("axes").verbose_name = _("Login lockouts")
admin.site.unregister(AccessLog)
admin.site.unregister(AccessFailureLog)
admin.site.unregister(AccessAttempt)
# The task queue's rows are the worker's business (`balie db_worker`, its log), and their
# fields have no names but English ones.
admin.site.unregister(DBTaskResult)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
    """Axes' own page, with Dutch names for the two columns it computes."""

    @admin.display(description=_("Expires at"))
    def expiration(self, attempt: AccessAttempt):
        return super().expiration(attempt)

    @admin.display(description=_("Status"))
    def status(self, attempt: AccessAttempt):
        return super().status(attempt)
