"""Reference data loaded by data migrations: GB/T 2260 regions (../shared/STANDARDS.md). And which
tables are reference data: few rows that grow slowly, if at all."""

# The tables a form may list whole (a select, a filter's choices). Every other table (listings,
# applications, vouchers, cases, organizations, users...) grows by the thousand: a select of it is
# megabytes and seconds a page at scale, and names records to users not given them. Such a record is
# given by its number or its code instead (portal.filters.RecordNumberFilter, portal.forms.OrganizationField,
# the admin's raw id box).
LISTABLE_MODELS = frozenset(
    {
        "portal.Region",
        "transfer.Base",
        "transfer.MatchingList",
        "cooperation.Programme",
        "vouchers.Programme",
        "talent.TitleSeries",
        "contenttypes.ContentType",
        "auth.Group",
        "auth.Permission",
    }
)

PROVINCES = [
    ("110000", "北京市", "Beijing"),
    ("120000", "天津市", "Tianjin"),
    ("130000", "河北省", "Hebei"),
]

HEBEI_CITIES = [
    ("130100", "石家庄市", "Shijiazhuang"),
    ("130200", "唐山市", "Tangshan"),
    ("130300", "秦皇岛市", "Qinhuangdao"),
    ("130400", "邯郸市", "Handan"),
    ("130500", "邢台市", "Xingtai"),
    ("130600", "保定市", "Baoding"),
    ("130700", "张家口市", "Zhangjiakou"),
    ("130800", "承德市", "Chengde"),
    ("130900", "沧州市", "Cangzhou"),
    ("131000", "廊坊市", "Langfang"),
    ("131100", "衡水市", "Hengshui"),
]

# 雄安新区's counties sit under 保定 in GB/T 2260; the new area is not a GB/T 2260 code of its own.
XIONGAN_COUNTIES = [
    ("130629", "容城县", "Rongcheng County"),
    ("130632", "安新县", "Anxin County"),
    ("130638", "雄县", "Xiong County"),
]
XIONGAN = ("XIONGAN", "雄安新区", "Xiong'an New Area")
