from django.urls import path

from cases.api import views as v

urlpatterns = [
    path("cases/", v.CaseListCreateApi.as_view(), name="cases-api-list"),
    path("cases/<int:pk>/", v.CaseDetailApi.as_view(), name="cases-api-detail"),
    path("cases/<int:pk>/notify/", v.CaseNotifyApi.as_view(), name="cases-api-notify"),
    path("cases/<int:pk>/compare/", v.CaseCompareApi.as_view(), name="cases-api-compare"),
    path("cases/<int:pk>/update/", v.CaseUpdateApi.as_view(), name="cases-api-update"),
    path("cases/<int:pk>/requests/", v.CaseRequestApi.as_view(), name="cases-api-request"),
    path("inbound/", v.InboundListApi.as_view(), name="inbound-api-list"),
    path("inbound/<int:pk>/", v.InboundDetailApi.as_view(), name="inbound-api-detail"),
    path("inbound/<int:pk>/assign/", v.InboundAssignApi.as_view(), name="inbound-api-assign"),
    path("inbound/<int:pk>/requests/", v.InboundRequestApi.as_view(), name="inbound-api-request"),
    path("inbound/<int:pk>/respond/", v.InboundRespondApi.as_view(), name="inbound-api-respond"),
    path("inbound/<int:pk>/forward/", v.InboundForwardApi.as_view(), name="inbound-api-forward"),
    path(
        "inbound/<int:pk>/takedown-status/",
        v.InboundTakedownStatusApi.as_view(),
        name="inbound-api-takedown-status",
    ),
    path("requests/", v.RequestListApi.as_view(), name="requests-api-list"),
    path("requests/<int:pk>/", v.RequestDetailApi.as_view(), name="requests-api-detail"),
    path("takedowns/", v.TakedownListCreateApi.as_view(), name="takedowns-api-list"),
    path("takedowns/statistics/", v.TakedownStatisticsApi.as_view(), name="takedowns-api-stats"),
    path("takedowns/<int:pk>/", v.TakedownDetailApi.as_view(), name="takedowns-api-detail"),
    path("mirror-proposals/", v.ProposalListApi.as_view(), name="proposals-api-list"),
    path("mirror-proposals/<int:pk>/join/", v.ProposalJoinApi.as_view(), name="proposals-api-join"),
]
