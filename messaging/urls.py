from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("clients/<int:pk>/reminders/", views.message_list, name="messages"),
    path("clients/<int:pk>/reminders/consent/", views.consent_edit, name="consent"),
    path("reminders/stop/<str:token>/", views.opt_out, name="opt_out"),
    path("reminders/twilio/status/", views.sms_status, name="sms_status"),
    path("reminders/twilio/inbound/", views.sms_inbound, name="sms_inbound"),
    path("reminders/postmark/status/", views.email_status, name="email_status"),
]
