from django.urls import path

from activities import views

app_name = "activities"

urlpatterns = [
    path("groups/", views.activity_list, name="list"),
    path("groups/new/", views.activity_create, name="create"),
    path("groups/<int:pk>/", views.activity_detail, name="detail"),
    path("groups/<int:pk>/edit/", views.activity_edit, name="edit"),
    path("groups/<int:pk>/members/", views.member_add, name="member_add"),
    path("groups/members/<int:pk>/leave/", views.member_leave, name="member_leave"),
    path("groups/<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("groups/sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("groups/sessions/<int:pk>/", views.register, name="register"),
]
