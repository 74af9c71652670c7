"""The assignment pages: portfolio board, proposals, an account's assignment, policy."""

from django.urls import path

from kam.assignments import views

app_name = "assignments"
urlpatterns = [
    path("", views.board_view, name="board"),
    path("proposals/", views.proposal_list_view, name="proposals"),
    path("proposals/new/", views.proposal_create_view, name="propose"),
    path("proposals/<int:pk>/", views.proposal_detail_view, name="proposal"),
    path("proposals/<int:pk>/apply/", views.proposal_apply_view, name="apply"),
    path("proposals/<int:pk>/discard/", views.proposal_discard_view, name="discard"),
    path(
        "proposals/<int:pk>/lines/<int:line_id>/",
        views.proposal_line_view,
        name="line",
    ),
    path("policy/", views.policy_view, name="policy"),
    # External ids come from ERPs and may contain slashes: the path converter keeps them,
    # so the actions come before the section itself.
    path(
        "accounts/<path:external_id>/reassign/",
        views.account_reassign_view,
        name="reassign",
    ),
    path("accounts/<path:external_id>/pin/", views.account_pin_view, name="pin"),
    path("accounts/<path:external_id>/", views.account_assignment_view, name="account"),
]
