"""GB/T 2260 regions of the three provinces, 雄安新区 as an area of its three counties, and China's
public holidays and make-up working days (from the chinesecalendar package; admins extend them)."""

from django.db import migrations


def load_regions(apps, schema_editor):
    from portal.reference import HEBEI_CITIES, PROVINCES, XIONGAN, XIONGAN_COUNTIES

    Region = apps.get_model("portal", "Region")
    for code, name, en in PROVINCES:
        Region.objects.update_or_create(code=code, defaults={"name": name, "name_en": en, "kind": "province"})
    for code, name, en in HEBEI_CITIES:
        Region.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": en, "kind": "prefecture", "parent_id": "130000", "province_id": "130000"},
        )
    counties = []
    for code, name, en in XIONGAN_COUNTIES:
        county, _ = Region.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": en, "kind": "county", "parent_id": "130600", "province_id": "130000"},
        )
        counties.append(county)
    code, name, en = XIONGAN
    area, _ = Region.objects.update_or_create(
        code=code, defaults={"name": name, "name_en": en, "kind": "area", "parent_id": "130000", "province_id": "130000"}
    )
    area.members.set(counties)


def load_holidays(apps, schema_editor):
    import chinese_calendar

    Holiday = apps.get_model("portal", "Holiday")
    rows = {}
    for day, name in chinese_calendar.holidays.items():
        if day.weekday() < 5:  # weekends are already days off
            rows[day] = Holiday(date=day, is_workday=False, name=str(name))
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5:  # a weekend make-up working day (调休)
            rows[day] = Holiday(date=day, is_workday=True, name=str(name))
    Holiday.objects.bulk_create(rows.values(), ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [
        migrations.RunPython(load_regions, migrations.RunPython.noop),
        migrations.RunPython(load_holidays, migrations.RunPython.noop),
    ]
