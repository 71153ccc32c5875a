from django import template

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
