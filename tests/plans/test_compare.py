from plans.compare import words


def test_a_changed_phrase_shows_as_one_removal_and_one_addition():
    assert words("I want to cut down my drinking.", "I want to stop drinking during the week.") == [
        ("same", "I want to "), ("del", "cut down my drinking."),
        ("ins", "stop drinking during the week.")]


def test_separate_changes_stay_separate():
    assert words("Go to the group on Tuesday and then ring Sam",
                 "Go to the group on Friday and then ring Jo") == [
        ("same", "Go to the group on "), ("del", "Tuesday"), ("ins", "Friday"),
        ("same", " and then ring "), ("del", "Sam"), ("ins", "Jo")]


def test_texts_with_little_in_common_are_replaced_whole():
    assert words("Register with a GP", "Find a college course") == [
        ("del", "Register with a GP"), ("same", " "), ("ins", "Find a college course")]


def test_unchanged_and_new_text():
    assert words("Same words", "Same words") == [("same", "Same words")]
    assert words("", "New words") == [("ins", "New words")]
