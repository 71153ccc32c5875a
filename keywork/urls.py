from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from clients import views as clients_views
from keywork import views

admin.site.site_header = "Keywork administration"
admin.site.site_title = "Keywork"

urlpatterns = [
    path("", clients_views.home, name="home"),
    path("", include("staff.urls")),
    path("", include("clients.urls")),
    path("", include("stages.urls")),
    path("", include("plans.urls")),
    path("", include("diary.urls")),
    path("", include("supervision.urls")),
    path("", include("audit.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
