from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("clients/<int:pk>/plan/", views.client_plan, name="client"),
    path("clients/<int:pk>/plan/new/", views.plan_create, name="create"),
    path("clients/<int:pk>/agreement/", views.client_agreement, name="agreement"),
    path("clients/<int:pk>/referrals/new/", views.referral_create, name="referral_create"),
    path("clients/<int:pk>/my-keywork.pdf", views.sheet_pdf, name="sheet_pdf"),
    path("plans/reviews/", views.review_list, name="reviews"),
    path("plans/agreement-text/", views.agreement_template, name="agreement_template"),
    path("plans/<int:pk>/", views.plan_detail, name="detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="edit"),
    path("plans/<int:pk>/goals/new/", views.goal_add, name="goal_add"),
    path("plans/<int:pk>/goals/<int:goal_pk>/", views.goal_edit, name="goal_edit"),
    path("plans/<int:pk>/goals/<int:goal_pk>/delete/", views.goal_delete, name="goal_delete"),
    path("plans/<int:pk>/sign/", views.plan_sign, name="sign"),
    path("plans/<int:pk>/paper/", views.plan_paper_sign, name="paper_sign"),
    path("plans/<int:pk>/paper/scan/", views.plan_paper_file, name="paper_file"),
    path("plans/<int:pk>/revise/", views.plan_revise, name="revise"),
    path("plans/<int:pk>/compare/", views.plan_compare, name="compare"),
    path("plans/<int:pk>/review/", views.plan_review, name="review"),
    path("plans/<int:pk>/manager-review/", views.manager_review, name="manager_review"),
    path("plans/<int:pk>/pdf/", views.plan_pdf, name="pdf"),
    path("plans/actions/<int:pk>/progress/", views.action_progress, name="action_progress"),
    path("plans/milestones/<int:pk>/reached/", views.milestone_reached,
         name="milestone_reached"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement_edit"),
    path("agreements/<int:pk>/sign/", views.agreement_sign, name="agreement_sign"),
    path("agreements/<int:pk>/revise/", views.agreement_revise, name="agreement_revise"),
    path("agreements/<int:pk>/pdf/", views.agreement_pdf, name="agreement_pdf"),
    path("agencies/", views.agency_list, name="agencies"),
    path("agencies/new/", views.agency_create, name="agency_create"),
    path("agencies/<int:pk>/edit/", views.agency_edit, name="agency_edit"),
    path("referrals/<int:pk>/edit/", views.referral_edit, name="referral_edit"),
]
