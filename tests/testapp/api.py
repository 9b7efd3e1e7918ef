from rest_framework import serializers, status
from rest_framework.response import Response

from portal.api.representation import PortalModelSerializer
from portal.api.viewsets import PortalViewSet, TransitionMixin
from portal.models import Organization

from . import services
from .models import Ticket


class TicketSerializer(PortalModelSerializer):
    class Meta:
        model = Ticket
        fields = ["id", "title", "state", "organization", "agency", "province", "restricted", "created_at"]
        read_only_fields = ["state", "organization", "province", "restricted", "created_at"]


class TicketWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    agency = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False)


class TicketViewSet(TransitionMixin, PortalViewSet):
    queryset = Ticket.objects.select_related("organization", "province")
    serializer_class = TicketSerializer
    filterset_fields = ["state"]
    api_scope = "testapp"
    transition_services = {
        "submit": services.submit_ticket,
        "request_info": services.request_info,
        "provide_info": services.provide_info,
        "accept": services.accept_ticket,
        "reject": services.reject_ticket,
    }

    def get_serializer_class(self):
        return TicketWriteSerializer if self.action == "create" else TicketSerializer

    def create(self, request, *args, **kwargs):
        ser = TicketWriteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        ticket = services.create_ticket(actor=request.user, **ser.validated_data)
        return Response(TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)
