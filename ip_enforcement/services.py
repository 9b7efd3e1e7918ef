"""Use cases of IP enforcement cooperation (article 17 of the Tianjin decision of 2023-11-29: case-clue
referral, investigation and evidence collection, assistance with enforcement and joint enforcement
between the regions). Each function validates, checks permission, locks what it changes, writes,
and audits/emits (directly or through the workflow) in one transaction."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import attachments, audit, deadlines, outbox
from portal.exceptions import PermissionDenied, TransitionNotAllowed, ValidationError
from portal.models import Deadline, Organization, OrganizationKind, Region, User, content_type_for
from portal.permissions import require
from portal.validators import normalize_uscc, validate_id_number, validate_uscc

from .models import (
    AssistanceKind,
    AssistanceRequest,
    Case,
    CaseAgency,
    CaseSource,
    CaseState,
    Evidence,
    EvidenceAccess,
    InfringementType,
    IPType,
    JointOperation,
    JournalEntry,
    OperationTask,
    Outcome,
    Referral,
    ReferralState,
)
from .permissions import ENFORCEMENT_DOMAINS, is_complainant, is_enforcement_officer
from .workflows import (
    ASSISTANCE_WORKFLOW,
    DECISION_EXTENSION_DAYS,
    OPERATION_WORKFLOW,
    REFERRAL_DECIDE,
    REFERRAL_WORKFLOW,
)

__all__ = [
    "create_case",
    "file_complaint",
    "close_case",
    "refer_case",
    "acknowledge_referral",
    "start_appraisal",
    "end_appraisal",
    "accept_referral",
    "return_referral",
    "forward_referral",
    "start_investigation",
    "conclude_referral",
    "extend_referral_decision",
    "request_assistance",
    "acknowledge_assistance",
    "accept_assistance",
    "decline_assistance",
    "answer_assistance",
    "add_evidence",
    "download_evidence",
    "verify_evidence_integrity",
    "log_evidence_views",
    "add_journal_entry",
    "create_operation",
    "start_operation",
    "conclude_operation",
    "record_task_result",
    "REFERRAL_TRANSITIONS",
    "ASSISTANCE_TRANSITIONS",
    "OPERATION_TRANSITIONS",
]


# --------------------------------------------------------------------------- helpers


def _number(prefix: str, province_id: str) -> str:
    return f"{prefix}{province_id[:2]}-{timezone.localdate():%Y%m%d}-{secrets.token_hex(3).upper()}"


def _text(value: Any) -> str:
    return str(value or "").strip()


def _required(errors: dict, field: str, value: Any, max_length: int | None = None) -> str:
    text = _text(value)
    if not text:
        errors[field] = _("This field is required.")
    elif max_length and len(text) > max_length:
        errors[field] = _("At most %(n)d characters.") % {"n": max_length}
    return text


def _choice(errors: dict, field: str, value: Any, choices) -> str:
    text = _text(value)
    if text not in choices.values:
        errors[field] = _("Choose one of: %(values)s.") % {"values": ", ".join(choices.values)}
    return text


def _uscc(errors: dict, field: str, value: Any) -> str:
    text = normalize_uscc(_text(value))
    if text:
        try:
            validate_uscc(text)
        except DjangoValidationError as exc:
            errors[field] = exc.messages[0]
    return text


def _agency(errors: dict, field: str, value: Any) -> Organization | None:
    """An IP or market-regulation agency, by id or instance."""
    if isinstance(value, Organization):
        org = value
    else:
        try:
            org = Organization.objects.get(pk=int(value))
        except (TypeError, ValueError, Organization.DoesNotExist):
            errors[field] = _("Choose an existing agency.")
            return None
    if org.kind != OrganizationKind.AGENCY or org.agency_domain not in ENFORCEMENT_DOMAINS:
        errors[field] = _("Choose an intellectual-property or market-regulation agency.")
        return None
    return org


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _require_officer(user: User) -> None:
    if not is_enforcement_officer(user):
        audit.record(
            audit.AuditAction.PERMISSION_DENIED, None, actor=user, message="ip_enforcement: not an officer"
        )
        raise PermissionDenied(_("Only officers of IP or market-regulation agencies may do this."))


def _involve(case: Case, org: Organization, role: str) -> None:
    CaseAgency.objects.get_or_create(
        case=case, organization=org, defaults={"province_id": org.province_id, "role": role}
    )


def _case_fields(data: dict[str, Any], errors: dict) -> dict[str, Any]:
    region = data.get("place_region")
    if region not in (None, "") and not isinstance(region, Region):
        region = Region.objects.filter(pk=str(region)).first()
        if region is None:
            errors["place_region"] = _("Choose an existing region.")
    id_number = _text(data.get("infringer_id_number")).upper()
    if id_number:
        try:
            validate_id_number(id_number)
        except DjangoValidationError as exc:
            errors["infringer_id_number"] = exc.messages[0]
    return {
        "ip_type": _choice(errors, "ip_type", data.get("ip_type"), IPType),
        "infringement_type": _choice(
            errors, "infringement_type", data.get("infringement_type"), InfringementType
        ),
        "title": _required(errors, "title", data.get("title"), 200),
        "summary": _required(errors, "summary", data.get("summary")),
        "place": _text(data.get("place"))[:200],
        "place_region": region or None,
        "right_holder_name": _required(errors, "right_holder_name", data.get("right_holder_name"), 200),
        "right_holder_uscc": _uscc(errors, "right_holder_uscc", data.get("right_holder_uscc")),
        "infringer_name": _required(errors, "infringer_name", data.get("infringer_name"), 200),
        "infringer_uscc": _uscc(errors, "infringer_uscc", data.get("infringer_uscc")),
        "_id_number": id_number,
    }


def _save_case(fields: dict[str, Any], **extra) -> Case:
    id_number = fields.pop("_id_number")
    case = Case(**fields, **extra)
    case.set_infringer_id_number(id_number)
    case.number = _number("IPC", case.province_id)
    case.save()
    return case


# --------------------------------------------------------------------------- cases


def create_case(*, actor: User, **data: Any) -> Case:
    """Art. 17: an agency records an IP case (or case clue) it handles."""
    _require_officer(actor)
    errors: dict[str, str] = {}
    fields = _case_fields(data, errors)
    _raise(errors)
    agency = actor.organization
    with transaction.atomic():
        case = _save_case(fields, agency=agency, province_id=agency.province_id, created_by=actor)
        _involve(case, agency, "handling")
        audit.record(
            audit.AuditAction.CREATE,
            case,
            actor=actor,
            changes=audit.snapshot(case, ["number", "ip_type", "title"]),
        )
        outbox.emit(
            "ip.case.created",
            obj=case,
            actor=actor,
            title=_("New IP case %(number)s") % {"number": case.number},
            link=case.get_absolute_url(),
            organizations=[agency],
            payload={"number": case.number, "ip_type": case.ip_type},
        )
    return case


def file_complaint(*, actor: User, agency: Organization | int, **data: Any) -> Case:
    """Art. 17: a right holder files a complaint with an agency; it becomes a case clue there."""
    if not is_complainant(actor):
        audit.record(audit.AuditAction.PERMISSION_DENIED, None, actor=actor, message="ip complaint")
        raise PermissionDenied(_("Only members of an enterprise or institution may file a complaint."))
    errors: dict[str, str] = {}
    org = _agency(errors, "agency", agency)
    fields = _case_fields(data, errors)
    _raise(errors)
    with transaction.atomic():
        case = _save_case(
            fields,
            agency=org,
            province_id=org.province_id,
            source=CaseSource.COMPLAINT,
            complainant_organization_id=actor.organization_id,
            created_by=actor,
        )
        _involve(case, org, "handling")
        audit.record(audit.AuditAction.CREATE, case, actor=actor, message="complaint")
        outbox.emit(
            "ip.case.complaint",
            obj=case,
            actor=actor,
            title=_("Complaint received: %(title)s") % {"title": case.title},
            link=case.get_absolute_url(),
            recipients=User.objects.filter(organization=org, is_active=True),
            organizations=[org],
            payload={"number": case.number, "ip_type": case.ip_type},
        )
    return case


def close_case(case: Case, *, actor: User, reason: str = "") -> Case:
    """Art. 17: the handling agency closes its case."""
    require(actor, "close", case)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.state != CaseState.OPEN:
            raise TransitionNotAllowed(_("The case is already closed."))
        case.state = CaseState.CLOSED
        case.save(update_fields=["state", "updated_at"])
        audit.record(
            audit.AuditAction.TRANSITION,
            case,
            actor=actor,
            changes={"state": ["open", "closed"]},
            message=reason,
        )
        outbox.emit(
            "ip.case.closed",
            obj=case,
            actor=actor,
            title=_("Case closed: %(number)s") % {"number": case.number},
            body=reason,
            link=case.get_absolute_url(),
            organizations=list(case.involved.values_list("organization_id", flat=True)),
        )
    return case


# --------------------------------------------------------------------------- referrals


def refer_case(
    *, actor: User, case: Case, to_agency: Organization | int, reason: str, parent: Referral | None = None
) -> Referral:
    """Art. 17 线索移送: refer a case clue to another region's agency with jurisdiction."""
    _require_officer(actor)
    errors: dict[str, str] = {}
    org = _agency(errors, "to_agency", to_agency)
    reason = _required(errors, "reason", reason)
    if org is not None and org.pk == actor.organization_id:
        errors["to_agency"] = _("Refer to another agency than your own.")
    _raise(errors)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if parent is None:
            require(actor, "refer", case)
        if case.state != CaseState.OPEN:
            raise TransitionNotAllowed(_("A closed case cannot be referred."))
        if Referral.objects.filter(
            case=case,
            to_agency=org,
            state__in=[
                ReferralState.SENT,
                ReferralState.RECEIVED,
                ReferralState.APPRAISAL,
                ReferralState.ACCEPTED,
                ReferralState.INVESTIGATING,
            ],
        ).exists():
            raise ValidationError({"to_agency": _("This case is already referred to that agency.")})
        from_agency = actor.organization
        referral = Referral.objects.create(
            number=_number("IPR", from_agency.province_id),
            case=case,
            from_agency=from_agency,
            to_agency=org,
            from_province_id=from_agency.province_id,
            to_province_id=org.province_id,
            parent=parent,
            reason=reason,
            sent_by=actor,
        )
        _involve(case, org, "referral")
        audit.record(audit.AuditAction.CREATE, referral, actor=actor, message=f"to {org.pk}")
        REFERRAL_WORKFLOW.apply(
            referral,
            "send",
            actor=actor,
            inputs={"reason": reason},
            payload={"number": referral.number, "case": case.number},
        )
    return referral


def _referral_step(
    referral: Referral,
    name: str,
    *,
    actor: User,
    inputs: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
) -> Referral:
    with transaction.atomic():
        locked = (
            Referral.objects.select_for_update()
            .select_related("from_agency", "to_agency")
            .get(pk=referral.pk)
        )
        for field, value in (changes or {}).items():
            setattr(locked, field, value)
        REFERRAL_WORKFLOW.apply(
            locked,
            name,
            actor=actor,
            inputs=inputs or {},
            changed_fields=list(changes or {}),
            payload={"number": locked.number},
        )
    return locked


def acknowledge_referral(referral: Referral, *, actor: User) -> Referral:
    """Art. 17: the receiving agency acknowledges receipt (within 3 working days)."""
    return _referral_step(referral, "acknowledge", actor=actor)


def start_appraisal(referral: Referral, *, actor: User, reason: str = "") -> Referral:
    """Art. 17: time for testing, appraisal or identification does not count towards the 立案 decision."""
    return _referral_step(referral, "start_appraisal", actor=actor, inputs={"reason": _text(reason)})


def end_appraisal(referral: Referral, *, actor: User, reason: str = "") -> Referral:
    """Art. 17: appraisal done; the 立案 decision clock runs again."""
    return _referral_step(referral, "end_appraisal", actor=actor, inputs={"reason": _text(reason)})


def accept_referral(
    referral: Referral,
    *,
    actor: User,
    received_case_number: str = "",
    returned_part: str = "",
    reason: str = "",
) -> Referral:
    """Art. 17: the receiving agency opens a case (立案) under its own number; it may return part of the clue."""
    number = _text(received_case_number)
    if len(number) > 64:
        raise ValidationError({"received_case_number": _("At most %(n)d characters.") % {"n": 64}})
    return _referral_step(
        referral,
        "accept",
        actor=actor,
        inputs={
            "received_case_number": number,
            "reason": _text(reason),
            "returned_part": _text(returned_part),
        },
        changes={"received_case_number": number, "returned_part": _text(returned_part)} if number else {},
    )


def return_referral(referral: Referral, *, actor: User, reason: str = "") -> Referral:
    """Art. 17: the receiving agency returns the clue with its reason."""
    reason = _text(reason)
    return _referral_step(
        referral,
        "return",
        actor=actor,
        inputs={"reason": reason},
        changes={"return_reason": reason} if reason else {},
    )


def forward_referral(referral: Referral, *, actor: User, to_agency: Any = None, reason: str = "") -> Referral:
    """Art. 17: the receiving agency forwards the clue to the competent agency; a new referral starts there."""
    errors: dict[str, str] = {}
    reason = _required(errors, "reason", reason)
    org = _agency(errors, "to_agency", to_agency) if to_agency not in (None, "") else None
    if to_agency in (None, ""):
        errors["to_agency"] = _("This field is required.")
    if org is not None and org.pk in (referral.to_agency_id, referral.from_agency_id):
        errors["to_agency"] = _("Forward to a third agency.")
    _raise(errors)
    with transaction.atomic():
        done = _referral_step(
            referral, "forward", actor=actor, inputs={"reason": reason, "to_agency": org.pk}
        )
        refer_case(actor=actor, case=done.case, to_agency=org, reason=reason, parent=done)
    return done


def start_investigation(referral: Referral, *, actor: User, reason: str = "") -> Referral:
    """Art. 17 调查取证: the receiving agency investigates the case it opened."""
    return _referral_step(referral, "investigate", actor=actor, inputs={"reason": _text(reason)})


def conclude_referral(
    referral: Referral,
    *,
    actor: User,
    outcome: str = "",
    feedback: str = "",
    penalty_amount: Any = None,
    reason: str = "",
) -> Referral:
    """Art. 17: the receiving agency concludes (penalty, mediation, public security, not established) and
    gives feedback to the referring agency."""
    errors: dict[str, str] = {}
    outcome = _text(outcome)
    if outcome and outcome not in Outcome.values:
        errors["outcome"] = _("Choose one of: %(values)s.") % {"values": ", ".join(Outcome.values)}
    amount = None
    if penalty_amount not in (None, ""):
        try:
            amount = Decimal(str(penalty_amount)).quantize(Decimal("0.01"))
            if amount < 0 or amount >= Decimal("1e12"):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["penalty_amount"] = _("Enter an amount in yuan, not negative.")
    _raise(errors)
    feedback = _text(feedback)
    changes: dict[str, Any] = {}
    if outcome and feedback:
        changes = {"outcome": outcome, "feedback": feedback, "penalty_amount": amount}
    return _referral_step(
        referral,
        "conclude",
        actor=actor,
        inputs={"outcome": outcome, "feedback": feedback, "reason": _text(reason)},
        changes=changes,
    )


def extend_referral_decision(referral: Referral, *, actor: User, reason: str = "") -> Deadline:
    """Art. 17: the 立案 decision may be extended once by 15 working days, with a reason."""
    require(actor, "extend", referral)
    with transaction.atomic():
        d = (
            Deadline.objects.select_for_update()
            .filter(
                content_type=content_type_for(referral),
                object_id=str(referral.pk),
                kind=REFERRAL_DECIDE.kind,
                status__in=[Deadline.Status.OPEN, Deadline.Status.PAUSED],
            )
            .first()
        )
        if d is None:
            raise TransitionNotAllowed(_("There is no open decision deadline to extend."))
        d = deadlines.extend_deadline(d, days=DECISION_EXTENSION_DAYS, actor=actor, reason=_text(reason))
        outbox.emit(
            "ip.referral.extended",
            obj=referral,
            actor=actor,
            title=_("%(number)s: decision deadline extended") % {"number": referral.number},
            body=_text(reason),
            link=referral.get_absolute_url(),
            recipients=User.objects.filter(organization_id=referral.from_agency_id, is_active=True),
            organizations=[referral.from_agency_id, referral.to_agency_id],
            payload={"number": referral.number, "due_at": d.due_at.isoformat()},
        )
    return d


# --------------------------------------------------------------------------- assistance requests


def request_assistance(
    *, actor: User, case: Case, to_agency: Organization | int, kind: str, actions: str
) -> AssistanceRequest:
    """Art. 17 调查取证 / 协助执行: ask another region's agency to act in its region."""
    _require_officer(actor)
    errors: dict[str, str] = {}
    org = _agency(errors, "to_agency", to_agency)
    kind = _choice(errors, "kind", kind, AssistanceKind)
    actions = _required(errors, "actions", actions)
    if org is not None and org.pk == actor.organization_id:
        errors["to_agency"] = _("Ask another agency than your own.")
    _raise(errors)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        require(actor, "request_assistance", case)
        from_agency = actor.organization
        req = AssistanceRequest.objects.create(
            number=_number("IPA", from_agency.province_id),
            case=case,
            kind=kind,
            from_agency=from_agency,
            to_agency=org,
            from_province_id=from_agency.province_id,
            to_province_id=org.province_id,
            actions=actions,
            sent_by=actor,
        )
        _involve(case, org, "assistance")
        audit.record(audit.AuditAction.CREATE, req, actor=actor, message=f"to {org.pk}")
        ASSISTANCE_WORKFLOW.apply(req, "send", actor=actor, payload={"number": req.number, "kind": kind})
    return req


def _assistance_step(
    req: AssistanceRequest, name: str, *, actor: User, inputs=None, changes=None
) -> AssistanceRequest:
    with transaction.atomic():
        locked = AssistanceRequest.objects.select_for_update().get(pk=req.pk)
        for field, value in (changes or {}).items():
            setattr(locked, field, value)
        ASSISTANCE_WORKFLOW.apply(
            locked,
            name,
            actor=actor,
            inputs=inputs or {},
            changed_fields=list(changes or {}),
            payload={"number": locked.number},
        )
    return locked


def acknowledge_assistance(req: AssistanceRequest, *, actor: User) -> AssistanceRequest:
    """Art. 17: the requested agency acknowledges receipt (within 3 working days)."""
    return _assistance_step(req, "acknowledge", actor=actor)


def accept_assistance(req: AssistanceRequest, *, actor: User, reason: str = "") -> AssistanceRequest:
    """Art. 17: the requested agency agrees to act."""
    return _assistance_step(req, "accept", actor=actor, inputs={"reason": _text(reason)})


def decline_assistance(req: AssistanceRequest, *, actor: User, reason: str = "") -> AssistanceRequest:
    """Art. 17: the requested agency declines, with its reason."""
    reason = _text(reason)
    return _assistance_step(
        req,
        "decline",
        actor=actor,
        inputs={"reason": reason},
        changes={"decline_reason": reason} if reason else {},
    )


def answer_assistance(
    req: AssistanceRequest,
    *,
    actor: User,
    findings: str = "",
    files: list[UploadedFile] | tuple = (),
    reason: str = "",
) -> AssistanceRequest:
    """Art. 17: the requested agency answers with its findings and evidence."""
    findings = _text(findings)
    with transaction.atomic():
        done = _assistance_step(
            req,
            "answer",
            actor=actor,
            inputs={"findings": findings, "reason": _text(reason)},
            changes={"findings": findings} if findings else {},
        )
        for upload in files:
            add_evidence(
                actor=actor,
                case=done.case,
                upload=upload,
                description=_("Findings of %(n)s") % {"n": done.number},
                assistance_request=done,
            )
    return done


# --------------------------------------------------------------------------- evidence and journal


def add_evidence(
    *,
    actor: User,
    case: Case,
    upload: UploadedFile | None,
    description: str,
    assistance_request: AssistanceRequest | None = None,
) -> Evidence:
    """Art. 17 调查取证: store an evidence file with its SHA-256, logged."""
    errors: dict[str, str] = {}
    description = _required(errors, "description", description, 300)
    if upload is None:
        errors["file"] = _("Choose a file.")
    _raise(errors)
    require(actor, "add_evidence", case)
    with transaction.atomic():
        att = attachments.attach(case, upload, actor=actor, purpose="evidence")
        ev = Evidence.objects.create(
            case=case,
            attachment=att,
            description=description,
            assistance_request=assistance_request,
            organization_id=actor.organization_id,
            uploaded_by=actor,
        )
        EvidenceAccess.objects.create(
            evidence=ev,
            user=actor,
            organization_id=actor.organization_id,
            action=EvidenceAccess.Action.UPLOAD,
        )
        outbox.emit(
            "ip.evidence.added",
            obj=case,
            actor=actor,
            title=_("%(number)s: evidence added") % {"number": case.number},
            link=case.get_absolute_url(),
            organizations=list(case.involved.values_list("organization_id", flat=True)),
            payload={"evidence": ev.pk, "sha256": att.sha256},
        )
    return ev


def download_evidence(*, actor: User, evidence: Evidence):
    """Art. 17: an evidence file is served only after its SHA-256 matches the one from upload; every
    download and every failed check is in the evidence log. Raises attachments.IntegrityFailure."""
    require(actor, "download", evidence)
    try:
        response = attachments.open_verified(evidence.attachment, actor=actor)
    except attachments.IntegrityFailure:
        with transaction.atomic():
            EvidenceAccess.objects.create(
                evidence=evidence,
                user=actor,
                organization_id=actor.organization_id,
                action=EvidenceAccess.Action.INTEGRITY_FAILURE,
            )
            outbox.emit(
                "ip.evidence.integrity_failure",
                obj=evidence.case,
                actor=actor,
                title=_("Evidence file altered: %(name)s") % {"name": evidence.attachment.original_name},
                link=evidence.case.get_absolute_url(),
                recipients=User.objects.filter(organization_id=evidence.organization_id, is_active=True),
                organizations=[evidence.organization_id],
                payload={"evidence": evidence.pk},
            )
        raise
    EvidenceAccess.objects.create(
        evidence=evidence,
        user=actor,
        organization_id=actor.organization_id,
        action=EvidenceAccess.Action.DOWNLOAD,
    )
    return response


def verify_evidence_integrity(*, evidence_ids: list[int]) -> list[int]:
    """Art. 17: re-check stored evidence files against their SHA-256 from upload (a periodic sweep);
    each altered file is audited and reported to the agency that uploaded it. Returns the altered ids."""
    import hashlib

    altered: list[int] = []
    for ev in Evidence.objects.filter(pk__in=evidence_ids).select_related("attachment", "case"):
        digest = hashlib.sha256()
        try:
            with ev.attachment.file.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1024 * 1024), b""):
                    digest.update(chunk)
            ok = digest.hexdigest() == ev.attachment.sha256
        except OSError:
            ok = False
        if ok:
            continue
        altered.append(ev.pk)
        with transaction.atomic():
            audit.record(
                audit.AuditAction.DOWNLOAD, ev.case, message=f"INTEGRITY FAILURE evidence {ev.pk} (sweep)"
            )
            outbox.emit(
                "ip.evidence.integrity_failure",
                obj=ev.case,
                title=_("Evidence file altered: %(name)s") % {"name": ev.attachment.original_name},
                link=ev.case.get_absolute_url(),
                recipients=User.objects.filter(organization_id=ev.organization_id, is_active=True),
                organizations=[ev.organization_id],
                payload={"evidence": ev.pk},
            )
    return altered


def log_evidence_views(*, actor: User, evidence: list[Evidence]) -> None:
    """Art. 17: viewing a case's evidence list is logged per file."""
    EvidenceAccess.objects.bulk_create(
        [
            EvidenceAccess(
                evidence=e,
                user=actor,
                organization_id=actor.organization_id,
                action=EvidenceAccess.Action.VIEW,
            )
            for e in evidence
        ]
    )


def add_journal_entry(
    *, actor: User, case: Case, text: str, kind: str = JournalEntry.Kind.COMMENT
) -> JournalEntry:
    """Art. 17: a comment or action in the case journal, for the agencies involved."""
    errors: dict[str, str] = {}
    text = _required(errors, "text", text, 5000)
    kind = _choice(errors, "kind", kind or JournalEntry.Kind.COMMENT, JournalEntry.Kind)
    _raise(errors)
    require(actor, "add_journal", case)
    with transaction.atomic():
        entry = JournalEntry.objects.create(
            case=case, kind=kind, text=text, author=actor, organization_id=actor.organization_id
        )
        audit.record(audit.AuditAction.CREATE, entry, actor=actor)
        outbox.emit(
            "ip.journal.added",
            obj=case,
            actor=actor,
            title=_("%(number)s: new journal entry") % {"number": case.number},
            link=case.get_absolute_url(),
            organizations=list(case.involved.values_list("organization_id", flat=True)),
            payload={"entry": entry.pk},
        )
    return entry


# --------------------------------------------------------------------------- joint operations


def create_operation(
    *,
    actor: User,
    title: str,
    targets: str,
    starts_on: Any,
    ends_on: Any,
    tasks: list[dict[str, Any]],
    case: Case | None = None,
) -> JointOperation:
    """Art. 17 联合执法: the lead agency plans a joint operation with agencies of other regions."""
    _require_officer(actor)
    errors: dict[str, str] = {}
    title = _required(errors, "title", title, 200)
    targets = _required(errors, "targets", targets)
    dates = {}
    for field, value in (("starts_on", starts_on), ("ends_on", ends_on)):
        if isinstance(value, datetime.date):
            dates[field] = value
        else:
            try:
                dates[field] = datetime.date.fromisoformat(_text(value))
            except ValueError:
                errors[field] = _("Enter a date as YYYY-MM-DD.")
    if len(dates) == 2 and dates["ends_on"] < dates["starts_on"]:
        errors["ends_on"] = _("The operation cannot end before it starts.")
    task_rows = []
    for i, row in enumerate(tasks or []):
        row_errors: dict[str, str] = {}
        org = _agency(row_errors, "agency", row.get("agency"))
        desc = _required(row_errors, "description", row.get("description"))
        if row_errors:
            errors.update({f"tasks.{i}.{k}": v for k, v in row_errors.items()})
        else:
            task_rows.append((org, desc))
    if not tasks:
        errors["tasks"] = _("Give at least one task.")
    elif not errors and len({actor.organization.province_id, *(o.province_id for o, _d in task_rows)}) < 2:
        errors["tasks"] = _("A joint operation involves agencies of at least two regions.")
    _raise(errors)
    if case is not None:
        require(actor, "refer", case)
    with transaction.atomic():
        op = JointOperation.objects.create(
            title=title,
            case=case,
            lead_agency=actor.organization,
            targets=targets,
            starts_on=dates["starts_on"],
            ends_on=dates["ends_on"],
            created_by=actor,
        )
        for org, desc in task_rows:
            OperationTask.objects.create(operation=op, agency=org, description=desc)
            if case is not None:
                _involve(case, org, "operation")
        audit.record(audit.AuditAction.CREATE, op, actor=actor)
        outbox.emit(
            "ip.operation.created",
            obj=op,
            actor=actor,
            title=_("Joint operation planned: %(title)s") % {"title": op.title},
            link=op.get_absolute_url(),
            recipients=User.objects.filter(organization_id__in=[o.pk for o, _d in task_rows], is_active=True),
            organizations=[actor.organization_id, *(o.pk for o, _d in task_rows)],
        )
    return op


def start_operation(op: JointOperation, *, actor: User, reason: str = "") -> JointOperation:
    """Art. 17 联合执法: the lead agency starts the operation."""
    with transaction.atomic():
        locked = JointOperation.objects.select_for_update().get(pk=op.pk)
        OPERATION_WORKFLOW.apply(locked, "start", actor=actor, inputs={"reason": _text(reason)})
    return locked


def conclude_operation(
    op: JointOperation, *, actor: User, summary: str = "", reason: str = ""
) -> JointOperation:
    """Art. 17 联合执法: the lead agency concludes with a summary of results."""
    summary = _text(summary)
    with transaction.atomic():
        locked = JointOperation.objects.select_for_update().get(pk=op.pk)
        if summary:
            locked.summary = summary
        OPERATION_WORKFLOW.apply(
            locked,
            "conclude",
            actor=actor,
            inputs={"summary": summary, "reason": _text(reason)},
            changed_fields=["summary"] if summary else [],
        )
    return locked


def record_task_result(task: OperationTask, *, actor: User, result: str) -> OperationTask:
    """Art. 17 联合执法: an agency records the result of its task."""
    errors: dict[str, str] = {}
    result = _required(errors, "result", result)
    _raise(errors)
    with transaction.atomic():
        locked = OperationTask.objects.select_for_update().select_related("operation").get(pk=task.pk)
        if not is_enforcement_officer(actor) or locked.agency_id != actor.organization_id:
            audit.record(
                audit.AuditAction.PERMISSION_DENIED, locked.operation, actor=actor, message="task result"
            )
            raise PermissionDenied(_("Only the agency given this task may record its result."))
        if locked.operation.state != "underway":
            raise TransitionNotAllowed(_("Results are recorded while the operation is under way."))
        before = audit.snapshot(locked, ["result", "done_at"])
        locked.result, locked.done_at = result, timezone.now()
        locked.save(update_fields=["result", "done_at"])
        audit.record(
            audit.AuditAction.UPDATE,
            locked.operation,
            actor=actor,
            changes=audit.diff(before, audit.snapshot(locked, ["result", "done_at"])),
        )
        outbox.emit(
            "ip.operation.task_result",
            obj=locked.operation,
            actor=actor,
            title=_("%(title)s: task result recorded") % {"title": locked.operation.title},
            link=locked.operation.get_absolute_url(),
            recipients=User.objects.filter(organization_id=locked.operation.lead_agency_id, is_active=True),
            organizations=[locked.operation.lead_agency_id],
            payload={"task": locked.pk},
        )
    return locked


# The step services by transition name, for the API's TransitionMixin and the pages.
REFERRAL_TRANSITIONS = {
    "acknowledge": acknowledge_referral,
    "start_appraisal": start_appraisal,
    "end_appraisal": end_appraisal,
    "accept": accept_referral,
    "return": return_referral,
    "forward": forward_referral,
    "investigate": start_investigation,
    "conclude": conclude_referral,
}
ASSISTANCE_TRANSITIONS = {
    "acknowledge": acknowledge_assistance,
    "accept": accept_assistance,
    "decline": decline_assistance,
    "answer": answer_assistance,
}
OPERATION_TRANSITIONS = {"start": start_operation, "conclude": conclude_operation}
