"""Wrong words on the district's own pages (R-PUBLISH-3): outdated titles and office names, misspelt official
names and formulations, banned formulations. The list is workspace data (edited on the 错敏词 page); the
defaults below are used until the office edits it. Pure: matching text against a list gives findings with
the word shown in place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

CATEGORIES: dict[str, str] = {
    "outdated": "过时称谓或机构名称",
    "misspelling": "错误的规范名称或提法",
    "banned": "禁用表述",
}
CONTEXT = 24  # characters shown either side of a word
MAX_HITS = 50  # per page: a page with more needs a person, not a longer list


@dataclass(frozen=True, slots=True)
class WrongWord:
    word: str
    suggestion: str
    category: str  # a key of CATEGORIES
    note: str = ""
    allowed: tuple[str, ...] = ()  # longer correct terms that contain the word ("生态环境保护局" ∌ 环境保护局 hit)


# Office names renamed by the 2018 institutional reform (深化党和国家机构改革方案), formulations miswritten
# often enough that the national checks of government websites list them, and Xinhua's banned usages
# (新华社新闻信息报道中的禁用词和慎用词). A district adds its own on the page.
DEFAULT_WORDS: tuple[WrongWord, ...] = (
    WrongWord("国家工商行政管理总局", "国家市场监督管理总局", "outdated", "2018年机构改革后组建市场监管总局"),
    WrongWord("国家质量监督检验检疫总局", "国家市场监督管理总局", "outdated", "2018年机构改革"),
    WrongWord("国家食品药品监督管理总局", "国家市场监督管理总局（国家药品监督管理局）", "outdated", "2018年机构改革"),
    WrongWord("国家卫生和计划生育委员会", "国家卫生健康委员会", "outdated", "2018年机构改革"),
    WrongWord("卫计委", "卫生健康委员会（卫健委）", "outdated", "2018年机构改革"),
    WrongWord("卫生和计划生育局", "卫生健康局", "outdated", "2018年机构改革"),
    WrongWord("工商局", "市场监督管理局", "outdated", "2018年机构改革"),
    WrongWord("食药监局", "市场监督管理局", "outdated", "2018年机构改革"),
    WrongWord("质监局", "市场监督管理局", "outdated", "2018年机构改革"),
    WrongWord("安监局", "应急管理局", "outdated", "2018年机构改革"),
    WrongWord("安全生产监督管理局", "应急管理局", "outdated", "2018年机构改革"),
    WrongWord("国土资源局", "自然资源局", "outdated", "2018年机构改革"),
    WrongWord("环境保护局", "生态环境局", "outdated", "2018年机构改革", ("生态环境保护局",)),
    WrongWord("环保局", "生态环境局", "outdated", "2018年机构改革"),
    WrongWord("公安消防", "消防救援", "outdated", "2018年公安消防部队转制为消防救援队伍"),
    WrongWord("劳动教养", "（劳动教养制度已于2013年废止）", "outdated", "全国人大常委会2013年决定废止"),
    WrongWord("不忘出心", "不忘初心", "misspelling"),
    WrongWord("牢记史命", "牢记使命", "misspelling"),
    WrongWord("两学一作", "两学一做", "misspelling"),
    WrongWord("全面从严制党", "全面从严治党", "misspelling"),
    WrongWord("党风廉正", "党风廉政", "misspelling"),
    WrongWord("社会主义核心价值关", "社会主义核心价值观", "misspelling"),
    WrongWord("中国特色社会注意", "中国特色社会主义", "misspelling"),
    WrongWord("人民代表大全", "人民代表大会", "misspelling"),
    WrongWord("政治协商会意", "政治协商会议", "misspelling"),
    WrongWord("北朝鲜", "朝鲜", "banned", "新华社禁用词"),
    WrongWord("南朝鲜", "韩国", "banned", "新华社禁用词"),
    WrongWord("台湾总统", "台湾地区领导人", "banned", "新华社禁用词"),
    WrongWord("残废人", "残疾人", "banned", "新华社禁用词：不使用蔑称"),
)


@dataclass(frozen=True, slots=True)
class WordHit:
    """One wrong word in a page's text, with the text around it for showing it in place."""

    word: str
    suggestion: str
    category: str
    start: int
    before: str
    after: str

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def snippet(self) -> str:
        return f"{self.before}【{self.word}】{self.after}"


def _allowed_here(text: str, start: int, w: WrongWord) -> bool:
    for longer in w.allowed:
        at = longer.find(w.word)
        while at >= 0:
            if start - at >= 0 and text[start - at:start - at + len(longer)] == longer:
                return True
            at = longer.find(w.word, at + 1)
    return False


def _context(text: str, start: int, end: int, n: int) -> tuple[str, str]:
    """Up to `n` characters either side, within the line; "…" where the line goes on."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    a, b = max(line_start, start - n), min(line_end, end + n)
    return ("…" if a > line_start else "") + text[a:start], text[end:b] + ("…" if b < line_end else "")


def find(text: str, words: Iterable[WrongWord], *, context: int = CONTEXT, limit: int = MAX_HITS) -> list[WordHit]:
    """Every occurrence of a listed word in `text`, in text order (a longer listed word wins where two overlap)."""
    ordered = sorted((w for w in words if w.word), key=lambda w: -len(w.word))
    taken: list[tuple[int, int]] = []
    hits: list[WordHit] = []
    for w in ordered:
        start = text.find(w.word)
        while start >= 0:
            end = start + len(w.word)
            if not _allowed_here(text, start, w) and not any(a < end and start < b for a, b in taken):
                taken.append((start, end))
                before, after = _context(text, start, end, context)
                hits.append(WordHit(w.word, w.suggestion, w.category, start, before, after))
            start = text.find(w.word, end)
    hits.sort(key=lambda h: h.start)
    return hits[:limit]


def check_word(word: str, suggestion: str, category: str) -> str | None:
    """Why a list entry cannot be used (in Chinese), or None."""
    if not word.strip():
        return "请填写错词"
    if len(word.strip()) < 2:
        return "错词至少两个字（单字会在正常文字中大量误报）"
    if category not in CATEGORIES:
        return f"类别须为：{'、'.join(CATEGORIES.values())}"
    if word.strip() == suggestion.strip():
        return "建议用词与错词相同"
    return None
