"""The national professional-title series (职称系列) as data: admins may add more."""

from django.db import migrations

SERIES = [
    ("engineering", "工程", "Engineering"),
    ("health", "卫生", "Health"),
    ("higher_education", "高等学校教师", "Higher-education teachers"),
    ("school_teachers", "中小学教师", "Primary and secondary teachers"),
    ("vocational_teachers", "技工院校教师", "Technical-school teachers"),
    ("research", "自然科学研究", "Natural-science research"),
    ("social_science", "哲学社会科学研究", "Philosophy and social-science research"),
    ("economics", "经济", "Economics"),
    ("accounting", "会计", "Accounting"),
    ("statistics", "统计", "Statistics"),
    ("auditing", "审计", "Auditing"),
    ("agriculture", "农业", "Agriculture"),
    ("journalism", "新闻", "Journalism"),
    ("publishing", "出版", "Publishing"),
    ("library", "图书资料", "Libraries and archives"),
    ("archives", "档案", "Archives"),
    ("cultural_relics", "文物博物", "Cultural relics and museums"),
    ("arts", "艺术", "Arts"),
    ("broadcasting", "播音主持", "Broadcasting"),
    ("translation", "翻译", "Translation"),
    ("sports", "体育", "Sports coaching"),
    ("law", "公证与律师", "Notaries and lawyers"),
    ("experimental", "实验技术", "Laboratory technology"),
    ("engineering_technology", "工艺美术", "Arts and crafts"),
    ("aviation", "民用航空飞行技术", "Civil aviation flight"),
    ("shipping", "船舶技术", "Ship technology"),
    ("counselling", "技工院校及职业教育", "Vocational education"),
]


def load(apps, schema_editor):
    TitleSeries = apps.get_model("talent", "TitleSeries")
    for code, name, name_en in SERIES:
        TitleSeries.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en})


def unload(apps, schema_editor):
    apps.get_model("talent", "TitleSeries").objects.filter(code__in=[c for c, _n, _e in SERIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("talent", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
