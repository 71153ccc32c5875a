from staff.templatetags.staff_tags import tel_href


def test_tel_href_drops_the_spaces_a_tel_url_may_not_hold():
    assert tel_href("01632 960 101") == "tel:01632960101"


def test_tel_href_keeps_a_leading_plus_and_drops_punctuation():
    assert tel_href(" +44 7700-900 111 ") == "tel:+447700900111"
