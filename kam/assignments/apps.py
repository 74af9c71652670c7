from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssignmentsConfig(AppConfig):
    name = "kam.assignments"
    label = "assignments"
    verbose_name = _("Assignments")
