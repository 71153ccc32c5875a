from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path
from two_factor import urls as two_factor_urls

from keywork import views
from staff import views as staff_views

admin.site.site_header = "Keywork administration"


@login_not_required
def admin_login(request, extra_context=None):
    """The admin's own login would skip the second factor: use Keywork's."""
    return redirect_to_login(request.GET.get("next", "/admin/"))


admin.site.login = admin_login
admin.site.site_title = "Keywork"

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("staff.urls")),
    path("", include("clients.urls")),
    path("", include("safeguarding.urls")),
    path("", include("attendance.urls")),
    path("", include("activities.urls")),
    path("", include("stages.urls")),
    path("", include("plans.urls")),
    path("", include("diary.urls")),
    path("", include("messaging.urls")),
    path("", include("portal.urls")),
    path("", include("supervision.urls")),
    path("", include("audit.urls")),
    path("", include("imports.urls")),
    # django-two-factor-auth's setup, QR code, backup codes and profile pages (its login
    # is staff.views.LoginView, at the usual address).
    path("", include(([p for p in two_factor_urls.core[1:] if p.name != "setup"]
                      + [path("account/two_factor/setup/", staff_views.SetupView.as_view(),
                              name="setup")]
                      + two_factor_urls.profile, "two_factor"))),
    path("help/glossary/", views.glossary, name="glossary"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

# A database that cannot be reached, or refuses a write, gets a 503 page that shows the
# person what they sent; every other error the 500 page.
handler400 = "keywork.views.bad_request"
handler500 = "keywork.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
