"""Use cases of the talent app (article 14 of the Tianjin decision: mutual recognition of professional
titles and vocational qualifications, recognition of review results, two-way appointments).

Each function validates, checks permission, locks the rows it changes, writes, audits and emits its
event (or applies the workflow, which does both) in one transaction.
"""

from __future__ import annotations

import csv
import datetime
import io
import secrets
from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import attachments, audit, outbox
from portal.deadlines import rule_for
from portal.exceptions import PermissionDenied, ValidationError
from portal.models import AgencyDomain, Deadline, Organization, OrganizationKind, User
from portal.permissions import require
from portal.system import system_actor
from portal.validators import mask_id_number, normalize_id_number, validate_id_number

from .models import (
    Appointment,
    Certificate,
    Credential,
    CredentialKind,
    Person,
    RecognitionRequest,
    RegistryEntry,
    RegistryImport,
    RequestState,
    TitleLevel,
    TitleSeries,
    id_number_digest,
    mask_name,
)
from .permissions import is_hr_agency_member, may_file, talent_province_id
from .workflows import DECIDE, REQUEST_WORKFLOW, agency_users

__all__ = [
    "PROVINCES",
    "INLINE_IMPORT_ROWS",
    "hr_agency_for",
    "person_get_or_create",
    "registry_lookup",
    "request_file",
    "request_forward",
    "request_acknowledge",
    "request_verify",
    "request_not_verify",
    "request_recognize",
    "request_refuse",
    "request_revoke",
    "request_withdraw",
    "request_attach_evidence",
    "requests_tacitly_recognize",
    "registry_import_start",
    "registry_import_process",
    "appointment_create",
    "certificate_verify",
]

PROVINCES = ("110000", "120000", "130000")
# Files up to this many rows are imported during the upload; larger ones by a Celery job.
INLINE_IMPORT_ROWS = 200


# --------------------------------------------------------------------------- helpers


def hr_agency_for(province_id: str) -> Organization | None:
    """The region's human-resources agency (人社局) that runs recognition."""
    return (
        Organization.objects.filter(
            kind=OrganizationKind.AGENCY,
            agency_domain=AgencyDomain.HUMAN_RESOURCES,
            province_id=province_id,
        )
        .order_by("pk")
        .first()
    )


def _clean_id_number(value: str, field: str = "id_number") -> str:
    number = normalize_id_number(value)
    try:
        validate_id_number(number)
    except DjangoValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    return number


def _province(code: str, field: str) -> str:
    if code not in PROVINCES:
        raise ValidationError({field: _("Choose Beijing, Tianjin or Hebei.")})
    return code


def person_get_or_create(
    *,
    name: str,
    id_number: str,
    contact: str = "",
    employer: Organization | None = None,
    user: User | None = None,
) -> Person:
    """The person with this ID number (found by its keyed hash), created if new (article 14)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"person_name": _("This field is required.")})
    number = _clean_id_number(id_number)
    person = Person.objects.select_for_update().filter(id_number_hash=id_number_digest(number)).first()
    if person is None:
        person = Person(name=name, contact=contact, employer=employer, user=user)
        person.set_id_number(number)
        person.save()
        audit.record(audit.AuditAction.CREATE, person, actor=user, changes=audit.snapshot(person))
        return person
    if person.name.strip() != name:
        raise ValidationError(
            {"person_name": _("The name does not match the name on file for this ID number.")}
        )
    changed = []
    if contact and contact != person.contact:
        person.contact, changed = contact, [*changed, "contact"]
    if employer is not None and person.employer_id is None:
        person.employer, changed = employer, [*changed, "employer"]
    if user is not None and person.user_id is None:
        person.user, changed = user, [*changed, "user"]
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    return person


def registry_lookup(*, credential: Credential) -> RegistryEntry | None:
    """The issuing region's registry entry that confirms ``credential`` (same number, holder and ID
    number, not revoked), if the region has imported its registry (article 14)."""
    entry = (
        RegistryEntry.objects.filter(
            region_id=credential.issuing_region_id, certificate_number=credential.certificate_number
        )
        .select_related("region")
        .first()
    )
    return entry if entry is not None and entry.matches(credential) else None


def _credential_details(
    *,
    kind: str,
    series: TitleSeries | str | None,
    level: str,
    name: str,
    issuing_authority: str,
    certificate_number: str,
    issued_on: datetime.date | str | None,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if kind not in CredentialKind.values:
        errors["kind"] = _("Choose a professional title or a vocational qualification.")
    series_obj = None
    if kind == CredentialKind.TITLE:
        if isinstance(series, TitleSeries):
            series_obj = series
        elif series:
            series_obj = (
                TitleSeries.objects.filter(code=series).first()
                or TitleSeries.objects.filter(name=series).first()
            )
        if series_obj is None:
            errors["series"] = _("Choose the title series.")
        if level not in TitleLevel.values:
            errors["level"] = _("Choose the title level.")
    else:
        level = ""
    if not (name or "").strip():
        errors["name"] = _("This field is required.")
    if not (issuing_authority or "").strip():
        errors["issuing_authority"] = _("This field is required.")
    if not (certificate_number or "").strip():
        errors["certificate_number"] = _("This field is required.")
    if isinstance(issued_on, str):
        try:
            issued_on = datetime.date.fromisoformat(issued_on.strip())
        except ValueError:
            errors["issued_on"] = _("Enter a date as YYYY-MM-DD.")
            issued_on = None
    if issued_on is None and "issued_on" not in errors:
        errors["issued_on"] = _("This field is required.")
    elif issued_on is not None and issued_on > timezone.localdate():
        errors["issued_on"] = _("The date of issue cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "series": series_obj,
        "level": level if kind == CredentialKind.TITLE else "",
        "name": name.strip(),
        "issuing_authority": issuing_authority.strip(),
        "certificate_number": certificate_number.strip(),
        "issued_on": issued_on,
    }


def _ensure_step(req: RecognitionRequest, name: str, actor: User) -> None:
    """State first (409), then role (403, audited), on the stored state, before any input is validated."""
    req.state = RecognitionRequest.objects.values_list("state", flat=True).get(pk=req.pk)
    REQUEST_WORKFLOW.ensure(req, name, actor)


def _locked(req: RecognitionRequest) -> RecognitionRequest:
    return (
        RecognitionRequest.objects.select_for_update(of=("self",))
        .select_related("person", "applicant", "credential", "host_agency", "issuing_agency")
        .get(pk=req.pk)
    )


# --------------------------------------------------------------------------- recognition requests


def request_file(
    *,
    actor: User,
    person_name: str,
    id_number: str,
    contact: str = "",
    for_self: bool = False,
    kind: str,
    series: TitleSeries | str | None = None,
    level: str = "",
    name: str,
    specialty: str = "",
    issuing_region: str,
    issuing_authority: str,
    certificate_number: str,
    issued_on: datetime.date | str | None,
    host_region: str | None = None,
    evidence: Sequence[UploadedFile] = (),
) -> RecognitionRequest:
    """File a request that the host region recognize a credential issued in another region (art. 14).

    If the issuing region's registry confirms the credential it is verified at once; documents
    already on file for the credential are never asked for again.
    """
    decision = may_file(actor)
    if not decision:
        raise PermissionDenied(decision.reason)
    host_region = host_region or actor.province_id or ""
    issuing_region = _province(issuing_region or "", "issuing_region")
    host_region = _province(host_region, "host_region")
    if host_region == issuing_region:
        raise ValidationError(
            {
                "host_region": _(
                    "Recognition is asked of another region than the one that issued the credential."
                )
            }
        )
    details = _credential_details(
        kind=kind,
        series=series,
        level=level,
        name=name,
        issuing_authority=issuing_authority,
        certificate_number=certificate_number,
        issued_on=issued_on,
    )
    host_agency = hr_agency_for(host_region)
    if host_agency is None:
        raise ValidationError(
            {"host_region": _("This region's human-resources agency is not on the portal yet.")}
        )
    issuing_agency = hr_agency_for(issuing_region)
    if issuing_agency is None:
        raise ValidationError(
            {"issuing_region": _("This region's human-resources agency is not on the portal yet.")}
        )
    employer = actor.organization if actor.organization_id else None
    with transaction.atomic():
        person = person_get_or_create(
            name=person_name,
            id_number=id_number,
            contact=contact,
            employer=employer,
            user=actor if for_self else None,
        )
        credential = (
            Credential.objects.select_for_update()
            .filter(issuing_region_id=issuing_region, certificate_number=details["certificate_number"])
            .first()
        )
        if credential is not None and credential.person_id != person.pk:
            raise ValidationError(
                {"certificate_number": _("This certificate number is on file for another holder.")}
            )
        if credential is None:
            credential = Credential.objects.create(
                person=person, issuing_region_id=issuing_region, specialty=specialty.strip(), **details
            )
            audit.record(
                audit.AuditAction.CREATE, credential, actor=actor, changes=audit.snapshot(credential)
            )
        if RecognitionRequest.objects.filter(
            credential=credential,
            host_region_id=host_region,
            state__in=[s for s in RequestState.values if s not in ("refused", "withdrawn", "revoked")],
        ).exists():
            raise ValidationError(
                {"certificate_number": _("A request for this credential in this region is already open.")}
            )
        entry = registry_lookup(credential=credential)
        on_file = attachments.attachments_of(credential).exists()
        if entry is None and not on_file and not evidence:
            raise ValidationError(
                {"evidence": _("Attach the certificate: the issuing region's registry does not list it.")}
            )
        for upload in evidence:
            attachments.attach(credential, upload, actor=actor, purpose="evidence", field="evidence")
        req = RecognitionRequest.objects.create(
            reference=f"TR{timezone.localdate():%Y%m%d}-{secrets.token_hex(3).upper()}",
            person=person,
            credential=credential,
            applicant=actor,
            applicant_organization=employer if not for_self else None,
            host_region_id=host_region,
            issuing_region_id=issuing_region,
            host_agency=host_agency,
            issuing_agency=issuing_agency,
        )
        audit.record(audit.AuditAction.CREATE, req, actor=actor, changes=audit.snapshot(req))
        outbox.emit(
            "talent.request.submitted",
            obj=req,
            actor=actor,
            title=_("Recognition request %(ref)s filed") % {"ref": req.reference},
            link=req.get_absolute_url(),
            recipients=agency_users(host_agency.pk),
            organizations=[host_agency.pk],
            payload={
                "reference": req.reference,
                "host_region": host_region,
                "issuing_region": issuing_region,
            },
        )
        if entry is not None:
            req.registry_entry = entry
            req.verification_note = _("Confirmed by the issuing region's registry.")
            REQUEST_WORKFLOW.apply(
                req, "verify_by_registry", actor=actor, changed_fields=["registry_entry", "verification_note"]
            )
    return req


def request_forward(req: RecognitionRequest, *, actor: User, reason: str = "") -> RecognitionRequest:
    """The host agency asks the issuing region to verify (art. 14); a registry match verifies at once."""
    _ensure_step(req, "request_verification", actor)
    with transaction.atomic():
        req = _locked(req)
        entry = registry_lookup(credential=req.credential)
        if entry is not None and req.state in REQUEST_WORKFLOW["verify_by_registry"].source:
            req.registry_entry = entry
            req.verification_note = _("Confirmed by the issuing region's registry.")
            return REQUEST_WORKFLOW.apply(
                req, "verify_by_registry", actor=actor, changed_fields=["registry_entry", "verification_note"]
            )
        return REQUEST_WORKFLOW.apply(req, "request_verification", actor=actor, inputs={"reason": reason})


def request_acknowledge(req: RecognitionRequest, *, actor: User, reason: str = "") -> RecognitionRequest:
    """The issuing agency acknowledges the verification request (art. 14; 5 working days)."""
    _ensure_step(req, "acknowledge", actor)
    with transaction.atomic():
        return REQUEST_WORKFLOW.apply(_locked(req), "acknowledge", actor=actor, inputs={"reason": reason})


def request_verify(req: RecognitionRequest, *, actor: User, reason: str = "") -> RecognitionRequest:
    """The issuing agency confirms the credential (art. 14; 20 working days)."""
    _ensure_step(req, "verify", actor)
    with transaction.atomic():
        req = _locked(req)
        req.verification_note = reason.strip() or _("Confirmed by the issuing agency.")
        return REQUEST_WORKFLOW.apply(
            req, "verify", actor=actor, inputs={"reason": reason}, changed_fields=["verification_note"]
        )


def request_not_verify(req: RecognitionRequest, *, actor: User, reason: str = "") -> RecognitionRequest:
    """The issuing agency cannot confirm the credential, and says why (art. 14)."""
    _ensure_step(req, "not_verify", actor)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the credential cannot be confirmed.")})
    with transaction.atomic():
        req = _locked(req)
        req.verification_note = reason.strip()
        return REQUEST_WORKFLOW.apply(
            req, "not_verify", actor=actor, inputs={"reason": reason}, changed_fields=["verification_note"]
        )


def _issue_certificate(req: RecognitionRequest, actor: User) -> Certificate:
    cert = Certificate.objects.create(request=req)
    audit.record(audit.AuditAction.CREATE, cert, actor=actor, message=f"certificate {cert.code}")
    return cert


def request_recognize(req: RecognitionRequest, *, actor: User, reason: str = "") -> RecognitionRequest:
    """The host agency recognizes a verified credential without a second review (art. 14) and the
    certificate is issued."""
    _ensure_step(req, "recognize", actor)
    with transaction.atomic():
        req = _locked(req)
        req.decision_reason = reason.strip()
        REQUEST_WORKFLOW.apply(
            req, "recognize", actor=actor, inputs={"reason": reason}, changed_fields=["decision_reason"]
        )
        _issue_certificate(req, actor)
    return req


def request_refuse(req: RecognitionRequest, *, actor: User, reason: str = "") -> RecognitionRequest:
    """The host agency refuses; a verified credential is refused only with a reason (art. 14)."""
    _ensure_step(req, "refuse", actor)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for refusing recognition.")})
    with transaction.atomic():
        req = _locked(req)
        req.decision_reason = reason.strip()
        return REQUEST_WORKFLOW.apply(
            req, "refuse", actor=actor, inputs={"reason": reason}, changed_fields=["decision_reason"]
        )


def request_revoke(req: RecognitionRequest, *, actor: User, reason: str = "") -> RecognitionRequest:
    """The host agency revokes a recognition; verification of its certificate shows it (art. 14)."""
    _ensure_step(req, "revoke", actor)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for revoking the recognition.")})
    with transaction.atomic():
        req = _locked(req)
        REQUEST_WORKFLOW.apply(req, "revoke", actor=actor, inputs={"reason": reason})
        cert = Certificate.objects.select_for_update().get(request=req)
        cert.revoked_at = timezone.now()
        cert.revocation_reason = reason.strip()
        cert.save(update_fields=["revoked_at", "revocation_reason"])
        audit.record(
            audit.AuditAction.UPDATE,
            cert,
            actor=actor,
            changes={"revoked_at": [None, cert.revoked_at]},
            message=reason[:400],
        )
    return req


def request_withdraw(req: RecognitionRequest, *, actor: User, reason: str = "") -> RecognitionRequest:
    """The applicant withdraws a request not yet decided (art. 14)."""
    _ensure_step(req, "withdraw", actor)
    with transaction.atomic():
        return REQUEST_WORKFLOW.apply(_locked(req), "withdraw", actor=actor, inputs={"reason": reason})


def request_attach_evidence(req: RecognitionRequest, *, actor: User, upload: UploadedFile) -> None:
    """Add a document to the request's credential (kept on file for any later request)."""
    require(actor, "attach", req)
    with transaction.atomic():
        attachments.attach(req.credential, upload, actor=actor, purpose="evidence", field="evidence")


def requests_tacitly_recognize(*, now: datetime.datetime | None = None) -> int:
    """Where the host region's rule says a missed decision deadline counts as recognition, recognize
    the verified requests whose deadline has passed (art. 14; the European Professional Card's tacit
    recognition). Returns how many."""
    now = now or timezone.now()
    due = Deadline.objects.filter(
        kind=DECIDE.kind,
        status=Deadline.Status.OPEN,
        due_at__lt=now,
        content_type__app_label="talent",
        content_type__model="recognitionrequest",
    ).values_list("object_id", flat=True)
    done = 0
    actor = None
    for req in RecognitionRequest.objects.filter(pk__in=[int(i) for i in due], state=RequestState.VERIFIED):
        if not rule_for(DECIDE.kind, req.host_region_id, DECIDE).tacit_approval:
            continue
        actor = actor or system_actor()
        with transaction.atomic():
            locked = _locked(req)
            if locked.state != RequestState.VERIFIED:
                continue
            locked.tacit = True
            locked.decision_reason = _("The host region did not decide within its deadline.")
            REQUEST_WORKFLOW.apply(
                locked, "tacit_recognize", actor=actor, changed_fields=["tacit", "decision_reason"]
            )
            _issue_certificate(locked, actor)
        done += 1
    return done


# --------------------------------------------------------------------------- certificates


def certificate_verify(*, code: str, id_number: str = "") -> dict[str, Any] | None:
    """What anyone may learn from a certificate code: validity, the holder's masked name, the
    credential and the date — nothing else. With an ID number, whether it matches (art. 14)."""
    code = (code or "").strip().upper()
    if not code:
        raise ValidationError({"code": _("Enter the verification code.")})
    cert = (
        Certificate.objects.select_related(
            "request__person", "request__credential__series", "request__host_region"
        )
        .filter(code=code)
        .first()
    )
    if cert is None:
        return None
    credential = cert.request.credential
    answer: dict[str, Any] = {
        "code": cert.code,
        "status": "valid" if cert.is_valid else "revoked",
        "valid": cert.is_valid,
        "holder": mask_name(cert.request.person.name),
        "credential": credential.name,
        "credential_kind": credential.get_kind_display(),
        "level": credential.get_level_display() if credential.level else "",
        "recognized_in": cert.request.host_region.name,
        "recognized_on": timezone.localtime(cert.issued_at).date().isoformat(),
        "revoked_on": timezone.localtime(cert.revoked_at).date().isoformat() if cert.revoked_at else None,
        "id_number_matches": None,
    }
    if id_number:
        answer["id_number_matches"] = id_number_digest(id_number) == cert.request.person.id_number_hash
    return answer


# --------------------------------------------------------------------------- registry import

COLUMN_ALIASES = {
    "certificate_number": ["certificate_number", "证书编号"],
    "holder_name": ["holder_name", "name", "姓名"],
    "id_number": ["id_number", "身份证号", "身份证号码"],
    "kind": ["kind", "类别"],
    "series": ["series", "系列"],
    "level": ["level", "级别"],
    "title": ["title", "名称", "职称或职业资格"],
    "specialty": ["specialty", "专业"],
    "issuing_authority": ["issuing_authority", "发证机关"],
    "issued_on": ["issued_on", "发证日期"],
    "revoked": ["revoked", "已撤销"],
}
KIND_ALIASES = {
    "title": "title",
    "职称": "title",
    "qualification": "qualification",
    "职业资格": "qualification",
}
LEVEL_ALIASES = {
    **{v: v for v in TitleLevel.values},
    "正高级": "senior_full",
    "副高级": "senior_deputy",
    "中级": "intermediate",
    "初级": "junior",
}
TRUE_WORDS = {"1", "true", "yes", "y", "是"}


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _read_rows(fh, file_name: str) -> Iterator[dict[str, str]]:
    """Rows of a CSV or .xlsx file as dicts keyed by canonical column names."""
    fh.seek(0)
    if file_name.lower().endswith(".xlsx"):
        import openpyxl

        book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        raw = ([_cell_text(c) for c in row] for row in book.active.iter_rows(values_only=True))
    else:
        data = fh.read()
        if isinstance(data, bytes):
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("gb18030")
        else:
            text = data
        raw = csv.reader(io.StringIO(text))
    header = next(raw, None)
    if header is None:
        return
    lookup = {alias.strip().lower(): key for key, aliases in COLUMN_ALIASES.items() for alias in aliases}
    keys = [lookup.get((h or "").strip().lower()) for h in header]
    for values in raw:
        if not any((v or "").strip() for v in values):
            continue
        yield {k: (v or "").strip() for k, v in zip(keys, values, strict=False) if k}


def _import_row(row: dict[str, str], region_id: str, source: RegistryImport) -> None:
    kind = KIND_ALIASES.get(row.get("kind", "").lower() or row.get("kind", ""), row.get("kind", ""))
    level = LEVEL_ALIASES.get(row.get("level", ""), row.get("level", ""))
    details = _credential_details(
        kind=kind,
        series=row.get("series") or None,
        level=level,
        name=row.get("title", ""),
        issuing_authority=row.get("issuing_authority", ""),
        certificate_number=row.get("certificate_number", ""),
        issued_on=row.get("issued_on") or None,
    )
    holder = row.get("holder_name", "")
    if not holder:
        raise ValidationError({"holder_name": _("This field is required.")})
    number = _clean_id_number(row.get("id_number", ""))
    RegistryEntry.objects.update_or_create(
        region_id=region_id,
        certificate_number=details.pop("certificate_number"),
        defaults={
            **details,
            "holder_name": holder,
            "id_number_hash": id_number_digest(number),
            "id_number_masked": mask_id_number(number),
            "specialty": row.get("specialty", ""),
            "revoked": row.get("revoked", "").lower() in TRUE_WORDS,
            "source": source,
        },
    )


def registry_import_start(*, actor: User, upload: UploadedFile) -> RegistryImport:
    """An issuing region's agency uploads its registry (CSV or Excel) so that verification becomes a
    look-up (art. 14). Small files are imported at once; large ones by a Celery job."""
    region_id = talent_province_id(actor)
    if not (is_hr_agency_member(actor) and region_id in PROVINCES):
        raise PermissionDenied(_("Only a region's human-resources agency may import its registry."))
    name = attachments.safe_name(upload.name)
    if not name.lower().endswith((".csv", ".xlsx")):
        raise ValidationError({"file": _("Upload a .csv or .xlsx file.")})
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": _("The file is too large.")})
    try:
        total = sum(1 for _row in _read_rows(upload, name))
    except Exception:
        raise ValidationError({"file": _("This file cannot be read as CSV or Excel.")}) from None
    if total == 0:
        raise ValidationError({"file": _("The file has no rows below its header.")})
    upload.seek(0)
    with transaction.atomic():
        job = RegistryImport(region_id=region_id, uploaded_by=actor, file_name=name, total=total)
        job.file.save("registry", upload, save=False)
        job.save()
        audit.record(
            audit.AuditAction.CREATE, job, actor=actor, message=f"registry import {name}: {total} rows"
        )
        if total > INLINE_IMPORT_ROWS:
            from .tasks import registry_import_task

            transaction.on_commit(lambda: registry_import_task.delay(job.pk))
    if total <= INLINE_IMPORT_ROWS:
        registry_import_process(import_id=job.pk)
        job.refresh_from_db()
    return job


def registry_import_process(*, import_id: int) -> RegistryImport:
    """Import each row in its own transaction: a bad row is reported and never stops the good ones
    nor half-writes itself (art. 14). Progress is saved as it goes, for the page to show live."""
    with transaction.atomic():
        job = RegistryImport.objects.select_for_update().get(pk=import_id)
        if job.status in (RegistryImport.Status.DONE, RegistryImport.Status.RUNNING):
            return job
        job.status = RegistryImport.Status.RUNNING
        job.save(update_fields=["status"])
    done = succeeded = 0
    errors: list[dict[str, Any]] = []
    try:
        with job.file.open("rb") as fh:
            for number, row in enumerate(_read_rows(fh, job.file_name), start=2):
                try:
                    with transaction.atomic():
                        _import_row(row, job.region_id, job)
                    succeeded += 1
                except ValidationError as exc:
                    for field, messages in exc.message_dict.items():
                        errors.append({"row": number, "field": field, "message": " ".join(messages)})
                except Exception as exc:  # a database refusal of one row
                    errors.append({"row": number, "field": "", "message": str(exc)[:300]})
                done += 1
                if done % 50 == 0:
                    RegistryImport.objects.filter(pk=job.pk).update(
                        done=min(done, job.total), succeeded=succeeded, failed=done - succeeded
                    )
        status = RegistryImport.Status.DONE
    except Exception as exc:
        errors.append({"row": 0, "field": "file", "message": str(exc)[:300]})
        status = RegistryImport.Status.FAILED
    RegistryImport.objects.filter(pk=job.pk).update(
        status=status,
        total=max(job.total, done),
        done=done,
        succeeded=succeeded,
        failed=done - succeeded,
        errors=errors[:5000],
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    audit.record(
        audit.AuditAction.UPDATE,
        job,
        actor=job.uploaded_by,
        message=f"registry import {job.file_name}: {succeeded} imported, {done - succeeded} refused",
    )
    if job.uploaded_by_id:
        outbox.emit(
            "talent.registry_import.finished",
            obj=job,
            title=_("Registry import %(name)s finished: %(ok)d imported, %(bad)d refused")
            % {"name": job.file_name, "ok": succeeded, "bad": done - succeeded},
            link=job.get_absolute_url(),
            recipients=[job.uploaded_by_id],
        )
    return job


# --------------------------------------------------------------------------- appointments


def appointment_create(
    *,
    actor: User,
    person_name: str,
    id_number: str,
    home_organization: Organization | int,
    host_organization: Organization | int,
    role: str,
    start_date: datetime.date | str,
    end_date: datetime.date | str,
) -> Appointment:
    """Record a two-way appointment (双向聘任): a person employed in one region appointed to an
    organization in another, visible to both regions' agencies (art. 14)."""
    errors: dict[str, str] = {}
    home = Organization.objects.filter(pk=getattr(home_organization, "pk", home_organization)).first()
    host = Organization.objects.filter(pk=getattr(host_organization, "pk", host_organization)).first()
    if home is None:
        errors["home_organization"] = _("Choose the employer.")
    if host is None:
        errors["host_organization"] = _("Choose the appointing organization.")
    if home and host and home.province_id == host.province_id:
        errors["host_organization"] = _("A two-way appointment is to an organization in another region.")
    dates = {}
    for field, value in (("start_date", start_date), ("end_date", end_date)):
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                errors[field] = _("Enter a date as YYYY-MM-DD.")
                continue
        if value is None:
            errors[field] = _("This field is required.")
        dates[field] = value
    if not errors and dates["end_date"] < dates["start_date"]:
        errors["end_date"] = _("The term cannot end before it starts.")
    if not (role or "").strip():
        errors["role"] = _("This field is required.")
    if errors:
        raise ValidationError(errors)
    probe = Appointment(
        home_organization=home,
        host_organization=host,
        home_region_id=home.province_id,
        host_region_id=host.province_id,
    )
    require(actor, "create", probe)
    with transaction.atomic():
        person = person_get_or_create(name=person_name, id_number=id_number, employer=home)
        appointment = Appointment.objects.create(
            person=person,
            home_organization=home,
            host_organization=host,
            home_region_id=home.province_id,
            host_region_id=host.province_id,
            role=role.strip(),
            created_by=actor,
            **dates,
        )
        audit.record(audit.AuditAction.CREATE, appointment, actor=actor, changes=audit.snapshot(appointment))
        agencies = [a for a in (hr_agency_for(home.province_id), hr_agency_for(host.province_id)) if a]
        outbox.emit(
            "talent.appointment.created",
            obj=appointment,
            actor=actor,
            title=_("Two-way appointment: %(person)s at %(org)s") % {"person": person, "org": host.name},
            link=appointment.get_absolute_url(),
            recipients=[u for a in agencies for u in agency_users(a.pk)],
            organizations=[a.pk for a in agencies] + [home.pk, host.pk],
            payload={
                "role": appointment.role,
                "start": dates["start_date"].isoformat(),
                "end": dates["end_date"].isoformat(),
            },
        )
    return appointment
