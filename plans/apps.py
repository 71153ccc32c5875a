from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Support plans")

    def ready(self):
        # The caseload column and the client file's sections (clients.extensions).
        from plans import views

        views.register_extensions()
        register_stage_hooks()


def register_stage_hooks():
    """Tell the stages app what plans know: tagged actions done, a signed plan, five actions
    done. Plans import stages, never the other way (STYLE.md), hence these hooks."""
    from django.db.models import Count
    from django.utils.translation import gettext

    from clients.selectors import in_current_stay
    from keywork.lib import dates
    from plans.models import Action, Plan
    from stages import hooks

    def done_actions(client):
        # Counted once per action across plan versions (a version copies its actions).
        return dict(Action.objects.filter(goal__plan__client=client, need__isnull=False,
                                          outcome=Action.Outcome.DONE)
                    .values("need").annotate(n=Count("key", distinct=True))
                    .values_list("need", "n"))

    def signed_plan(client):
        plan = in_current_stay(Plan.objects.current().filter(client=client)).first()
        if plan is None:
            return None
        return hooks.Answer(gettext("Plan version %(n)s signed on %(day)s") % {
            "n": plan.number, "day": dates.format_day(plan.signed_at)},
            plan.get_absolute_url())

    def five_actions(client):
        done = (Action.objects.filter(goal__plan__client=client,
                                      outcome=Action.Outcome.DONE)
                .values("key").distinct().count())
        if done < 5:
            return None
        plan = Plan.objects.filter(client=client).order_by("-number").first()
        return hooks.Answer(gettext("%(n)s plan actions done") % {"n": done},
                            plan.get_absolute_url() if plan else "")

    hooks.actions_done_by_need[:] = [done_actions]
    hooks.task_answers.update({"signed_plan": signed_plan, "five_actions": five_actions})
