"""Account API (to be written)."""

from __future__ import annotations

from rest_framework import viewsets

from kam.accounts.models import Account
from kam.accounts.selectors import account_list


class AccountViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Account.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return account_list(user=self.request.user)
