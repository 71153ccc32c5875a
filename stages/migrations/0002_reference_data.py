"""The default support-need areas and needs, and the default stages ladder (DOMAIN.md)."""

from django.db import migrations

AREAS = [
    ("Health", ["Alcohol", "Blood", "Cardiovascular", "Dental", "Digestive", "Drug", "DVT",
                "Emotional", "Epilepsy", "Learning", "Medication", "Physical", "Respiratory",
                "Self-harming", "Senses", "Skin"]),
    ("Life skills", ["Cleaning", "Communication", "Conduct", "Confidence", "Cooking", "Finance",
                     "Independence", "Literacy", "Numeracy", "Personal hygiene",
                     "Prioritising"]),
    ("Relationships", ["Community", "Family", "Friends", "Spouse/partner"]),
    ("Resettlement", ["Resettlement planning", "Emotional health", "Physical health",
                      "Independent living", "Housing knowledge", "Housing responsibility",
                      "Budgeting", "Goal setting", "Income"]),
    ("Vocational", ["Armed forces", "Employment", "Further education", "Training",
                    "Voluntary work"]),
]

WA = True  # "where appropriate"
# (stage, benefit of reaching it, [(task, where appropriate, known from)])
LADDER = [
    ("Probation", "", [
        ("Complete the action plan", False, "signed_plan"),
        ("Have live housing benefit and income benefit", False, ""),
        ("Attend a fitness class or a suitable alternative (if medically fit)", WA, ""),
        ("Register with a GP, a dentist and other appropriate services", False, ""),
        ("Follow all conditions of stay", False, ""),
    ]),
    ("Stage 1", "Full resident status", [
        ("Improved personal hygiene", WA, ""),
        ("Taking medication as prescribed", WA, ""),
        ("A payment plan for any service charge owed", WA, ""),
        ("Complete all cleaning and cooking duties", False, ""),
        ("Attend the weekly action training workshops", False, ""),
    ]),
    ("Stage 2", "No need to return for the evening meal", [
        ("An improving attitude to healthy eating", WA, ""),
        ("At least 5 actions of the action plan completed", False, "five_actions"),
        ("An improving sleeping pattern", WA, ""),
        ("A saving scheme towards moving on", False, ""),
        ("Building bridges with family or loved ones", WA, ""),
    ]),
    ("Stage 3", "Contributes to staff team meetings as assistant spokesperson", [
        ("At least 50 % of the action training workshops completed", False, ""),
        ("Exploring new, healthy ways to have fun", False, ""),
        ("Begun to address arrears from previous accommodation", False, ""),
        ("Good personal hygiene, sleeping pattern and regular exercise", False, ""),
        ("A clear, achievable move-on plan", False, ""),
    ]),
    ("Stage 4", "The organisation pays for a food hygiene course", [
        ("100 % of the action training workshops, and training outside", False, ""),
        ("Cooks a regular evening meal for all residents", False, ""),
        ("Volunteers", False, ""),
        ("Consistently identifies and achieves actions in action-planning meetings", False, ""),
        ("Offers peer support to new or struggling residents and is house spokesperson at "
         "team meetings", False, ""),
    ]),
    ("Stage 5", "Up to one night out per week", [
        ("Sits on the management committee as service-user representative", False, ""),
        ("Completes a back-to-work training programme", False, ""),
        ("Joins the buddying scheme", False, ""),
        ("Has another support network in the community", False, ""),
        ("Taking all appropriate actions to move on", False, ""),
    ]),
    ("Legend", "Up to two nights out per week", []),
]


def load(apps, schema_editor):
    NeedArea = apps.get_model("stages", "NeedArea")
    Need = apps.get_model("stages", "Need")
    Ladder = apps.get_model("stages", "Ladder")
    LadderStage = apps.get_model("stages", "LadderStage")
    LadderTask = apps.get_model("stages", "LadderTask")
    for area_order, (area_name, needs) in enumerate(AREAS):
        area = NeedArea.objects.create(name=area_name, order=area_order)
        for order, name in enumerate(needs):
            Need.objects.create(area=area, name=name, order=order)
    ladder = Ladder.objects.create(version=1, is_current=True, note="The default ladder")
    for stage_order, (name, benefit, tasks) in enumerate(LADDER):
        stage = LadderStage.objects.create(ladder=ladder, order=stage_order, name=name,
                                           benefit=benefit)
        for order, (text, where_appropriate, known_from) in enumerate(tasks):
            LadderTask.objects.create(stage=stage, order=order, text=text,
                                      where_appropriate=where_appropriate, known_from=known_from)


class Migration(migrations.Migration):
    dependencies = [("stages", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
