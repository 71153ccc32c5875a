from django import template

from stages.models import Rating

register = template.Library()


@register.filter
def signed(value):
    """A change in points with its sign, e.g. "+12.5" or "−3.0"; "—" when unknown."""
    if value is None or value == "":
        return "—"
    number = float(value)
    if number > 0:
        return f"+{number:.1f}"
    if number < 0:
        return f"−{abs(number):.1f}"
    return "0.0"


@register.inclusion_tag("stages/includes/rating_key.html")
def rating_key(level=2):
    """"What the ratings mean": every rating of the stage-of-change scale with its score
    and its description (stages.models.Rating), under a heading of `level`."""
    return {"ratings": list(Rating), "level": level}
