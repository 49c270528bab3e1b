"""Rules JX7xx: how the declaration is written (规范性): canonical target values, no markup or
stray Latin words, balanced quotes, no one-character typos, standard level names.

None of these changes what is measured; they make the published table read correctly.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from functools import lru_cache
from itertools import compress, pairwise

from jixiao.model import Target
from jixiao.review.engine import Context, Hit, IndicatorView, Rule, register
from jixiao.review.rules.units import BARE_MULTIPLIERS
from jixiao.targets import format_target, parse_target

# Where a text sits, for messages.
FIELD_NAMES = {
    "name": "项目名称",
    "goal": "年度总体目标",
    "texts.total_goal": "项目总目标",
    "texts.overview": "项目概况",
    "texts.basis": "立项依据",
    "texts.necessity": "项目设立的必要性",
    "texts.safeguards": "保证项目实施的制度、措施",
    "texts.plan": "项目实施计划",
}


def _name_and_indicators(ctx: Context) -> list[tuple[IndicatorView | None, str]]:
    """The project name (indicator None) and then every indicator's name."""
    name = ctx.declaration.name
    pairs = [(ind, ind.indicator.name) for ind in ctx.indicators]
    return [(None, name), *pairs] if name else pairs


def _joined_names(ctx: Context) -> str:
    """The project name and the indicator names, one a line (for one quick search first)."""
    return "\n".join([ctx.declaration.name or "", *[ind.indicator.name for ind in ctx.indicators]])


def _all_texts(ctx: Context) -> str:
    """Every text a format rule reads, one a line: the name, the free texts, the indicator names,
    and the qualitative target values (a number target is JX701's)."""
    inds = [ind.indicator for ind in ctx.indicators]
    return "\n".join([
        ctx.declaration.name or "", *[text for _, text in ctx.texts], *[i.name for i in inds],
        *[i.target_raw for i in inds if i.target.value is None],
    ])


def _hit(rule: Rule, ind: IndicatorView | None, text: str, **values: object) -> Hit:
    if ind is None:
        return rule.on("name", where="项目名称", text=text, **values)
    return rule.at(ind, where="指标名称", text=text, **values)


@register
class NonCanonicalTarget(Rule):
    """
    规则说明
        数值型指标值没有按规范格式书写。规范格式是"符号 数值(单位)"，数值保留两位小数，
        例如 ≥80.00(%)、=3000.00(份)。常见的不规范写法：ASCII 符号（>=95%）、没有小数（=2(人次)、
        ≥95(%)）、LaTeX 公式（`$\\geq 90.00\\%$`）、文字符号（不低于80%）、单位不加括号（>=10人）。
        只写了"万"没有单位时由 JX303 报告。

    为什么重要
        同一张汇总表里写法不一，读者难以比较，也容易误读；从其他系统转换来的 LaTeX 公式在公开
        的表格里会显示成乱码。统一写法后，表格可以直接汇总和比对。

    示例
        培训人员满意度 `$\\geq 90.00\\%$`；后勤服务人次 =2(人次)；预算执行率 >=95%。

    应改为
        培训人员满意度 ≥90.00(%)；后勤服务人次 =2.00(人次)；预算执行率 ≥95.00(%)。

    依据
        无专门条文：上海市 2024 年度绩效目标申报表统一采用"符号 数值(单位)"、两位小数的写法，
        本规则以此为规范格式。写法不影响考核，所以本规则只是提示（info），不扣分；2020 年上海
        版式惯用 ASCII 写法（>=95%），在该档案下同样只是提示。
    """

    code = "JX701"
    name = "non-canonical-target"
    title = "指标值不是规范写法"
    category = "format"
    severity = "info"
    message = "指标「{name}」的指标值「{target}」不是规范写法，应写作「{canonical}」"
    hint = "改为「{canonical}」：符号 数值(单位)，数值保留两位小数"
    basis = "无"

    def check(self, ctx: Context) -> Iterator[Hit]:
        for ind in ctx.indicators:
            t = ind.indicator.target
            if t.value is None:
                continue
            raw = ind.indicator.target_raw
            # Readers parse with parse_target, whose results are cached and shared: then the
            # answer can be cached by the text as written.
            canonical = _noncanonical(raw) if t is parse_target(raw) else _canonical_if_not(raw, t)
            if canonical is not None:
                yield self.at(ind, canonical=canonical)


def _canonical_if_not(raw: str, t: Target) -> str | None:
    """The canonical form of ``t`` when ``raw`` is not written so; None when it is, or when the
    value has only a multiplier (11万: JX303's)."""
    if t.unit in BARE_MULTIPLIERS:
        return None
    canonical = format_target(t)
    return None if raw.strip() == canonical else canonical


@lru_cache(maxsize=4096)
def _noncanonical(raw: str) -> str | None:
    return _canonical_if_not(raw, parse_target(raw))


_MARKUP = re.compile(
    r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>"  # HTML tag: <p>, <ol style="…">, <br/>
    r"|&(?:[A-Za-z]{2,8}|#\d{1,6}|#x[0-9A-Fa-f]{1,6});"  # HTML entity: &nbsp;
    r"|\\(?:[A-Za-z]{2,}|[%$&#_{}])"  # LaTeX: \geq, \text, \%
    r"|\$[^$\n]{1,40}\$"  # $…$
    r"|\*\*[^*\n]+\*\*"  # markdown bold
    r"|-{3,}\s*\||\|\s*:?-{3,}"  # markdown table rule
    r"|^#{1,6}\s"  # markdown heading
    r"|\[[^\]\n]+\]\([^)\n]+\)"  # markdown link
)

# Every markup above has one of these characters: a fast first search.
_MARKUP_CHAR = re.compile(r"[<&\\$*|#\[]")


@register
class MarkupInText(Rule):
    """
    规则说明
        项目名称、指标名称、文字型指标值或年度总体目标等文字中残留了排版代码：HTML 标签
        （`<p>`、`<br/>`、`&nbsp;`）、LaTeX 公式（`$…$`、`\\geq`、`\\%`）或 Markdown 记号
        （`**粗体**`、`|---|` 表格线）。数值型指标值中的 LaTeX 由 JX701 报告。

    为什么重要
        这些代码是从网页、文档转换时带进来的，公开的绩效目标表会把它们原样显示出来，读者看到的
        是乱码；名称里夹着代码，也无法与其他年度的同名项目、同名指标对照。

    示例
        年度总体目标：`<p>将红十字"人道、博爱、奉献"的精神内涵……</p>`；
        指标名称：`**培训人数**`。

    应改为
        删除代码，只保留文字：将红十字"人道、博爱、奉献"的精神内涵……；培训人数。

    依据
        无专门条文：绩效目标随预算公开（中发〔2018〕34号），公开的文字应当干净可读。
    """

    code = "JX702"
    name = "markup-in-text"
    title = "文字中残留排版代码"
    category = "format"
    severity = "warning"
    message = "{where}中残留排版代码「{markup}」"
    hint = "删除排版代码「{markup}」，只保留文字"
    basis = "无"

    def check(self, ctx: Context) -> Iterator[Hit]:
        if not _MARKUP_CHAR.search(_all_texts(ctx)):  # markup is rare: one search first
            return
        name = ctx.declaration.name
        if name and (m := _MARKUP.search(name)):
            yield self.on("name", where="项目名称", markup=m[0])
        for field, text in ctx.texts:
            if m := _MARKUP.search(text):
                yield self.on(field, where=FIELD_NAMES.get(field, field), markup=m[0])
        for ind in ctx.indicators:
            if m := _MARKUP.search(ind.name):
                yield self.at(ind, where=f"指标「{ind.name}」的名称", markup=m[0])
            elif ind.indicator.target.value is None and (m := _MARKUP.search(ind.raw)):
                yield self.at(ind, where=f"指标「{ind.name}」的指标值", markup=m[0])


_LATIN_WORD = re.compile(r"(?<![A-Za-z])[a-z]{2,}(?![A-Za-z])")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Lower-case words that are names of things, not English prose.
_LATIN_OK = frozenset(("app", "wifi", "web", "www", "com", "cn", "km", "kg", "cm", "mm", "ml", "mg"))


def _latin_word(text: str) -> str | None:
    """The first lower-case Latin word in a Chinese ``text``, not counting markup (JX702's)."""
    words = [w for w in _LATIN_WORD.findall(text) if w not in _LATIN_OK]
    if not words or not _CJK.search(text):
        return None
    if _MARKUP.search(text):
        return _latin_word(_MARKUP.sub(" ", text))
    return words[0]


@register
class LatinWordInName(Rule):
    """
    规则说明
        中文的项目名称或指标名称中夹有小写英文单词（and、of、the …），多半是翻译或转换遗留。
        大写缩写（HLA、AED、IT、APP）和常见的小写名称（app、wifi、km）不在此列。

    为什么重要
        项目名称要与预算、批复、公开文件一致。"遗体 and 人体器官捐献"与预算中的"遗体和人体器官
        捐献"对不上，同名项目的跨年对照和检索都会失败，公开后也有损严肃性。

    示例
        遗体 and 人体器官捐献工作专项经费。

    应改为
        遗体和人体器官捐献工作专项经费。

    依据
        无专门条文：项目名称应与部门预算中的项目名称一致（财预〔2015〕88号：绩效目标随预算
        一同申报、批复）。
    """

    code = "JX703"
    name = "latin-word-in-name"
    title = "名称中夹有英文单词"
    category = "format"
    severity = "warning"
    message = "{where}「{text}」中夹有英文单词「{word}」"
    hint = "改用中文（如「and」改为「和」），或删除；大写缩写可以保留"
    basis = "无"

    def check(self, ctx: Context) -> Iterator[Hit]:
        if not _LATIN_WORD.search(_joined_names(ctx)):  # rare: one search first
            return
        for ind, text in _name_and_indicators(ctx):
            word = _latin_word(text)
            if word is not None:
                yield _hit(self, ind, text, word=word)


_PAIRS = ("“”", "「」", "『』", "《》", "〈〉", "【】", "〔〕", "‘’", "()")
_OPEN = {p[0]: p[1] for p in _PAIRS}
_CLOSE_OF = {p[1]: p[0] for p in _PAIRS}
_MARKS = re.compile(r"[“”「」『』《》〈〉【】〔〕‘’()（）\"]")
_ROUND = {"（": "(", "）": ")"}  # half- and full-width round brackets pair with each other


def unbalanced_mark(text: str) -> str | None:
    """The first quote or bracket in ``text`` that has no partner, or None (``（含复审)`` is fine)."""
    stack: list[str] = []
    straight = 0
    for mark in _MARKS.findall(text):
        ch = _ROUND.get(mark, mark)
        if ch == '"':
            straight += 1
        elif ch in _OPEN:
            stack.append(mark)
        elif not stack or _ROUND.get(stack[-1], stack[-1]) != _CLOSE_OF[ch]:
            return mark
        else:
            stack.pop()
    if stack:
        return stack[0]
    return '"' if straight % 2 else None


@register
class UnbalancedQuotes(Rule):
    """
    规则说明
        项目名称或指标名称中的引号、书名号或括号不配对：有"“"没有"”"，有"《"没有"》"，
        有"("没有")"。全角与半角圆括号可以互相配对。

    为什么重要
        不配对的引号让读者弄不清引用的是哪几个字（"博爱家园"还是"博爱家园(街镇)红十字工作者"），
        名称也无法与其他文件中的同名指标对照。

    示例
        “博爱家园(街镇)红十字工作者培训覆盖率。

    应改为
        “博爱家园”(街镇)红十字工作者培训覆盖率。

    依据
        无专门条文：GB/T 15834《标点符号用法》规定引号、括号、书名号成对使用。
    """

    code = "JX704"
    name = "unbalanced-quotes"
    title = "引号或括号不配对"
    category = "format"
    severity = "warning"
    message = "{where}「{text}」中的「{mark}」没有配对"
    hint = "补全或删除不配对的「{mark}」"
    basis = "无"

    def check(self, ctx: Context) -> Iterator[Hit]:
        if not _MARKS.search(_joined_names(ctx)):
            return
        for ind, text in _name_and_indicators(ctx):
            mark = unbalanced_mark(text)
            if mark is not None:
                yield _hit(self, ind, text, mark=mark)


def _typo_at(name: str, k: int, corpus: str, window: int, repeats: int) -> tuple[str, int] | None:
    """Whether the character at ``k`` of ``name`` is a typo: (the character the rest of ``corpus``
    has there, how often), or None.

    It is when the ``window`` characters around it (``window // 2`` before it, the rest after)
    occur nowhere in ``corpus`` but in ``name`` itself, while the same phrase with another Chinese
    character in its place occurs at least ``repeats`` times. ``corpus`` holds ``name`` too.
    """
    left = window // 2
    ch = name[k]
    if not "\u4e00" <= ch <= "\u9fff":
        return None
    before, after = name[k - left : k], name[k + 1 : k - left + window]
    if corpus.count(after) <= repeats:
        return None
    found: dict[str, int] = {}
    p = corpus.find(before)
    while p != -1:
        c = corpus[p + left : p + left + 1]
        if c != ch and "\u4e00" <= c <= "\u9fff" and corpus.startswith(after, p + left + 1):
            found[c] = found.get(c, 0) + 1
        p = corpus.find(before, p + 1)
    if not found:
        return None
    c, times = max(found.items(), key=lambda kv: kv[1])
    phrase = before + ch + after
    if times < repeats or corpus.count(phrase) > name.count(phrase):
        return None  # too little evidence, or the phrase as written occurs elsewhere too
    return c, times


@lru_cache(maxsize=256)
def _slices(length: int, width: int, window: int) -> list[slice]:
    """The first ``width`` characters of each ``window`` of a text of ``length``, as slices."""
    return [slice(i, i + width) for i in range(length - window + 1)]


def typos(names: list[str], corpus: str, window: int, repeats: int) -> Iterator[tuple[int, int, str, int]]:
    """(index in ``names``, position, the other character, how often) for the first suspect
    character of each name (see :func:`_typo_at`).

    Nearly every position fails the first test — the text before it must occur ``repeats``
    times besides in the name — so that test runs for all positions of all names at once, in C.
    """
    left = window // 2
    befores: list[str] = []
    starts: list[int] = []
    for name in names:
        starts.append(len(befores))
        befores.extend(map(name.__getitem__, _slices(len(name), left, window)))
    suspects = compress(range(len(befores)), map(repeats.__lt__, map(corpus.count, befores)))
    done = -1
    for h in suspects:
        j = bisect_right(starts, h) - 1
        if j == done:
            continue
        k = h - starts[j] + left
        found = _typo_at(names[j], k, corpus, window, repeats)
        if found is not None:
            done = j
            yield j, k, *found


@register
class LikelyTypo(Rule):
    """
    规则说明
        项目名称或指标名称中有一个字，与申报表其他地方（年度总体目标、项目概况等文字，其他名称）
        反复出现（至少 typo_repeats 次，默认 2 次）的同一短语只差这一个字，而名称中的写法在别处
        从未出现，疑为笔误。短语长度取阈值 typo_window（默认 6 个字），不同的那个字前后都要有
        相同的字；数字、字母的不同不算。只出现一次的近似短语不算（"红十字救助工作"与
        "红十字救护工作"是两个项目）。

    为什么重要
        名称写错一个字，预算系统里就查不到这个项目，批复、公开和下一年度的同名项目都对不上；
        审核人也会怀疑申报表是否认真核对过。

    示例
        项目名称"少儿住院互住基金工作"，而项目概况、必要性都写"少儿住院互助基金"。

    应改为
        少儿住院互助基金工作。

    依据
        无专门条文：项目名称应与部门预算中的项目名称一致（财预〔2015〕88号：绩效目标随预算
        一同申报、批复）。
    """

    code = "JX705"
    name = "likely-typo"
    title = "名称疑有错别字"
    category = "format"
    severity = "warning"
    message = "{where}「{text}」中的「{written}」，申报表其他处写作「{other}」（{count} 处），疑为笔误"
    hint = "核对后改为「{fixed}」"
    basis = "无"

    def check(self, ctx: Context) -> Iterator[Hit]:
        window = int(ctx.thresholds.get("typo_window", 6))
        repeats = int(ctx.thresholds.get("typo_repeats", 2))
        d = ctx.declaration
        corpus = "\n".join([d.name or "", *[text for _, text in ctx.texts],
                            *[ind.indicator.name for ind in ctx.indicators]])
        left = window // 2
        entries = []
        seen: set[str] = set()
        for ind, text in _name_and_indicators(ctx):
            if len(text) >= window and text not in seen:
                seen.add(text)
                entries.append((ind, text))
        for j, k, c, count in typos([text for _, text in entries], corpus, window, repeats):
            ind, text = entries[j]
            written = text[k - left : k - left + window]
            other = written[:left] + c + written[left + 1 :]
            yield _hit(self, ind, text, written=written, other=other, count=count,
                       fixed=text[:k] + c + text[k + 1 :])


LEVEL_HINT = {
    "一级指标": "产出指标、效益指标、满意度指标、成本指标"
    "（2020 上海版式：投入与管理、产出、效果、影响力目标）",
    "二级指标": "数量指标、质量指标、时效指标、成本指标、经济效益指标、社会效益指标、生态效益指标、"
    "可持续影响指标、服务对象满意度指标",
}


@register
class UnknownLevelName(Rule):
    """
    规则说明
        一级指标或二级指标的名称不在标准指标体系中（也不是已知的别称，如"进度指标""效果目标"
        "产出目标"）。同一个名称只报告一次，报告在第一个使用它的指标上。

    为什么重要
        指标体系的分组决定了审核和自评怎样归类：产出、效益、满意度的权重不同，缺少哪一类也由
        分组判断。自造的分组名称无法归类，相关的完整性检查都会失灵，也无法与其他项目汇总比较。

    示例
        一级指标"工作目标"；二级指标"宣传指标"。

    应改为
        一级指标用 产出指标、效益指标、满意度指标、成本指标；二级指标用 数量指标、质量指标、
        时效指标、成本指标、经济效益指标、社会效益指标、生态效益指标、可持续影响指标、
        服务对象满意度指标。例如"宣传指标 / 发放宣传资料份数"应放在"产出指标 / 数量指标"下。

    依据
        财预〔2015〕88号第九条与财预〔2020〕10号自评表规定的三级指标体系；财预〔2021〕101号
        增设成本指标。
    """

    code = "JX706"
    name = "unknown-level-name"
    title = "一级或二级指标名称不规范"
    category = "format"
    severity = "warning"
    message = "{level}「{label}」不是指标体系中的名称"
    hint = "{level}使用标准名称：{choices}"
    basis = "财预〔2015〕88号《中央部门预算绩效目标管理办法》"

    def check(self, ctx: Context) -> Iterator[Hit]:
        seen: set[tuple[str, str]] = set()
        for ind in ctx.indicators:
            raw = ind.indicator
            levels = (("一级指标", raw.level1, ind.level1), ("二级指标", raw.level2, ind.level2))
            for level, label, key in levels:
                if key is not None or not label or not label.strip() or (level, label) in seen:
                    continue
                seen.add((level, label))
                yield self.at(ind, level=level, label=label, choices=LEVEL_HINT[level])


_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,8}")


def repeated_word(text: str) -> str | None:
    """A word of 2–8 Chinese characters written twice around a 、 (``时间、时间``), or None."""
    if "、" not in text:
        return None
    parts = text.split("、")
    for a, b in pairwise(parts):
        first = b[:1]
        if not first or first not in a[-8:]:
            continue
        for k in range(2, min(8, len(a), len(b)) + 1):
            if a[-k] == first and a[-k:] == b[:k] and _CJK_WORD.fullmatch(b[:k]):
                return b[:k]
    return None


@register
class RepeatedWord(Rule):
    """
    规则说明
        名称、指标值或文字中，同一个词在顿号两边紧挨着重复出现，例如"按规定时间、时间受理"。
        顿号分隔并列的词语，并列的两项相同，通常是漏改或复制粘贴留下的错误（原意多半是
        "时间、地点"之类）。逗号两边的重复（"完成培训，培训人数不少于200人"）是正常的句子，
        不在此列。

    为什么重要
        重复的词让目标说不清楚：到底按什么受理？作为考核依据的指标值含义不明，年终无法判断
        是否达成；公开的表格里也显得粗糙。

    示例
        学年中途补缴参保 按规定时间、时间受理。

    应改为
        学年中途补缴参保 按规定时间受理（或写明实际要求，例如"≤5.00(个工作日)"内受理）。

    依据
        无专门条文：指标值应表述清楚、可衡量（财预〔2021〕101号"量化易评"）。
    """

    code = "JX707"
    name = "repeated-word"
    title = "词语重复"
    category = "format"
    severity = "warning"
    message = "{where}中的「{repeated}」重复了「{word}」"
    hint = "删去重复的「{word}」，或补上漏写的词"
    basis = "无"

    def check(self, ctx: Context) -> Iterator[Hit]:
        name = ctx.declaration.name
        if name and "、" in name and (word := repeated_word(name)):
            yield self.on("name", where=f"项目名称「{name}」", repeated=f"{word}、{word}", word=word)
        for field, text in ctx.texts:
            if "、" in text and (word := repeated_word(text)):
                yield self.on(field, where=FIELD_NAMES.get(field, field), repeated=f"{word}、{word}",
                              word=word)
        for ind in ctx.indicators:
            raw = ind.indicator
            if "、" in raw.name and (word := repeated_word(raw.name)):
                yield self.at(ind, where=f"指标名称「{raw.name}」", repeated=f"{word}、{word}", word=word)
            elif ("、" in raw.target_raw and raw.target.value is None
                  and (word := repeated_word(raw.target_raw))):
                where = f"指标「{raw.name}」的指标值「{raw.target_raw}」"
                yield self.at(ind, where=where, repeated=f"{word}、{word}", word=word)
