from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("accounts/keepalive/", views.keepalive, name="keepalive"),
]
