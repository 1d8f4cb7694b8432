"""Topic areas (R-ANALYSE-4): editable keyword lexicons per area, plus a learned fallback.

The defaults below ship with Yuqing; a workspace may replace them with its own `topics.json`
(`{"traffic": ["堵车", ...], ...}`; see `TopicLexicon.load`/`save`). An item gets every area whose
keywords it names (most hits first, at most `max_topics`). When no keyword matches, the learned
fallback (`models/topics.npz`, trained by `scripts/train_topics.py` on texts the lexicons label)
may name one area if it is confident; otherwise the item's area is "other".
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path

import ahocorasick
import numpy as np

from yuqing.analyse.features import Rows, sparse_row

OTHER = "other"

TOPIC_LABELS: dict[str, str] = {
    "traffic": "交通",
    "housing": "住建/房产",
    "education": "教育",
    "health": "医疗卫生",
    "environment": "生态环境",
    "public_security": "治安",
    "labour": "劳动保障/欠薪",
    "food_drug": "食品药品安全",
    "market": "市场监管",
    "urban_management": "城管",
    "civil_affairs": "民政",
    "agriculture": "农业农村",
    "emergency": "应急/灾害",
    "conduct": "政务作风",
    OTHER: "其他",
}

DEFAULT_LEXICON: dict[str, list[str]] = {
    "traffic": [
        "交通",
        "堵车",
        "拥堵",
        "红绿灯",
        "信号灯",
        "公交",
        "公交车",
        "地铁",
        "出租车",
        "网约车",
        "打车",
        "驾驶",
        "车祸",
        "交通事故",
        "追尾",
        "撞车",
        "违章",
        "违停",
        "停车场",
        "停车难",
        "停车位",
        "斑马线",
        "人行道",
        "收费站",
        "路口",
        "马路",
        "坑洼",
        "路面",
        "修路",
        "封路",
        "绕行",
        "限行",
        "交警",
        "驾照",
        "电动车",
        "摩托车",
        "渣土车",
        "货车",
        "超载",
        "客运",
        "火车站",
        "高铁",
        "桥梁",
        "隧道",
    ],
    "housing": [
        "房产",
        "楼盘",
        "开发商",
        "烂尾",
        "烂尾楼",
        "交房",
        "延期交房",
        "房价",
        "购房",
        "买房",
        "首付",
        "房贷",
        "公积金",
        "物业",
        "物业费",
        "业主",
        "小区",
        "商品房",
        "安置房",
        "保障房",
        "公租房",
        "廉租房",
        "拆迁",
        "征收",
        "棚改",
        "旧改",
        "房屋",
        "住房",
        "装修",
        "违建",
        "违章建筑",
        "漏水",
        "墙体开裂",
        "产权证",
        "不动产",
        "住建",
        "建筑工地",
        "工地",
        "租房",
        "房东",
        "二手房",
        "施工质量",
        "工程质量",
    ],
    "education": [
        "教育",
        "学校",
        "学生",
        "老师",
        "教师",
        "校长",
        "班主任",
        "小学",
        "中学",
        "初中",
        "高中",
        "幼儿园",
        "大学",
        "高校",
        "中考",
        "高考",
        "招生",
        "入学",
        "学位",
        "学区",
        "补课",
        "补习",
        "培训机构",
        "课外班",
        "减负",
        "校服",
        "食堂",
        "校车",
        "学费",
        "乱收费",
        "教育局",
        "师德",
        "霸凌",
        "校园",
    ],
    "health": [
        "医院",
        "医疗",
        "医生",
        "护士",
        "患者",
        "病人",
        "看病",
        "就医",
        "挂号",
        "门诊",
        "急诊",
        "住院",
        "手术",
        "医保",
        "药费",
        "医患",
        "医闹",
        "误诊",
        "医疗事故",
        "卫生院",
        "诊所",
        "卫健委",
        "疫苗",
        "接种",
        "疫情",
        "新冠",
        "发热",
        "传染病",
        "核酸",
        "体检",
        "防疫",
        "疾控",
        "救护车",
        "公共卫生",
    ],
    "environment": [
        "环境",
        "环保",
        "污染",
        "排污",
        "废水",
        "污水",
        "废气",
        "臭味",
        "异味",
        "恶臭",
        "噪音",
        "噪声",
        "扰民",
        "雾霾",
        "空气质量",
        "粉尘",
        "扬尘",
        "垃圾焚烧",
        "垃圾填埋",
        "河道",
        "河流",
        "水质",
        "黑臭水体",
        "死鱼",
        "生态",
        "植被",
        "砍伐",
        "滥伐",
        "非法采砂",
        "采砂",
        "采石",
        "矿山",
        "尾矿",
        "土壤",
        "排放",
        "生态环境局",
        "环评",
        "化工厂",
        "焚烧",
    ],
    "public_security": [
        "治安",
        "警察",
        "派出所",
        "公安",
        "民警",
        "报警",
        "盗窃",
        "偷窃",
        "小偷",
        "抢劫",
        "诈骗",
        "骗子",
        "电信诈骗",
        "传销",
        "赌博",
        "涉黑",
        "黑恶",
        "打架",
        "斗殴",
        "打人",
        "殴打",
        "伤人",
        "杀人",
        "命案",
        "刑事",
        "嫌疑人",
        "拘留",
        "逮捕",
        "失踪",
        "走失",
        "寻人",
        "性侵",
        "猥亵",
        "家暴",
        "吸毒",
        "毒品",
        "酒驾",
        "醉驾",
        "扫黑",
        "报警110",
    ],
    "labour": [
        "欠薪",
        "讨薪",
        "拖欠工资",
        "农民工",
        "工钱",
        "讨要",
        "劳务",
        "劳动合同",
        "社保",
        "养老保险",
        "失业",
        "辞退",
        "解雇",
        "加班",
        "加班费",
        "工伤",
        "劳动仲裁",
        "人社局",
        "人社",
        "五险一金",
        "最低工资",
        "包工头",
        "用工",
        "工资拖欠",
        "发不出工资",
        "就业困难",
    ],
    "food_drug": [
        "食品安全",
        "食物中毒",
        "变质",
        "过期",
        "发霉",
        "地沟油",
        "添加剂",
        "农药残留",
        "假药",
        "药品",
        "药店",
        "保健品",
        "卫生许可",
        "后厨",
        "异物",
        "苍蝇",
        "蟑螂",
        "病死猪",
        "注水肉",
        "奶粉",
        "疫苗安全",
        "集体中毒",
        "食品卫生",
    ],
    "market": [
        "市场监管",
        "消费者",
        "维权",
        "商家",
        "虚假宣传",
        "假冒",
        "伪劣",
        "假货",
        "价格欺诈",
        "乱收费",
        "缺斤短两",
        "退款",
        "退货",
        "霸王条款",
        "预付卡",
        "跑路",
        "集贸市场",
        "营业执照",
        "无证经营",
        "计量",
        "消协",
        "市场监管局",
        "消费纠纷",
        "商家跑路",
        "以次充好",
    ],
    "urban_management": [
        "城管",
        "占道",
        "占道经营",
        "摆摊",
        "小贩",
        "流动摊贩",
        "乱搭乱建",
        "违规搭建",
        "户外广告",
        "招牌",
        "市容",
        "环卫",
        "垃圾桶",
        "清运",
        "保洁",
        "路灯",
        "井盖",
        "下水道",
        "排水",
        "积水",
        "内涝",
        "暴力执法",
        "渣土",
        "施工噪音",
        "夜间施工",
        "广场舞",
        "乱扔垃圾",
        "垃圾成堆",
        "垃圾清运",
    ],
    "civil_affairs": [
        "民政",
        "低保",
        "救助",
        "困难户",
        "特困",
        "五保",
        "养老院",
        "敬老院",
        "养老",
        "残疾人",
        "残疾",
        "孤儿",
        "留守儿童",
        "婚姻登记",
        "殡葬",
        "墓地",
        "公墓",
        "居委会",
        "村委会",
        "慰问",
        "退役军人",
        "优抚",
        "流浪",
    ],
    "agriculture": [
        "农业",
        "农村",
        "种植",
        "养殖",
        "农田",
        "耕地",
        "土地流转",
        "承包地",
        "宅基地",
        "占用耕地",
        "庄稼",
        "粮食",
        "水稻",
        "收割",
        "化肥",
        "种子",
        "果园",
        "脐橙",
        "蔬菜",
        "生猪",
        "家禽",
        "扶贫",
        "脱贫",
        "乡村振兴",
        "村干部",
        "村集体",
        "灌溉",
        "水利",
        "农机",
        "农技",
    ],
    "emergency": [
        "应急",
        "灾害",
        "火灾",
        "失火",
        "起火",
        "着火",
        "爆炸",
        "坍塌",
        "塌方",
        "滑坡",
        "泥石流",
        "山洪",
        "洪水",
        "洪涝",
        "暴雨",
        "台风",
        "地震",
        "冰雹",
        "暴雪",
        "冰冻",
        "干旱",
        "溺水",
        "触电",
        "伤亡",
        "遇难",
        "被困",
        "救援",
        "消防",
        "抢险",
        "疏散",
        "安全生产",
        "燃气",
        "煤气泄漏",
        "危化品",
        "气象预警",
        "安全事故",
        "死亡事故",
        "重大事故",
    ],
    "conduct": [
        "作风",
        "官员",
        "公务员",
        "不作为",
        "乱作为",
        "慢作为",
        "推诿",
        "扯皮",
        "踢皮球",
        "态度恶劣",
        "刁难",
        "吃拿卡要",
        "腐败",
        "贪污",
        "受贿",
        "行贿",
        "违纪",
        "纪委",
        "问责",
        "形式主义",
        "官僚主义",
        "办事难",
        "跑断腿",
        "政务服务",
        "12345",
        "热线",
        "信访",
        "上访",
        "投诉无门",
        "敷衍",
        "门难进",
        "脸难看",
        "事难办",
        "庸懒散",
    ],
}


class TopicLexicon:
    """Keyword lists per topic area, matched with Aho-Corasick."""

    def __init__(self, lexicon: Mapping[str, Iterable[str]] | None = None, max_topics: int = 3) -> None:
        self.lexicon = {
            k: sorted({w.strip() for w in v if w.strip()}) for k, v in (lexicon or DEFAULT_LEXICON).items()
        }
        self.max_topics = max_topics
        self._automaton = ahocorasick.Automaton()
        owners: dict[str, list[str]] = {}
        for topic, words in self.lexicon.items():
            for w in words:
                owners.setdefault(w, []).append(topic)
        for w, topics in owners.items():
            self._automaton.add_word(w, (w, tuple(topics)))
        if owners:
            self._automaton.make_automaton()
        self._empty = not owners

    @classmethod
    def load(cls, path: Path) -> TopicLexicon:
        """A workspace's lexicon (JSON: area code → keyword list)."""
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.lexicon, ensure_ascii=False, indent=1), encoding="utf-8")

    def scores(self, text: str) -> dict[str, int]:
        """Distinct keywords found per area."""
        if self._empty or not text:
            return {}
        seen: dict[str, set[str]] = {}
        for _, (word, topics) in self._automaton.iter(text):
            for t in topics:
                seen.setdefault(t, set()).add(word)
        return {t: len(ws) for t, ws in seen.items()}

    def classify(self, text: str) -> list[str]:
        """Areas named by keywords, most hits first (ties in lexicon order)."""
        scores = self.scores(text)
        order = list(self.lexicon)
        ranked = sorted(scores, key=lambda t: (-scores[t], order.index(t)))
        return ranked[: self.max_topics]


class TopicFallback:
    """A multinomial linear model over hashed character n-grams, used when no keyword matches."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray, meta: dict) -> None:
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.topics: list[str] = list(meta["topics"])
        self.bits = int(meta["bits"])
        self.orders = tuple(int(o) for o in meta["orders"])
        self.threshold = float(meta.get("threshold", 0.6))
        self.max_chars = int(meta.get("max_chars", 600))

    @classmethod
    def load(cls) -> TopicFallback | None:
        """The shipped fallback, or None when it has not been trained."""
        base = resources.files("yuqing.analyse").joinpath("models")
        npz, js = base.joinpath("topics.npz"), base.joinpath("topics.json")
        if not (npz.is_file() and js.is_file()):
            return None
        meta = json.loads(js.read_text(encoding="utf-8"))
        with np.load(io.BytesIO(npz.read_bytes()), allow_pickle=False) as data:
            return cls(data["weights"], data["bias"], meta)

    def classify(self, text: str) -> list[str]:
        ids, vals = sparse_row(text[: self.max_chars], self.bits, self.orders)
        if ids.size == 0:
            return []
        z = vals @ self.weights[ids] + self.bias
        z = z - z.max()
        p = np.exp(z)
        p /= p.sum()
        best = int(np.argmax(p))
        return [self.topics[best]] if p[best] >= self.threshold else []

    def classify_batch(self, texts: list[str]) -> list[list[str]]:
        """`classify` over a batch, its n-grams hashed and counted in one pass (`features.Rows`)."""
        if not texts:
            return []
        rows = Rows.of([t[: self.max_chars] for t in texts], self.bits, self.orders)
        z = rows.dot(self.weights, self.bias)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        best = np.argmax(p, axis=1).tolist()
        sure = (p.max(axis=1) >= self.threshold).tolist()
        has = np.bincount(rows.doc, minlength=len(texts)).astype(bool).tolist()
        return [[self.topics[b]] if h and ok else [] for b, ok, h in zip(best, sure, has, strict=True)]


@lru_cache(maxsize=1)
def default_fallback() -> TopicFallback | None:
    return TopicFallback.load()


class TopicClassifier:
    """The topic stage: lexicon first, the learned fallback when the lexicon is silent."""

    def __init__(self, lexicon: TopicLexicon | None = None, fallback: TopicFallback | None = None) -> None:
        self.lexicon = lexicon or TopicLexicon()
        self.fallback = fallback

    def classify(self, text: str) -> list[str]:
        topics = self.lexicon.classify(text)
        if not topics and self.fallback is not None:
            topics = self.fallback.classify(text)
        return topics or [OTHER]

    def classify_batch(self, texts: list[str]) -> list[list[str]]:
        """`classify` over a batch: the fallback reads the texts the lexicon is silent on together."""
        found = [self.lexicon.classify(t) for t in texts]
        if self.fallback is not None:
            silent = [k for k, topics in enumerate(found) if not topics]
            if silent:
                for k, topics in zip(silent, self.fallback.classify_batch([texts[k] for k in silent]), strict=True):
                    found[k] = topics
        return [topics or [OTHER] for topics in found]
