from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("clients/<int:pk>/my-page/", views.access_edit, name="access"),
    path("clients/<int:pk>/my-page/link/", views.link_send, name="send_link"),
    path("client-notes/<int:pk>/", views.note_detail, name="note"),
    path("me/", views.home, name="home"),
    path("me/tell/", views.tell, name="tell"),
    path("me/cant-make-it/", views.cant_make_it, name="cant_make_it"),
    path("me/sign-in/", views.sign_in, name="sign_in"),
    path("me/sign-in/code/", views.code, name="code"),
    path("me/sign-in/link/<str:token>/", views.link, name="link"),
    path("me/sign-out/", views.sign_out, name="sign_out"),
]
