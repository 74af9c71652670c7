from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    """KPIs of a period (computed by :mod:`kam.domain.kpis`) and the targets set for them."""

    name = "kam.kpis"
    label = "kpis"
    verbose_name = _("KPIs")
