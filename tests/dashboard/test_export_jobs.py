"""Background exports: a real Celery worker writes the .xlsx with the list's filters applied, the page
shows its progress (polled with htmx), and the inbox gets the download link."""

import io

import openpyxl
import pytest
from django.urls import reverse

from portal import export_jobs
from portal.models import ExportJob, Notification
from tests.conftest import wait_for
from tests.dashboard import dataset
from tests.factories import official


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_background_export_with_progress_download_and_inbox(client, celery_worker):
    dataset.build()
    officer = official("130000")  # Hebei's voucher claims are visible to Hebei's officials
    client.force_login(officer)
    response = client.post(
        reverse("dashboard:export_start"),
        {"export_key": "vouchers.claims", "provider_region": "110000"},
    )
    assert response.status_code == 302
    job = ExportJob.objects.get(user=officer)
    assert response["Location"] == reverse("dashboard:export_detail", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'id="export-progress"' in page

    wait_for(lambda: ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.DONE, timeout=60)
    job.refresh_from_db()
    assert job.progress == 100
    assert job.total == job.done == 2  # the two claims spent at Beijing providers; the filter held
    progress = client.get(reverse("dashboard:export_progress", args=[job.pk])).content.decode()
    assert "hx-get" not in progress  # done: polling stops
    assert reverse("dashboard:export_download", args=[job.pk]) in progress

    download = client.get(reverse("dashboard:export_download", args=[job.pk]))
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert len(rows) == 3
    assert {r[6] for r in rows[1:]} == {"110000"}

    note = wait_for(lambda: Notification.objects.filter(user=officer).first(), timeout=30)
    assert note.link == reverse("dashboard:export_download", args=[job.pk])


@pytest.mark.django_db
def test_pending_job_polls_and_is_private(client):
    owner = official("110000")
    job = ExportJob.objects.create(user=owner, name="x", export_key="portal.deadlines", total=1000, done=250)
    client.force_login(owner)
    html = client.get(reverse("dashboard:export_progress", args=[job.pk])).content.decode()
    assert "hx-get" in html and 'aria-valuenow="25"' in html
    assert client.get(reverse("dashboard:export_download", args=[job.pk])).status_code == 404
    client.force_login(official("110000"))
    assert client.get(reverse("dashboard:export_detail", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_unknown_export_is_refused():
    with pytest.raises(export_jobs.ValidationError):
        export_jobs.start(user=official("110000"), export_key="nope")


@pytest.mark.django_db
def test_run_writes_the_file_and_counts_progress():
    """The task's body in-process (the worker test above proves the Celery path)."""
    objs = dataset.build()
    officer = objs["voucher_officer"]
    job = ExportJob.objects.create(user=officer, name="claims", export_key="vouchers.claims", params={})
    export_jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert job.done == job.total == 4
    assert job.file.name.endswith(".xlsx")
