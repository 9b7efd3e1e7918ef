"""A large registry file is imported by a real Celery worker, row by row, with its progress saved."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from talent import services
from talent.models import RegistryEntry, RegistryImport
from tests.conftest import wait_for

from .factories import make_id_number


@pytest.mark.celery_worker
def test_large_registry_import_runs_in_the_worker_and_bad_rows_do_not_stop_it(celery_worker, agencies):
    n = services.INLINE_IMPORT_ROWS + 60
    rows = [
        f"BJ-W-{i},某人{i},{make_id_number()},qualification,,,焊工（三级）,,北京市人社局,2020-01-01"
        for i in range(n)
    ]
    rows[10] = "BJ-W-10,某人10,110105194912310021,qualification,,,焊工,,北京市人社局,2020-01-01"
    text = "certificate_number,holder_name,id_number,kind,series,level,title,specialty,issuing_authority,issued_on\n"
    upload = SimpleUploadedFile("big.csv", (text + "\n".join(rows)).encode())
    job = services.registry_import_start(actor=agencies.officer["110000"], upload=upload)
    assert job.status == RegistryImport.Status.PENDING
    done = wait_for(
        lambda: RegistryImport.objects.filter(pk=job.pk, status=RegistryImport.Status.DONE).first(),
        timeout=60,
    )
    assert (done.total, done.succeeded, done.failed) == (n, n - 1, 1)
    assert done.errors[0]["row"] == 12 and done.errors[0]["field"] == "id_number"
    assert RegistryEntry.objects.filter(region_id="110000").count() == n - 1
