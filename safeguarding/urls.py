from django.urls import path

from safeguarding import views

app_name = "safeguarding"

urlpatterns = [
    path("safeguarding/", views.incident_list, name="list"),
    path("safeguarding/new/", views.incident_raise, name="raise"),
    path("safeguarding/<int:pk>/", views.incident_detail, name="detail"),
    path("safeguarding/<int:pk>/review/", views.incident_review, name="review"),
    path("safeguarding/<int:pk>/close/", views.incident_close, name="close"),
    path("safeguarding/bans/", views.ban_list, name="bans"),
    path("clients/<int:pk>/bans/new/", views.ban_add, name="ban_add"),
    path("safeguarding/bans/<int:pk>/review/", views.ban_review, name="ban_review"),
    path("safeguarding/bans/<int:pk>/lift/", views.ban_lift, name="ban_lift"),
]
