"""`in` on integer columns without the numbers the database cannot hold.

Django 5.0 made `exact`, `lt`, `gt` and the others match nothing for such a number
(ticket #27397) but left `in` out: on SQLite, `pk__in=[99999999999999999999]` raises
OverflowError. A form's multiple choice of records (ModelMultipleChoiceField, the admin's
too) asks exactly that of whatever a browser posts, so a made-up id was a server error.
"""

from django.db.models import IntegerField
from django.db.models.lookups import In


class IntegerFieldIn(In):
    """The numbers out of the column's range are dropped: no row holds them."""

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(
                self.lhs.output_field.get_internal_type())
            self.rhs = [value for value in self.rhs if not isinstance(value, int)
                        or ((low is None or value >= low) and (high is None or value <= high))]
        return super().process_rhs(compiler, connection)


def register():
    IntegerField.register_lookup(IntegerFieldIn)
