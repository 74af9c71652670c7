"""Values every page template needs: the navigation for the user's roles."""

from __future__ import annotations

from django.http import HttpRequest

from kam.core.roles import can_import, can_view_imports, is_director, sees_all_accounts


def kam_navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_can_import": can_import(user),
        "nav_can_view_imports": can_view_imports(user),
        "nav_is_director": is_director(user),
        "nav_sees_all": sees_all_accounts(user),
    }
