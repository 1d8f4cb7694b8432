"""Cue features of short district posts: how people complain, ask, announce and thank.

A post's tone often sits in a few set phrases rather than in its topic words: a calm complaint says
how long the trouble has lasted (已经两个多星期, 至今, 多次反映) and what it stops (不方便, 不敢走);
a rhetorical complaint asks who is responsible (到底有没有人管, 怎么办, 是要等出事才修吗); praise
thanks a named unit (感谢…, 为…点赞, 辛苦了); a notice announces (通知, 将于, 请…提前); a neutral
question asks for information (请问…在哪里办, 需要什么材料). Each group below is a regular
expression; a post's value for a group is log(1 + number of matches). The posts reader
(`sentiment.PostsModel`) learns one weight per group and label from the labelled district posts
(`bench/data/sentiment_posts_train.tsv`, by `scripts/train_sentiment_posts.py`).

The groups are data for the model, not rules: no group decides a label alone. Changing a group
changes the features, so the model must be retrained (the metadata keeps the group names, and the
model refuses to load when they differ).
"""

from __future__ import annotations

import re

import numpy as np

_DIGITS = "0123456789一二两三四五六七八九十半几数多好"
_NUM = rf"[{_DIGITS}]+"
_UNIT = r"(?:个多|多个|个)?(?:天|日|晚|周|星期|礼拜|月|年|小时|次|趟|遍)"
_SPAN = rf"{_NUM}{_UNIT}"
_LASTED = r"(?:了|以上|之久)?"


def _each_start(*alternatives: str) -> str:
    """Alternatives as a regular expression whose every branch starts with one plain character.

    For speed only: Python's `re` then skips every position whose character cannot start a match,
    instead of trying each branch there (5-7 times faster on a post). `(?:已经|已)?S` is written
    `已经S|已S|S` and a run of numerals `[0-9一…]+R` as `0[0-9一…]*R|1[0-9一…]*R|…`, which match the same
    text in the same order.
    """
    return "|".join(alternatives)


def _numbered(rest: str) -> list[str]:
    """`[numerals]+` followed by `rest`, one branch per numeral it starts with."""
    return [f"{d}[{_DIGITS}]*{rest}" for d in _DIGITS]


CUE_GROUPS: dict[str, str] = {
    # Thanks and praise of people and units.
    "thanks": r"感谢|谢谢|多谢|致谢|谢了|感恩|感激|谢谢你们",
    "praise": (
        r"点赞|点个赞|赞一个|好评|给力|辛苦了|辛苦你们|致敬|好样的|表扬|暖心|贴心|温暖|满意|好人|锦旗|"
        r"点赞|为.{1,12}点赞|太棒|真棒|真不错|挺好|很好|真好|漂亮|舒服|舒心|放心|安心|人性化|实惠|"
        r"方便多了|好多了|干净|整洁|热情|耐心|负责|专业|及时|高效|效率很高|真心|开心|高兴|幸福"
    ),
    # A problem said to be solved.
    "resolved": (
        r"修好了|解决了|已解决|处理好了|已经处理|恢复了|到账了|到位了|退回|退给|补发|要回了|追回|"
        r"终于|开通了|完工了|建好了|换新了|装上了|清理出来|再也不用|再也不怕|不用再"
    ),
    # How long or how often: grievances count days and attempts.
    # (?:已经|已|都|快|足足|整整)?{_SPAN}{_LASTED}|至今|…
    "duration": _each_start(
        *(f"{lead}{_SPAN}{_LASTED}" for lead in ("已经", "已", "都", "快", "足足", "整整")),
        *_numbered(f"{_UNIT}{_LASTED}"),
        "至今|到现在|一直|迟迟|始终|长期|常年|经常|总是|天天|每天|三天两头|隔三差五",
    ),
    # 多次|反复|屡次|(?:反映|投诉|报修|打电话|找)(?:了)?{_NUM}(?:次|遍|趟)|又|…
    "attempts": _each_start(
        "多次|反复|屡次",
        *(f"{verb}(?:了)?{_NUM}(?:次|遍|趟)" for verb in ("反映", "投诉", "报修", "打电话", "找")),
        "又|还是|依然|仍然|仍|照样|还没|没人来|没有人来",
    ),
    # What is broken, missing, dirty, loud, unpaid: the matter of a complaint.
    "trouble": (
        r"坏了|坏掉|损坏|破损|不亮|不热|不通|断了|塌|裂|漏|渗水|积水|淹|堵|臭|异味|霉|脏|乱|吵|噪音|"
        r"扰民|危险|隐患|差点|摔|撞|受伤|咬|没水|停水|停电|断网|断电|缺|丢|占用|占道|占了|乱停|乱收|"
        r"拖欠|欠薪|欠款|不发|没发|未发|停发|不退|不给|没给|拒载|跑路|跑了|失联|联系不上|推脱|推诿|踢皮球|"
        r"互相推|不作为|不管|没人管|无人管|没人理|不理|敷衍|涨价|涨了|贵|超载|偷排|污水|垃圾|黑乎乎|看不清"
    ),
    "hardship": (
        r"不方便|很困难|困难|没法|没办法|无法|影响|受不了|睡不着|睡不了|不敢|担心|害怕|吃不消|等不起|"
        r"负担不起|白费|损失|受罪|折腾|心里没底|发怵|只能"
    ),
    "request": r"希望|请求|恳请|麻烦|尽快|早日|赶紧|处理一下|管一管|管管|给个说法|重视|整治|协调|排查|解决|介入|严查|查处|维权|呼吁",
    # Rhetorical questions: blame asked as a question.
    "rhetorical": (
        r"难道|凭什么|到底|究竟|怎么办|谁来|谁管|谁负责|谁担|找谁|有人管吗|有没有人管|管不管|查不查|"
        r"什么时候才|什么时候能|还要等|要等到|还让不让|是要等|非要等|才(?:修|管|重视)|为什么|为啥|"
        r"怎么(?:上班|生活|过日子|负担|适应|走)|让.{0,6}怎么|就不是|就没有|都.{0,6}吗|干什么|干啥|"
        r"吗[？?]|呢[？?]|？[？?]+|\?[？?]+"  # ([？?]{2,}, each start apart: see `_each_start`)
    ),
    "sarcasm": (
        r"真是|真会|真行|真准|真高|真敬业|真周到|真贴心|真环保|真和谐|真文明|真到位|真彻底|真勤快|"
        r"呵呵|佩服|厉害厉害|不愧是|感动|服气|服了|也算|好到|省心|省了|打卡|网红|体验|锻炼|养生|"
        r"谢谢啊|用心良苦|比.{1,8}还"
    ),
    "anger": (
        r"！[！!]+|![！!]+|气死|气炸|太过分|过分|离谱|无良|黑心|骗子|骗人|骗钱|坑|垃圾|恶心|受够|简直|"
        r"无法无天|没王法|无耻|流氓|土匪|吸血鬼|摆设|吃干饭|瞎了|死人|强烈|必须|忍无可忍|无语|"
        r"破|\[怒\]|😡|😤|🤬"
    ),
    # Notices and announcements.
    "notice": (
        r"通知|公告|公示|提醒|温馨提示|注意|将于|将在|即日起|自.{1,8}起|开始(?:报名|缴费|受理|接种|投保)|"
        r"报名|截止|时间为|时间安排|期间|召开|开展|举办|举行|发布|公布|预计|预警|调整|暂停|恢复时间|"
        r"【|】|另行|请.{0,8}(?:提前|绕行|注意|配合|携带|关好|做好)|欢迎|参加|免费|不收取"
    ),
    # Questions asking for information.
    "ask": (
        r"请问|咨询|想问|问一下|问问|求问|请教|想了解|有没有人知道|有人知道|有谁知道|有人了解|"
        r"怎么申请|怎么办理|怎么报名|怎么收费|如何|在哪|哪里可以|哪个窗口|哪个部门|需要.{0,4}(?:材料|条件|手续)|"
        r"多少钱|多少|几点|几号|几楼|多久|要不要|能不能用|可以吗|是否"
    ),
    "question_mark": r"[？?]",
    "exclamation": r"[！!]",
}

CUE_NAMES: tuple[str, ...] = tuple(CUE_GROUPS)
_PATTERNS = tuple(re.compile(p) for p in CUE_GROUPS.values())


def cue_values(text: str) -> np.ndarray:
    """log(1 + matches) of each cue group in `text`, in `CUE_NAMES` order (float32)."""
    return np.log1p(np.array([len(p.findall(text)) for p in _PATTERNS], dtype=np.float32))


def cue_matrix(texts: list[str]) -> np.ndarray:
    """`cue_values` of each text, as rows (float32): each group's pattern runs once over the whole
    batch (the texts joined by line breaks, which no pattern crosses) and its matches are counted
    per text by where they start."""
    n = len(texts)
    out = np.zeros((n, len(_PATTERNS)), dtype=np.float32)
    if not n:
        return out
    joined = "\n".join(texts)
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=n) + 1)
    for j, pattern in enumerate(_PATTERNS):
        starts = [m.start() for m in pattern.finditer(joined)]
        if starts:
            out[:, j] = np.bincount(np.searchsorted(ends, starts, side="right"), minlength=n)
    return np.log1p(out)
