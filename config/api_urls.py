"""The REST API, version 1: every app registers its endpoints on one router."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from kam.accounts.api.views import AccountViewSet
from kam.sales.api.views import ImportBatchViewSet

router = DefaultRouter()
router.register("accounts", AccountViewSet, basename="account")
router.register("import-batches", ImportBatchViewSet, basename="import-batch")

urlpatterns = router.urls
