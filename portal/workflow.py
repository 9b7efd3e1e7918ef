"""One declarative way for a model to state its states and transitions.

A workflow is data: states with display names, and transitions naming their source states, target
state, who may take them, which input they require, which event they emit to whom, and which due
dates they open and close. ``Workflow.apply`` does all of it in one transaction::

    REFERRAL_WORKFLOW = Workflow(
        states=ReferralState,
        transitions=[
            Transition("acknowledge", source=["sent"], target="received", label=_("Acknowledge"),
                       allowed=is_receiving_officer, closes=["acknowledge"],
                       opens=[DeadlineSpec("decide", 15)], notify=referring_officers),
        ],
    )
    REFERRAL_WORKFLOW.apply(referral, "acknowledge", actor=user)

Domain services call ``apply`` after making their own changes to the row (which they lock first);
the API and the pages call those services, never ``apply`` around them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from . import audit, deadlines, outbox
from .exceptions import TransitionNotAllowed, ValidationError
from .models import Organization, StateChange, User, content_type_for
from .permissions import Decision, refuse

__all__ = ["Transition", "Workflow", "Effect"]

Allowed = Callable[[User, Any], "bool | Decision"]
Recipients = Callable[[Any], Iterable[User]]
Orgs = Callable[[Any], Iterable[Organization | int]]


@dataclass(frozen=True)
class Effect:
    """A due date a transition opens: the spec, and who must meet it."""

    spec: deadlines.DeadlineSpec
    responsible: Callable[[Any], Organization | None]
    requester: Callable[[Any], Organization | None] = lambda obj: None
    users: Callable[[Any], Iterable[User]] = lambda obj: ()
    label: str = ""


@dataclass(frozen=True)
class Transition:
    name: str
    source: Sequence[str]
    target: str
    label: str
    allowed: Allowed
    requires: Sequence[str] = ()
    notify: Recipients | None = None
    notify_orgs: Orgs | None = None
    event: str | None = None
    opens: Sequence[Effect] = ()
    closes: Sequence[str] | None = ()
    closes_met: bool = True
    pauses: Sequence[str] = ()
    resumes: Sequence[str] = ()
    style: str = "primary"


@dataclass
class Workflow:
    states: type[models.TextChoices]
    transitions: list[Transition]
    field: str = "state"
    event_prefix: str = ""
    link: Callable[[Any], str] = lambda obj: (
        obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
    )
    # ``field`` above is the state field's name, so the dataclasses helper is reached by module.
    _by_name: dict[str, Transition] = dataclasses.field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._by_name = {t.name: t for t in self.transitions}
        valid = set(self.states.values)
        for t in self.transitions:
            unknown = (set(t.source) | {t.target}) - valid
            if unknown:
                raise ValueError(f"transition {t.name} names unknown states {unknown}")

    def __getitem__(self, name: str) -> Transition:
        return self._by_name[name]

    def state_of(self, obj: Any) -> str:
        return getattr(obj, self.field)

    def check(self, obj: Any, name: str, user: User) -> Decision:
        """Whether ``user`` may take transition ``name`` on ``obj`` now, with the reason if not."""
        t = self._by_name.get(name)
        if t is None:
            return Decision(False, _("Unknown action."))
        if self.state_of(obj) not in t.source:
            return Decision(
                False, _("Not possible while the record is “%(state)s”.") % {"state": self.display(obj)}
            )
        if user is None or not user.is_authenticated:
            return Decision(False, _("Sign in first."))
        verdict = t.allowed(user, obj)
        if isinstance(verdict, Decision):
            return verdict
        return Decision(bool(verdict), "" if verdict else _("Your role may not do this."))

    def ensure(self, obj: Any, name: str, user: User) -> None:
        """Refuse now, before the caller validates any input: state first (409), then role (403,
        audited). Services call this where input checks would otherwise answer before the rule."""
        t = self._by_name.get(name)
        if t is None:
            raise TransitionNotAllowed(_("Unknown action “%(name)s”.") % {"name": name})
        if self.state_of(obj) not in t.source:
            raise TransitionNotAllowed(
                _("“%(action)s” is not possible while the record is “%(state)s”.")
                % {"action": t.label, "state": self.display(obj)}
            )
        verdict = self.check(obj, name, user)
        if not verdict:
            raise refuse(user, obj, verdict.reason, action=name)

    def available(self, obj: Any, user: User) -> list[Transition]:
        """The transitions ``user`` may take on ``obj`` now (for buttons on a page)."""
        return [t for t in self.transitions if self.check(obj, t.name, user)]

    def display(self, obj: Any) -> str:
        return str(self.states(self.state_of(obj)).label)

    def apply(
        self,
        obj: Any,
        name: str,
        *,
        actor: User,
        inputs: dict[str, Any] | None = None,
        changed_fields: Iterable[str] = (),
        payload: dict[str, Any] | None = None,
    ) -> Any:
        """Take transition ``name``: check state, permission and required input, change the state,
        record history, audit, emit the event and set or clear due dates, in one transaction.

        ``changed_fields`` are other fields the calling service changed on ``obj`` as part of this
        step; they are saved and audited with the state.
        """
        inputs = inputs or {}
        t = self._by_name.get(name)
        if t is None:
            raise TransitionNotAllowed(_("Unknown action “%(name)s”.") % {"name": name})
        with transaction.atomic():
            current = type(obj)._default_manager.select_for_update().only(self.field).get(pk=obj.pk)
            from_state = getattr(current, self.field)
            if from_state not in t.source:
                raise TransitionNotAllowed(
                    _("“%(action)s” is not possible while the record is “%(state)s”.")
                    % {"action": t.label, "state": self.states(from_state).label}
                )
            verdict = t.allowed(actor, obj) if actor is not None and actor.is_authenticated else False
            if not verdict:
                reason = (
                    verdict.reason
                    if isinstance(verdict, Decision) and verdict.reason
                    else _("Your role may not do this.")
                )
                raise refuse(actor, obj, reason, action=name)
            missing = {
                k: _("This field is required.") for k in t.requires if not str(inputs.get(k) or "").strip()
            }
            if missing:
                raise ValidationError(missing)

            setattr(obj, self.field, t.target)
            fields = list(dict.fromkeys([self.field, *changed_fields]))
            if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
                fields.append("updated_at")
            obj.save(update_fields=fields)

            reason = str(inputs.get("reason") or "")
            StateChange.objects.create(
                content_type=content_type_for(obj),
                object_id=str(obj.pk),
                transition=name,
                from_state=from_state,
                to_state=t.target,
                actor=actor,
                reason=reason,
                data=audit._jsonable({k: v for k, v in inputs.items() if k != "reason"}),
            )
            changes = {self.field: [from_state, t.target]}
            changes.update({f: [None, audit._jsonable(getattr(obj, f, None))] for f in changed_fields})
            audit.record(
                audit.AuditAction.TRANSITION,
                obj,
                actor=actor,
                changes=changes,
                message=f"{name}: {reason}"[:500],
            )

            if t.closes is None:
                deadlines.close_deadlines(obj, None, met=t.closes_met)
            elif t.closes:
                deadlines.close_deadlines(obj, t.closes, met=t.closes_met)
            if t.pauses:
                deadlines.pause_deadlines(obj, t.pauses, actor=actor, reason=reason)
            if t.resumes:
                deadlines.resume_deadlines(obj, t.resumes, actor=actor)
            link = self.link(obj)
            for effect in t.opens:
                responsible = effect.responsible(obj)
                deadlines.open_deadline(
                    obj,
                    effect.spec,
                    label=effect.label or f"{obj}: {effect.spec.label or t.label}",
                    link=link,
                    responsible_organization=responsible,
                    requester_organization=effect.requester(obj),
                    responsible_users=effect.users(obj),
                )

            prefix = self.event_prefix or obj._meta.model_name
            outbox.emit(
                t.event or f"{prefix}.{name}",
                obj=obj,
                actor=actor,
                title=f"{obj}: {t.label} → {self.states(t.target).label}",
                body=reason,
                link=link,
                recipients=t.notify(obj) if t.notify else (),
                organizations=t.notify_orgs(obj) if t.notify_orgs else (),
                payload={"from": from_state, "to": t.target, "transition": name, **(payload or {})},
            )
        return obj
