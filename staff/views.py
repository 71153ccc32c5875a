from django.shortcuts import render

from staff.models import User


def home(request):
    """The greeting page: who you are, where you work and who works with you."""
    user = request.user
    sites = user.sites.all()
    colleagues = (
        User.objects.filter(sites__in=sites, is_active=True)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("first_name", "last_name")
    )
    return render(request, "staff/home.html", {"sites": sites, "colleagues": colleagues})
