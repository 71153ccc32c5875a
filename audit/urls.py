from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("accounts/keepalive/", views.keepalive, name="keepalive"),
    path("clients/<int:pk>/access-log/", views.client_access, name="client_access"),
    path("clients/<int:pk>/subject-access/", views.subject_access, name="subject_access"),
]
