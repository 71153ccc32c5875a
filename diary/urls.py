from django.urls import path

from diary import absence_views, views

app_name = "diary"

urlpatterns = [
    path("diary/", views.week, name="week"),
    path("diary/today/", views.today, name="today"),
    path("diary/today/count/", views.due_count, name="due_count"),
    path("diary/staff/<int:user_pk>/", views.worker_week, name="worker_week"),
    path("diary/site/<int:site_pk>/", views.site_week, name="site_week"),
    path("diary/book/", views.book, name="book"),
    path("diary/out/", views.out_now, name="out"),
    path("diary/settings/", views.diary_settings, name="settings"),
    path("diary/sessions/<int:pk>/", views.session_detail, name="session"),
    path("diary/sessions/<int:pk>/move/", views.session_edit, name="edit"),
    path("diary/sessions/<int:pk>/log/", views.session_log, name="log"),
    path("diary/sessions/<int:pk>/cancel/", views.session_cancel, name="cancel"),
    path("clients/<int:pk>/expected-sessions/", views.cadence, name="cadence"),
    path("diary/sessions/<int:pk>/addendum/", views.addendum_add, name="addendum"),
    path("diary/sessions/<int:pk>/strike/", views.session_strike, name="strike"),
    path("diary/sessions/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("diary/sessions/<int:pk>/risk-dealt-with/", views.risk_resolve, name="risk_resolve"),
    path("diary/sessions/<int:pk>/approval/", views.session_approval, name="session_approval"),
    path("diary/contacts/<int:pk>/approval/", views.contact_approval, name="contact_approval"),
    path("clients/<int:pk>/contacts/", views.contact_log, name="contact_log"),
    path("diary/contacts/<int:pk>/strike/", views.contact_strike, name="contact_strike"),
    # Staff absence and cover (diary/absence_views.py).
    path("diary/absences/", absence_views.absence_list, name="absences"),
    path("diary/absences/new/", absence_views.absence_new, name="absence_new"),
    path("diary/absences/<int:pk>/cover/", absence_views.absence_cover, name="absence_cover"),
    path("diary/absences/<int:pk>/cancel/", absence_views.absence_cancel,
         name="absence_cancel"),
]
