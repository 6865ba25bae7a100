from django.urls import path, register_converter

from cases.api import views as v


class IdConverter:
    """Any integer-looking id (negative too), so that every malformed id reaches the view
    and gets the API's JSON 404 instead of the site's HTML page."""

    regex = "-?[0-9]{1,19}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: object) -> str:
        return str(value)


register_converter(IdConverter, "caseid")

urlpatterns = [
    path("cases/", v.CaseListCreateApi.as_view(), name="cases-api-list"),
    path("cases/<caseid:pk>/", v.CaseDetailApi.as_view(), name="cases-api-detail"),
    path("cases/<caseid:pk>/notify/", v.CaseNotifyApi.as_view(), name="cases-api-notify"),
    path("cases/<caseid:pk>/compare/", v.CaseCompareApi.as_view(), name="cases-api-compare"),
    path("cases/<caseid:pk>/update/", v.CaseUpdateApi.as_view(), name="cases-api-update"),
    path("cases/<caseid:pk>/requests/", v.CaseRequestApi.as_view(), name="cases-api-request"),
    path("cases/<caseid:pk>/match/", v.CaseMatchApi.as_view(), name="cases-api-match"),
    path("cases/<caseid:pk>/export/", v.CaseExportApi.as_view(), name="cases-api-export"),
    path("threads/<uuid:thread>/", v.ThreadApi.as_view(), name="threads-api-detail"),
    path("inbound/", v.InboundListApi.as_view(), name="inbound-api-list"),
    path("inbound/<caseid:pk>/", v.InboundDetailApi.as_view(), name="inbound-api-detail"),
    path("inbound/<caseid:pk>/assign/", v.InboundAssignApi.as_view(), name="inbound-api-assign"),
    path(
        "inbound/<caseid:pk>/requests/", v.InboundRequestApi.as_view(), name="inbound-api-request"
    ),
    path("inbound/<caseid:pk>/respond/", v.InboundRespondApi.as_view(), name="inbound-api-respond"),
    path("inbound/<caseid:pk>/forward/", v.InboundForwardApi.as_view(), name="inbound-api-forward"),
    path(
        "inbound/<caseid:pk>/takedown-status/",
        v.InboundTakedownStatusApi.as_view(),
        name="inbound-api-takedown-status",
    ),
    path("requests/", v.RequestListApi.as_view(), name="requests-api-list"),
    path("requests/<caseid:pk>/", v.RequestDetailApi.as_view(), name="requests-api-detail"),
    path("takedowns/", v.TakedownListCreateApi.as_view(), name="takedowns-api-list"),
    path("takedowns/statistics/", v.TakedownStatisticsApi.as_view(), name="takedowns-api-stats"),
    path("takedowns/<caseid:pk>/", v.TakedownDetailApi.as_view(), name="takedowns-api-detail"),
    path("mirror-proposals/", v.ProposalListApi.as_view(), name="proposals-api-list"),
    path(
        "mirror-proposals/<caseid:pk>/join/", v.ProposalJoinApi.as_view(), name="proposals-api-join"
    ),
]
