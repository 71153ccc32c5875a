from django.urls import path

from diary import absence_views, calendar_views, views

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
    # Calendars that sync (diary/calendar_views.py).
    path("diary/calendar/", calendar_views.calendar, name="calendar"),
    path("diary/calendar/turn-on/", calendar_views.calendar_on, name="calendar_on"),
    path("diary/calendar/replace/", calendar_views.calendar_replace, name="calendar_replace"),
    path("diary/calendar/turn-off/", calendar_views.calendar_off, name="calendar_off"),
    path("diary/sessions/<int:pk>/calendar.ics", calendar_views.session_ics,
         name="session_ics"),
    # No login: the secret in the address is the key.
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("calendar/session/<str:key>.ics", calendar_views.session_calendar_link,
         name="session_calendar_link"),
]
