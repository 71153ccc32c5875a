from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("clients/", views.client_list, name="list"),
    path("clients/new/", views.client_create, name="create"),
    path("clients/pick/", views.pick, name="pick"),
    path("clients/keyworkers/", views.keyworker_list, name="keyworkers"),
    path("clients/keyworkers/<int:user_pk>/limit/", views.keyworker_limit, name="keyworker_limit"),
    path("clients/keyworkers/<int:user_pk>/transfer/", views.caseload_transfer, name="transfer"),
    path("clients/<int:pk>/", views.client_detail, name="detail"),
    path("clients/<int:pk>/photo/", views.client_photo, name="photo"),
    path("clients/<int:pk>/edit/", views.client_edit, name="edit"),
    path("clients/<int:pk>/admit/", views.client_admit, name="admit"),
    path("clients/<int:pk>/activate/", views.client_activate, name="activate"),
    path("clients/<int:pk>/end/", views.client_end, name="end"),
    path("clients/<int:pk>/move/", views.client_move, name="move"),
    path("clients/<int:pk>/reopen/", views.client_reopen, name="reopen"),
    path("clients/<int:pk>/close-referral/", views.client_close_referral,
         name="close_referral"),
    path("clients/<int:pk>/induction/<int:item_pk>/", views.induction_tick, name="induction_tick"),
    path("clients/<int:pk>/allocate/", views.client_allocate, name="allocate"),
    path("clients/<int:pk>/co-keyworker/", views.client_co_keyworker, name="co_keyworker"),
    path("clients/<int:pk>/cover/", views.client_cover, name="cover"),
    path("clients/<int:pk>/allocations/<int:allocation_pk>/end/", views.allocation_end,
         name="allocation_end"),
]
