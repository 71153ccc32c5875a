from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.batch_list, name="list"),
    path("imports/templates/<str:kind>.<str:file_format>", views.template, name="template"),
    path("imports/<int:pk>/", views.batch_detail, name="detail"),
    path("imports/<int:pk>/import/", views.batch_run, name="run"),
    path("imports/<int:pk>/undo/", views.batch_undo, name="undo"),
]
