from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    """Account plans (objectives, actions), the health score and the alerts of key
    accounts."""

    name = "kam.plans"
    label = "plans"
    verbose_name = _("Account plans")
