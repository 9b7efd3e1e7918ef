"""A technical vocabulary and the Chinese texts the generator writes from it (deterministic per seed)."""

from __future__ import annotations

import random

__all__ = [
    "TECH_WORDS",
    "FILLERS",
    "SURNAMES",
    "GIVEN",
    "ORG_STEMS",
    "QUERY_WORDS_2",
    "QUERY_WORDS_4",
    "TextMaker",
]

# Two- and four-character technical words (plus a few Latin/mixed ones, which the search indexes as
# their own lexemes). Texts are made of these joined by fillers, so every query word below occurs.
TECH_WORDS = [
    "芯片",
    "电池",
    "算法",
    "模型",
    "传感",
    "雷达",
    "激光",
    "光纤",
    "基站",
    "天线",
    "电机",
    "电控",
    "储能",
    "氢能",
    "光伏",
    "风电",
    "核电",
    "焊接",
    "涂层",
    "轴承",
    "齿轮",
    "机床",
    "刀具",
    "模具",
    "铸造",
    "锻造",
    "轧制",
    "热处理",
    "纳米",
    "石墨烯",
    "碳纤维",
    "陶瓷",
    "合金",
    "高分子",
    "树脂",
    "橡胶",
    "塑料",
    "玻璃",
    "纤维",
    "疫苗",
    "抗体",
    "蛋白",
    "基因",
    "细胞",
    "病毒",
    "细菌",
    "酶制剂",
    "试剂",
    "药物",
    "制剂",
    "靶点",
    "中药",
    "饮片",
    "提取",
    "分离",
    "纯化",
    "发酵",
    "育种",
    "种植",
    "养殖",
    "灌溉",
    "土壤",
    "农药",
    "化肥",
    "饲料",
    "污水",
    "固废",
    "废气",
    "脱硫",
    "脱硝",
    "催化",
    "吸附",
    "膜分离",
    "除尘",
    "降噪",
    "监测",
    "检测",
    "计量",
    "标定",
    "仿真",
    "建模",
    "设计",
    "测试",
    "验证",
    "封装",
    "光刻",
    "刻蚀",
    "晶圆",
    "外延",
    "存储",
    "内存",
    "处理器",
    "操作系统",
    "数据库",
    "中间件",
    "编译器",
    "云计算",
    "边缘计算",
    "区块链",
    "物联网",
    "大数据",
    "人工智能",
    "机器学习",
    "深度学习",
    "神经网络",
    "知识图谱",
    "自然语言",
    "语音识别",
    "图像识别",
    "视觉检测",
    "机器人",
    "无人机",
    "自动驾驶",
    "车联网",
    "智能网联",
    "动力电池",
    "固态电池",
    "燃料电池",
    "充电桩",
    "电驱动",
    "热管理",
    "轻量化",
    "脑机接口",
    "脑科学",
    "神经调控",
    "医疗器械",
    "影像设备",
    "体外诊断",
    "基因测序",
    "细胞治疗",
    "生物制药",
    "组分中药",
    "中药配方",
    "智能制造",
    "工业互联网",
    "数字孪生",
    "精密加工",
    "增材制造",
    "柔性电子",
    "光电器件",
    "功率器件",
    "射频器件",
    "半导体",
    "集成电路",
    "先进通讯",
    "卫星通信",
    "量子通信",
    "量子计算",
    "信息安全",
    "数据安全",
    "密码算法",
    "工业软件",
    "嵌入式",
    "控制系统",
    "伺服系统",
    "减速器",
    "传动系统",
    "液压系统",
    "新能源",
    "节能环保",
    "污水处理",
    "垃圾分类",
    "土壤修复",
    "碳捕集",
    "碳中和",
    "氢燃料",
    "储氢材料",
    "锂电材料",
    "正极材料",
    "负极材料",
    "电解液",
    "隔膜材料",
    "稀土材料",
    "磁性材料",
    "超导材料",
    "复合材料",
    "生物材料",
    "可降解",
    "纳米材料",
    "智能传感",
    "高端装备",
    "轨道交通",
    "航空航天",
    "海洋工程",
    "船舶制造",
    "现代农业",
    "智慧农业",
    "种子工程",
    "畜牧养殖",
    "水产养殖",
    "食品加工",
    "冷链物流",
    "智慧城市",
    "智能电网",
    "特高压",
    "5G",
    "3D打印",
    "AI芯片",
    "MEMS",
    "LED",
    "OLED",
    "6G",
    "GPU",
]

FILLERS = [
    "，",
    "，并",
    "，可",
    "，用于",
    "，面向",
    "；",
    "，通过",
    "，结合",
    "和",
    "与",
    "的",
    "，具备",
    "，实现",
    "，提升",
]

OPENERS = ["本成果", "本项目", "我单位", "本技术", "该方案", "本发明", "企业需求", "研究团队"]
NOUNS = ["关键技术", "工艺", "装置", "平台", "方法", "系统", "产品", "解决方案", "示范线", "样机", "中试"]

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩然子轩雨欣梓涵思远嘉怡俊杰晨阳"

ORG_STEMS = [
    "华科",
    "中科",
    "京津",
    "冀东",
    "海河",
    "燕山",
    "渤海",
    "太行",
    "滨海",
    "中关村",
    "雄安",
    "亦庄",
    "张江",
    "泰达",
    "正定",
    "保定",
    "唐山",
    "廊坊",
    "沧州",
    "邯郸",
]

# Words the search benchmark asks for: common, medium and rare, all in TECH_WORDS.
QUERY_WORDS_2 = ["芯片", "电池", "疫苗", "光刻", "隔膜"]
QUERY_WORDS_4 = ["动力电池", "固态电池", "数字孪生", "脑机接口", "碳捕集"]


class TextMaker:
    """Titles, summaries and descriptions from the vocabulary, with a skewed word frequency (a few
    words are very common, most are rare), as in real listings."""

    def __init__(self, seed: int = 7):
        self.rnd = random.Random(seed)
        n = len(TECH_WORDS)
        # Zipf-like weights: word k has weight 1/(k+1)^0.9, on a shuffled order.
        order = list(range(n))
        random.Random(seed + 1).shuffle(order)
        self.words = [TECH_WORDS[i] for i in order]
        self.cum_weights = []
        total = 0.0
        for k in range(n):
            total += 1.0 / (k + 1) ** 0.9
            self.cum_weights.append(total)

    def word(self) -> str:
        return self.rnd.choices(self.words, cum_weights=self.cum_weights, k=1)[0]

    def words_n(self, k: int) -> list[str]:
        return self.rnd.choices(self.words, cum_weights=self.cum_weights, k=k)

    def title(self, lo: int = 10, hi: int = 30) -> str:
        rnd = self.rnd
        out = ""
        target = rnd.randint(lo, hi)
        while len(out) < target - 4:
            out += self.word()
            if rnd.random() < 0.4:
                out += rnd.choice(["与", "和", "的"])
        return (out + rnd.choice(NOUNS))[:200]

    def sentence(self) -> str:
        rnd = self.rnd
        parts = [rnd.choice(OPENERS)]
        for w in self.words_n(rnd.randint(3, 7)):
            parts.append(rnd.choice(FILLERS))
            parts.append(w)
        parts.append(rnd.choice(NOUNS))
        return "".join(parts) + "。"

    def text(self, lo: int = 150, hi: int = 400) -> str:
        target = self.rnd.randint(lo, hi)
        out = ""
        while len(out) < target:
            out += self.sentence()
        return out[:target]

    def person_name(self) -> str:
        rnd = self.rnd
        return rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))

    def org_name(self, kind: str, i: int) -> str:
        stem = ORG_STEMS[i % len(ORG_STEMS)]
        core = self.word()
        suffix = {
            "enterprise": "科技有限公司",
            "university": "大学",
            "institute": "研究院",
            "provider": "检测技术服务中心",
        }.get(kind, "有限公司")
        return f"{stem}{core}{suffix}{i}"
