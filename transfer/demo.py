"""Demo data for technology transfer: the directory (the cooperation parks article 11 names, proof-of-
concept centres, pilot bases, incubators), a few hundred realistic supply and demand listings across
the fields, a matching list per region with proposed pairs, valuation requests and registered deals.

Idempotent: organizations are found by their 统一社会信用代码, listings by (owner, title), bases by
name, deals by registration number, pairs by (list, demand, supply)."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal.management.commands._demo_ids import demo_uscc
from portal.models import AgencyDomain, Membership, Organization, OrganizationKind, Region, Role, User

from . import services
from .models import (
    Base,
    BaseKind,
    Deal,
    Listing,
    ListingKind,
    ListingState,
    MatchingList,
    MatchPair,
    ResultType,
    Showcase,
    TechField,
    TransferMode,
)

__all__ = ["load"]

AUTHORITY = {
    OrganizationKind.AGENCY: ("1", "1"),
    OrganizationKind.UNIVERSITY: ("1", "2"),
    OrganizationKind.INSTITUTE: ("1", "2"),
    OrganizationKind.ENTERPRISE: ("9", "1"),
    OrganizationKind.PROVIDER: ("9", "1"),
}

AGENCIES = {"110000": "北京市科学技术委员会", "120000": "天津市科学技术局", "130000": "河北省科学技术厅"}

# (region, kind, name): the core's demo organizations plus a few of this app's own.
ORGS = [
    ("110000", OrganizationKind.ENTERPRISE, "北京星云智联科技有限公司"),
    ("110000", OrganizationKind.ENTERPRISE, "北京燕园脑科学仪器有限公司"),
    ("110000", OrganizationKind.UNIVERSITY, "京华理工大学"),
    ("110000", OrganizationKind.INSTITUTE, "北京基础软硬件创新研究院"),
    ("120000", OrganizationKind.ENTERPRISE, "天津海河新能源汽车科技有限公司"),
    ("120000", OrganizationKind.ENTERPRISE, "天津滨海生物制药有限公司"),
    ("120000", OrganizationKind.UNIVERSITY, "津沽大学"),
    ("120000", OrganizationKind.INSTITUTE, "天津先进通讯研究院"),
    ("130629", OrganizationKind.ENTERPRISE, "雄安数字基础软件有限公司"),
    ("130100", OrganizationKind.ENTERPRISE, "石家庄组分中药科技有限公司"),
    ("130600", OrganizationKind.UNIVERSITY, "燕赵大学"),
    ("130200", OrganizationKind.ENTERPRISE, "唐山智能装备制造有限公司"),
    ("131000", OrganizationKind.ENTERPRISE, "廊坊新材料科技有限公司"),
    ("130400", OrganizationKind.ENTERPRISE, "邯郸绿色能源环境工程有限公司"),
]
VALUER = ("120000", OrganizationKind.PROVIDER, "天津技术产权评估有限公司")

BASES = [
    (BaseKind.PARK, "天津天开高教科创园", "120000", ["basic_sw_hw", "biopharma", "new_materials"]),
    (BaseKind.PARK, "天津滨海－中关村科技园", "120000", ["basic_sw_hw", "communications", "biopharma"]),
    (BaseKind.PARK, "宝坻京津中关村科技城", "120000", ["new_materials", "manufacturing"]),
    (BaseKind.PARK, "武清京津产业新城", "120000", ["manufacturing", "communications"]),
    (BaseKind.PARK, "唐山中关村合作园区", "130200", ["manufacturing", "new_materials"]),
    (BaseKind.PARK, "保定·中关村创新中心", "130600", ["nev_icv", "energy_environment"]),
    (BaseKind.PARK, "衡水中关村合作园区", "131100", ["new_materials", "agriculture"]),
    (BaseKind.PARK, "邯郸中关村合作园区", "130400", ["energy_environment", "manufacturing"]),
    (BaseKind.PARK, "雄安新区中关村科技园", "130629", ["basic_sw_hw", "communications", "brain_science"]),
    (BaseKind.POC_CENTRE, "北京高校概念验证中心", "110000", ["basic_sw_hw", "brain_science"]),
    (BaseKind.POC_CENTRE, "天津大学概念验证中心", "120000", ["new_materials", "biopharma"]),
    (BaseKind.PILOT_BASE, "河北生物医药中试基地", "130100", ["biopharma", "component_tcm"]),
    (BaseKind.PILOT_BASE, "天津新能源汽车中试基地", "120000", ["nev_icv"]),
    (BaseKind.INCUBATOR, "北京中关村硬科技孵化器", "110000", ["basic_sw_hw", "communications"]),
]

# field → (topics, applications)
TOPICS = {
    TechField.BASIC_SOFTWARE_HARDWARE: (
        [
            "国产操作系统内核调度",
            "数据库分布式事务引擎",
            "RISC-V处理器核设计",
            "编译器自动向量化",
            "工业软件几何内核",
            "嵌入式实时操作系统",
        ],
        ["政务云平台", "金融核心系统", "工业控制器", "边缘计算设备"],
    ),
    TechField.ADVANCED_COMMUNICATIONS: (
        [
            "5G基站射频前端",
            "毫米波相控阵天线",
            "光通信硅光调制器",
            "卫星互联网终端",
            "6G太赫兹信道测量",
            "工业互联网时间敏感网络",
        ],
        ["运营商网络", "智能工厂", "低空经济", "车联网"],
    ),
    TechField.NEV_ICV: (
        [
            "动力电池液冷热管理",
            "固态电池电解质",
            "车规级域控制器",
            "激光雷达点云感知",
            "自动驾驶决策规划",
            "电驱系统碳化硅逆变器",
        ],
        ["乘用车", "重型卡车", "无人配送车", "港口无人集卡"],
    ),
    TechField.BRAIN_SCIENCE: (
        ["柔性脑机接口电极", "脑电信号解码算法", "神经调控经颅磁刺激", "类脑计算芯片", "睡眠障碍脑电监测"],
        ["康复医疗", "神经疾病诊断", "人机交互", "智能穿戴"],
    ),
    TechField.BIOPHARMA: (
        [
            "单克隆抗体细胞培养工艺",
            "mRNA疫苗递送脂质纳米颗粒",
            "CAR-T细胞制备",
            "多肽药物固相合成",
            "生物类似药质量研究",
            "基因编辑递送载体",
        ],
        ["肿瘤治疗", "传染病预防", "罕见病", "自身免疫疾病"],
    ),
    TechField.COMPONENT_TCM: (
        [
            "组分中药指纹图谱质量控制",
            "中药配方颗粒标准化",
            "中药有效成分超临界萃取",
            "经典名方二次开发",
            "中药材道地性鉴别",
        ],
        ["中药制剂", "保健食品", "中药饮片", "兽用中药"],
    ),
    TechField.NEW_MATERIALS: (
        [
            "高导热石墨烯薄膜",
            "碳纤维复合材料成型",
            "钙钛矿光伏组件",
            "高熵合金增材制造",
            "锂电池隔膜陶瓷涂覆",
            "稀土永磁材料",
        ],
        ["消费电子散热", "航空航天", "光伏电站", "新能源汽车"],
    ),
    TechField.ADVANCED_MANUFACTURING: (
        [
            "焊接机器人三维视觉定位",
            "数控机床热误差补偿",
            "激光熔覆修复",
            "高端轴承精密加工",
            "数字孪生产线仿真",
            "工业视觉缺陷检测",
        ],
        ["钢铁冶金", "汽车零部件", "装备再制造", "电子装配"],
    ),
    TechField.ENERGY_ENVIRONMENT: (
        [
            "城市污水膜生物反应器",
            "工业烟气脱硝催化剂",
            "氢燃料电池电堆",
            "钢渣固废资源化利用",
            "储能电站热失控预警",
            "光伏组件回收",
        ],
        ["市政污水处理", "钢铁行业", "氢能交通", "新型储能"],
    ),
    TechField.AGRICULTURE: (
        [
            "小麦抗旱新品种选育",
            "设施蔬菜智能水肥一体化",
            "奶牛精准饲喂",
            "农作物病虫害遥感监测",
            "盐碱地改良",
        ],
        ["华北平原种植", "规模化养殖场", "设施农业", "滨海盐碱地"],
    ),
}

SUPPLY_FORMS = [
    ("{topic}技术", "本成果围绕{topic}开展研究，突破了关键工艺，已完成{stage}，可应用于{app}。"),
    (
        "一种{topic}方法及装置",
        "本发明公开了一种{topic}方法，结构简单、成本低，经{stage}验证性能稳定，适合{app}推广。",
    ),
    ("{topic}成套工艺", "团队掌握{topic}成套工艺，拥有自主知识产权，已在{app}领域完成{stage}。"),
]
DEMAND_FORMS = [
    ("寻求{topic}解决方案", "我单位在{app}中遇到技术瓶颈，需要{topic}方面的成熟方案，期望合作完成{stage}。"),
    ("{topic}技术需求", "面向{app}，现征集{topic}相关技术，要求具备{stage}基础，可采用技术许可或合作开发。"),
]
STAGES = ["实验室验证", "小试", "中试", "样机试制", "示范应用", "批量生产"]
PERIOD = "2026-Q4"


def _org(region: str, kind: str, name: str) -> Organization:
    authority, org_type = AUTHORITY[kind]
    org, _ = Organization.objects.get_or_create(
        uscc=demo_uscc(f"demo:{name}", region, authority=authority, org_type=org_type),
        defaults={"kind": kind, "name": name, "region": Region.objects.get(pk=region), "verified": True},
    )
    return org


def _agency(province: str) -> Organization:
    authority, org_type = AUTHORITY[OrganizationKind.AGENCY]
    name = AGENCIES[province]
    org, _ = Organization.objects.get_or_create(
        uscc=demo_uscc(f"demo:{name}", province, authority=authority, org_type=org_type),
        defaults={
            "kind": OrganizationKind.AGENCY,
            "name": name,
            "region": Region.objects.get(pk=province),
            "agency_domain": AgencyDomain.SCIENCE,
            "verified": True,
        },
    )
    return org


def _user(username: str, org: Organization, role: str) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"organization": org, "email": f"{username}@demo.portal.invalid", "display_name": username},
    )
    if created:
        user.set_password("Demo-Portal-2026!")
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(user=user, role=role)
    return user


def _listings(orgs: list[Organization], bases: dict[str, Base]) -> list[Listing]:
    rnd = random.Random(2026)
    today = timezone.localdate()
    out: list[Listing] = []
    modes = list(TransferMode.values)
    result_types = [ResultType.PATENT, ResultType.PATENT, ResultType.SOFTWARE, ResultType.KNOW_HOW]
    for field, (topics, apps) in TOPICS.items():
        field_bases = [b for b in bases.values() if field in b.fields]
        for topic in topics:
            for kind, forms in ((ListingKind.SUPPLY, SUPPLY_FORMS), (ListingKind.DEMAND, DEMAND_FORMS)):
                for title_form, text_form in forms:
                    owner = rnd.choice(orgs)
                    app, stage = rnd.choice(apps), rnd.choice(STAGES)
                    title = title_form.format(topic=topic)
                    body = text_form.format(topic=topic, app=app, stage=stage)
                    description = (
                        f"{body}\n主要指标：{topic}关键性能指标优于行业平均水平，"
                        f"具备在京津冀地区{app}场景落地的条件。\n合作方式：{TransferMode(modes[0]).label}或面议。"
                    )
                    price = Decimal(rnd.choice([50, 80, 120, 200, 300, 500, 800, 1500])) * 10000
                    rtype = rnd.choice(result_types) if kind == ListingKind.SUPPLY else ""
                    year = rnd.choice([2021, 2022, 2023, 2024])
                    serial = f"{year}1{rnd.randint(0, 99999999):08d}"
                    ip = [f"ZL{serial}.{services_check(serial)}"] if rtype == ResultType.PATENT else []
                    listing, created = Listing.objects.get_or_create(
                        owner=owner,
                        title=title,
                        defaults={
                            "kind": kind,
                            "result_type": rtype,
                            "summary": body[:120],
                            "description": description,
                            "field": field,
                            "trl": rnd.randint(3, 8),
                            "ip_refs": ip,
                            "transfer_mode": rnd.choice(modes),
                            "price": None if rnd.random() < 0.2 else price,
                            "negotiable": True,
                            "region": owner.region,
                            "base": rnd.choice(field_bases) if field_bases and rnd.random() < 0.4 else None,
                            "contact_name": rnd.choice(["张", "王", "李", "赵", "刘", "陈"])
                            + rnd.choice(["工", "老师", "经理"]),
                            "contact_phone": f"1{rnd.choice('3589')}{rnd.randint(100000000, 999999999)}",
                            "contact_email": "",
                            "expires_on": today + datetime.timedelta(days=rnd.randint(20, 360)),
                            "state": ListingState.PUBLISHED,
                            "published_at": timezone.now(),
                        },
                    )
                    if created:
                        services.refresh_search(listing)
                    out.append(listing)
    return out


def services_check(serial: str) -> str:
    from .validators import patent_check_character

    return patent_check_character(serial)


def load(stdout=None) -> None:
    def say(msg: str) -> None:
        if stdout is not None:
            stdout.write(f"  transfer: {msg}")

    with transaction.atomic():
        orgs = [_org(*o) for o in ORGS]
        valuer = _org(*VALUER)
        bases = {}
        for kind, name, region, fields in BASES:
            base, _ = Base.objects.get_or_create(
                name=name, defaults={"kind": kind, "region": Region.objects.get(pk=region), "fields": fields}
            )
            bases[name] = base
        say(f"{len(bases)} bases and parks")
        listings = _listings(orgs, bases)
        # a few more variants per topic so each field has a realistic spread
        say(f"{len(listings)} listings")

        members = {
            org.pk: _user(f"transfer-{i:02d}", org, Role.ENTERPRISE_MEMBER) for i, org in enumerate(orgs)
        }
        _user("transfer-valuer", valuer, Role.PROVIDER_MEMBER)
        coordinators = {
            p: _user(f"transfer-coordinator-{p[:2]}", _agency(p), Role.REGION_COORDINATOR) for p in AGENCIES
        }

        # A draft waiting for review in each region, through the workflow.
        for province in coordinators:
            owner = next(o for o in orgs if o.province_id == province)
            title = f"{Region.objects.get(pk=province).name}待审核：工业余热回收有机朗肯循环机组"
            if not Listing.objects.filter(owner=owner, title=title).exists():
                services.listing_create(
                    actor=members[owner.pk],
                    data={
                        "kind": "supply",
                        "result_type": "know_how",
                        "title": title,
                        "summary": "中低温工业余热发电",
                        "description": "有机朗肯循环余热发电机组，适用于钢铁、化工行业的中低温余热回收。",
                        "field": "energy_environment",
                        "trl": 7,
                        "transfer_mode": "license",
                        "negotiable": True,
                        "contact_name": "周工",
                        "contact_phone": "13911112222",
                        "expires_on": timezone.localdate() + datetime.timedelta(days=180),
                    },
                    submit=True,
                )

        # Matching lists: each region pairs its own demands with the best supply.
        by_pk = {x.pk: x for x in listings}
        pairs = 0
        for province, coord in coordinators.items():
            mlist = MatchingList.objects.filter(province_id=province, period=PERIOD).first() or (
                services.matching_list_create(actor=coord, period=PERIOD)
            )
            demands = [x for x in listings if x.kind == ListingKind.DEMAND and x.province_id == province][:6]
            from .selectors import match_list

            for demand in demands:
                best = match_list(user=coord, listing=demand, limit=1)
                if (
                    best
                    and not MatchPair.objects.filter(
                        matching_list=mlist, demand=demand, supply=best[0]
                    ).exists()
                ):
                    services.pair_propose(
                        actor=coord, matching_list=mlist, demand=by_pk.get(demand.pk, demand), supply=best[0]
                    )
                    pairs += 1
        say(f"{pairs} pairs proposed")

        # Deals: some within the three regions, some to outside.
        rnd = random.Random(11)
        supplies = [x for x in listings if x.kind == ListingKind.SUPPLY]
        regions = ["110000", "120000", "130100", "130200", "130600", "131000", None]
        for i in range(40):
            src = supplies[(i * 7) % len(supplies)]
            number = f"{2023 + i % 3}{src.region_id[:6]}{i:06d}"
            if Deal.objects.filter(registration_number=number).exists():
                continue
            buyer_region = rnd.choice(regions)
            Deal.objects.create(
                listing=None,
                title=src.title,
                field=src.field,
                contract_amount=Decimal(rnd.choice([30, 60, 100, 250, 400, 900])) * 10000,
                registration_number=number,
                seller=src.owner,
                seller_region=src.region,
                buyer_name=rnd.choice(["某装备制造公司", "某生物科技公司", "某新能源公司", "某软件公司"])
                if buyer_region
                else rnd.choice(["上海某科技公司", "深圳某电子公司", "江苏某材料公司"]),
                buyer_region_id=buyer_region,
                signed_on=datetime.date(2023 + i % 3, 1 + i % 12, 1 + i % 27),
                base=src.base,
            )
        say(f"{Deal.objects.count()} deals")

        # A showcase (成果展示推介) in Tianjin featuring published results from the three regions.
        start = datetime.date(2026, 12, 8)
        showcase = Showcase.objects.filter(province_id="120000", starts_on=start).first() or (
            services.showcase_create(
                actor=coordinators["120000"],
                title="2026京津冀科技成果展示推介会",
                starts_on=start,
                ends_on=start + datetime.timedelta(days=2),
                venue="天津梅江会展中心",
                description="集中展示三地高校、科研院所的重点科技成果，推动成果在京津冀区域内转化。",
            )
        )
        featured = set(showcase.items.values_list("listing_id", flat=True))
        live = [x for x in supplies if x.state in (ListingState.PUBLISHED, ListingState.NEGOTIATING)]
        for listing in [x for x in live if x.pk not in featured][: max(0, 8 - len(featured))]:
            services.showcase_feature(actor=coordinators["120000"], showcase=showcase, listing=listing)
        say(f"{showcase.items.count()} listings in the showcase")
