from django.urls import path

from stages import views

app_name = "stages"

urlpatterns = [
    path("clients/<int:pk>/assessments/", views.assessment_list, name="assessments"),
    path("clients/<int:pk>/assessments/new/", views.assessment_create, name="assessment_create"),
    path("clients/<int:pk>/assessments/radar.svg", views.chart_radar, name="chart_radar"),
    path("clients/<int:pk>/assessments/line.svg", views.chart_line, name="chart_line"),
    path("clients/<int:pk>/assessments/<int:assessment_pk>/", views.assessment_detail,
         name="assessment_detail"),
    path("clients/<int:pk>/assessments/<int:assessment_pk>/edit/", views.assessment_edit,
         name="assessment_edit"),
    path("clients/<int:pk>/ladder/", views.ladder, name="ladder"),
    path("clients/<int:pk>/ladder/tasks/<int:task_pk>/", views.evidence_create,
         name="evidence_create"),
    path("clients/<int:pk>/ladder/promote/", views.stage_promote, name="promote"),
    path("clients/<int:pk>/ladder/demote/", views.stage_demote, name="demote"),
    path("clients/<int:pk>/evidence/<int:evidence_pk>/file/", views.evidence_file,
         name="evidence_file"),
    path("ladder/registers/", views.register_tasks, name="register_tasks"),
    path("ladder/registers/<int:pk>/remove/", views.register_task_remove,
         name="register_task_remove"),
    path("assessments/settings/", views.assessment_settings, name="settings"),
    path("clients/<int:pk>/portfolio/", views.portfolio, name="portfolio"),
    path("clients/<int:pk>/portfolio.pdf", views.portfolio_pdf, name="portfolio_pdf"),
    path("clients/<int:pk>/portfolio/<int:item_pk>/file/", views.portfolio_file,
         name="portfolio_file"),
]
