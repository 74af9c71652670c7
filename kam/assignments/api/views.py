"""The assignment endpoints of the REST API: thin adapters over the assignment selectors,
services and proposals (the same rules as the web UI and ``kam assign``).

Refusals: a proposal that cannot be made, decided or applied is a 409 with
``{"detail": message}``; a field refused by a service a 400 naming the field; a write by
someone who is not a director a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kam.accounts.selectors import account_get
from kam.assignments.api.serializers import (
    AccountAssignmentSerializer,
    ApplySerializer,
    LineDecisionSerializer,
    PolicySerializer,
    PortfolioSerializer,
    ProposalDetailSerializer,
    ProposalLineSerializer,
    ProposalSerializer,
    ReassignSerializer,
)
from kam.assignments.models import Proposal
from kam.assignments.policy import EDITABLE_FIELDS, policy_get, policy_update
from kam.assignments.proposals import (
    ProposalError,
    proposal_apply,
    proposal_create,
    proposal_discard,
    proposal_line_decide,
)
from kam.assignments.selectors import (
    account_assignment_state,
    can_manage_assignments,
    portfolio_board,
    proposal_get,
    proposal_line_get,
    proposal_list,
    proposal_review,
    review_line,
)
from kam.assignments.services import account_reassign

CONFLICT = OpenApiResponse(description='{"detail": message}: the proposal refused it.')
REFUSED = OpenApiResponse(description="A field refused: its name and why.")
FORBIDDEN = OpenApiResponse(description="Only a director may do this.")


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def refused(exc: DjangoValidationError) -> ApiValidationError:
    """A service's refusal as a 400 whose keys name the fields."""
    if hasattr(exc, "error_dict"):
        return ApiValidationError(exc.message_dict)
    return ApiValidationError({"detail": exc.messages})


def _require_director(request: Request) -> None:
    if not can_manage_assignments(request.user):
        raise PermissionDenied("only a director may do this")


@extend_schema(
    summary="The portfolio board",
    description="One entry per manager you may see (directors, analysts and marketing: "
    "every manager; a KAM or GAM: themselves and their team): the accounts they lead and "
    "support, their load against capacity and the value they lead.",
    responses={200: PortfolioSerializer(many=True)},
)
class PortfolioBoardView(APIView):
    """``/portfolios/``."""

    def get(self, request: Request) -> Response:
        board = portfolio_board(user=request.user)
        return Response(PortfolioSerializer(board, many=True).data)


PROPOSAL_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(
        summary="List the assignment proposals (newest first)",
        description="Directors and analysts; the list is empty for other roles.",
    ),
    retrieve=extend_schema(
        summary="One proposal with its lines and loads",
        description="Every line (kept ones included), the load per manager today, in the "
        "proposal and as decided; for an infeasible proposal the accounts that cannot be "
        "placed and the capacity missing. 404 for roles that do not review proposals.",
        responses={200: ProposalDetailSerializer},
    ),
    create=extend_schema(
        summary="Make a proposal now (directors)",
        description="Runs the optimiser on the run in force (up to the policy's time limit) "
        "and keeps the proposal open for review; earlier open proposals are superseded. "
        "409 when no proposal can be made (no run in force, a pin against the rules).",
        request=None,
        responses={201: ProposalDetailSerializer, 403: FORBIDDEN, 409: CONFLICT},
    ),
)
class ProposalViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[Proposal]):
    """Assignment proposals: dry runs of the optimiser that a director reviews and applies."""

    queryset = Proposal.objects.none()
    serializer_class = ProposalSerializer
    filterset_fields = ["state", "solver_status"]
    ordering_fields = ["created_at", "id"]

    def get_queryset(self) -> QuerySet[Proposal]:
        return proposal_list(user=self.request.user)

    def _detail(self, proposal: Proposal, status_code: int = status.HTTP_200_OK) -> Response:
        proposal = proposal_get(user=self.request.user, pk=proposal.pk)
        review = proposal_review(user=self.request.user, proposal=proposal, changes_only=False)
        data = ProposalDetailSerializer(proposal, context={"review": review}).data
        return Response(data, status=status_code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _require_director(request)
        try:
            proposal = proposal_create(user=request.user)
        except ProposalError as exc:
            raise Conflict(str(exc)) from None
        return self._detail(proposal, status.HTTP_201_CREATED)

    def _open_for_director(self, request: Request) -> Proposal:
        _require_director(request)  # before the lookup: a KAM gets a 403, not a 404
        return self.get_object()

    @extend_schema(
        summary="Apply the accepted lines (directors)",
        description="All or nothing: every accepted line (or only those of ``lines``) "
        "becomes the assignment, or none does and a 409 says which accounts changed since "
        "or which managers would be over capacity.",
        request=ApplySerializer,
        responses={200: ProposalDetailSerializer, 403: FORBIDDEN, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str | None = None) -> Response:
        proposal = self._open_for_director(request)
        given = ApplySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            proposal = proposal_apply(
                proposal=proposal, user=request.user, line_ids=given.validated_data["lines"]
            )
        except ProposalError as exc:
            raise Conflict(str(exc)) from None
        return self._detail(proposal)

    @extend_schema(
        summary="Discard an open proposal (directors)",
        request=None,
        responses={200: ProposalSerializer, 403: FORBIDDEN, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def discard(self, request: Request, pk: str | None = None) -> Response:
        proposal = self._open_for_director(request)
        try:
            proposal = proposal_discard(proposal=proposal, user=request.user)
        except ProposalError as exc:
            raise Conflict(str(exc)) from None
        return Response(ProposalSerializer(proposal_get(user=request.user, pk=proposal.pk)).data)

    @extend_schema(
        summary="Accept or reject one line (directors)",
        parameters=[OpenApiParameter("line_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=LineDecisionSerializer,
        responses={200: ProposalLineSerializer, 403: FORBIDDEN, 409: CONFLICT},
    )
    @action(detail=True, methods=["patch"], url_path=r"lines/(?P<line_id>\d+)")
    def line(self, request: Request, pk: str | None = None, line_id: str = "") -> Response:
        proposal = self._open_for_director(request)
        given = LineDecisionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            found = proposal_line_get(user=request.user, proposal=proposal, line_id=int(line_id))
        except Http404:
            raise NotFound("No such line in this proposal.") from None
        try:
            found = proposal_line_decide(
                line=found, decision=given.validated_data["decision"], user=request.user
            )
        except ProposalError as exc:
            raise Conflict(str(exc)) from None
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(ProposalLineSerializer(review_line(found)).data)


EXTERNAL_ID = OpenApiParameter(
    "external_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The account's id in your ERP or CRM.",
)


class AccountAssignmentView(APIView):
    """``/accounts/{external_id}/assignment/``."""

    def _account(self, request: Request, external_id: str) -> Any:
        try:
            return account_get(user=request.user, external_id=external_id)
        except Http404:
            raise NotFound("No such account.") from None

    def _state(self, request: Request, account: Any) -> dict[str, Any]:
        state = account_assignment_state(user=request.user, account=account)
        return dict(AccountAssignmentSerializer(state).data)

    @extend_schema(
        summary="An account's lead, support members and history",
        description="404 when the account does not exist or is not yours to see.",
        parameters=[EXTERNAL_ID],
        responses={200: AccountAssignmentSerializer},
    )
    def get(self, request: Request, external_id: str) -> Response:
        return Response(self._state(request, self._account(request, external_id)))

    @extend_schema(
        summary="Reassign the account by hand (directors)",
        description="The manager becomes the lead from now on, with the reason kept in the "
        "history; ``pinned`` makes proposals keep it. 400 naming the field when refused: a "
        "KAM for an international account, a manager who would be over capacity, no reason.",
        parameters=[EXTERNAL_ID],
        request=ReassignSerializer,
        responses={200: AccountAssignmentSerializer, 400: REFUSED, 403: FORBIDDEN},
    )
    def post(self, request: Request, external_id: str) -> Response:
        _require_director(request)
        account = self._account(request, external_id)
        given = ReassignSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        manager = User.objects.filter(username=given.validated_data["manager"]).first()
        if manager is None:
            raise ApiValidationError({"manager": ["no such user"]})
        try:
            account_reassign(
                account=account,
                manager=manager,
                user=request.user,
                reason=given.validated_data["reason"],
                pinned=given.validated_data["pinned"],
            )
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(self._state(request, account))


class AssignmentPolicyView(APIView):
    """``/assignment-policy/``."""

    def _data(self) -> dict[str, Any]:
        return dict(PolicySerializer(policy_get()).data)

    @extend_schema(summary="The assignment policy", responses={200: PolicySerializer})
    def get(self, request: Request) -> Response:
        return Response(self._data())

    @extend_schema(
        summary="Change the assignment policy (directors)",
        description="Any subset of the fields. Nothing is saved unless every field is "
        "valid; the 400 names the field at fault.",
        request=PolicySerializer(partial=True),
        responses={200: PolicySerializer, 400: REFUSED, 403: FORBIDDEN},
    )
    def patch(self, request: Request) -> Response:
        _require_director(request)
        if not isinstance(request.data, dict):
            raise ApiValidationError({"detail": ["send a JSON object of policy fields"]})
        unknown = set(request.data) - set(EDITABLE_FIELDS)
        if unknown:
            raise ApiValidationError(
                {name: ["not a field of the assignment policy"] for name in sorted(unknown)}
            )
        given = PolicySerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        changes = dict(given.validated_data)
        if "size_bands" in request.data:
            # employees stay whole numbers (the serializer reads every number as a float)
            changes["size_bands"] = request.data["size_bands"]
        try:
            policy_update(user=request.user, changes=changes)
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(self._data())
