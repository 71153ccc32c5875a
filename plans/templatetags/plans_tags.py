from django import template

from plans import selectors

register = template.Library()


@register.filter
def review_date(plan):
    """The plan version's one review date (plans.selectors.review_date)."""
    return selectors.review_date(plan)
