from django.urls import path

from attendance import views

app_name = "attendance"

urlpatterns = [
    path("door/", views.register, name="register"),
    path("door/check-in/", views.check_in, name="check_in"),
    path("door/someone-new/", views.visitor_check_in, name="visitor_check_in"),
    path("door/visits/<int:pk>/out/", views.check_out, name="check_out"),
    path("door/register.pdf", views.register_pdf, name="register_pdf"),
    path("clients/<int:pk>/attendance/", views.history, name="history"),
]
