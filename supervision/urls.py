from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/unallocated/", views.unallocated, name="unallocated"),
    path("dashboard/<slug:key>/", views.dashboard_list, name="dashboard_list"),
    path("reports/", views.report, name="report"),
    path("reports/export.<slug:file_format>", views.report_export, name="report_export"),
    path("notifications/", views.notification_list, name="notifications"),
    path("supervision/", views.supervision_list, name="list"),
    path("supervision/<int:pk>/", views.supervision_detail, name="detail"),
    path("supervision/<int:pk>/actions/", views.action_add, name="action_add"),
    path("supervision/<int:pk>/actions/<int:action_pk>/done/", views.action_done,
         name="action_done"),
    path("supervision/<int:pk>/sign/", views.supervision_sign, name="sign"),
    path("supervision/<int:pk>/confirm/", views.supervision_confirm, name="confirm"),
    path("supervision/<int:pk>/addenda/", views.addendum_add, name="addendum"),
    path("clients/<int:pk>/accountability/", views.case_accountability, name="accountability"),
]
