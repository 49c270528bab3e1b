"""The PDF export (jixiao.export.pdf): the web pages' own templates printed on A4 by WeasyPrint.

Read back three ways: pdfplumber (the text, page by page, and the table cells), poppler's pdftotext
(the Chinese exactly, no ``(cid:…)``), pdffonts (every font embedded, as a subset with a ToUnicode map)
and pdftoppm (page 1 of each layout rendered). A missing glyph is caught by three independent signs,
each explained at :func:`glyph_problems`; a test shows that they do catch one.

Without WeasyPrint's libraries (Pango), the Noto CJK fonts or poppler the tests are skipped with the
reason, or fail when JIXIAO_REQUIRE_BROWSER=1 (as .ci/run sets it; `make test` installs them all).
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from html.parser import HTMLParser

import pytest

import jixiao
from jixiao.evaluation import Evaluator
from jixiao.model import Declaration
from jixiao.monitoring import monitor
from jixiao.review import review

from .conftest import ACTUALS_2024, ACTUALS_M7, SEED_2020, SEED_2024

LONG = "学校红十字组织建设工作专项经费"  # 22 indicators: its table spans two pages
BODY = "遗体 and 人体器官捐献工作专项经费"  # the year end's actuals score 97.00 (优)
INFORMATION = "信息化建设项目"  # 红 at 2024-07-31
POPPLER = ("pdftotext", "pdffonts", "pdftoppm")
RARE_NAME = "堃喆昇䶮𡈼项目"  # not in GB 2312: in GBK, in CJK Extension A (䶮) and B (𡈼); all in Noto CJK


def _unavailable(reason: str) -> None:
    if os.environ.get("JIXIAO_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} and JIXIAO_REQUIRE_BROWSER=1")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def pdf():
    """jixiao.export.pdf once WeasyPrint, its libraries and the CJK fonts are there."""
    try:
        import weasyprint  # noqa: F401  (loads Pango: OSError without it)
    except (ImportError, OSError) as err:
        _unavailable(f"WeasyPrint cannot load ({type(err).__name__}: {err}); make pdf-deps installs "
                     "its libraries")
    if not shutil.which("fc-list") or not subprocess.run(
            ["fc-list", "Noto Sans CJK SC"], capture_output=True, text=True).stdout.strip():
        _unavailable("fontconfig or the Noto CJK fonts are missing (Debian's fonts-noto-cjk; make pdf-deps)")
    from jixiao.export import pdf as module

    return module


@pytest.fixture(scope="module")
def poppler() -> None:
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        _unavailable(f"poppler's {', '.join(missing)} missing (Debian's poppler-utils; make poppler)")


@pytest.fixture(scope="module")
def seeds() -> list[Declaration]:
    return jixiao.read(SEED_2024) + jixiao.read(SEED_2020)


def named(declarations: list[Declaration], name: str) -> Declaration:
    return next(d for d in declarations if d.name == name)


# -- rendering, with WeasyPrint's log --------------------------------------------------------------------

@dataclass(frozen=True)
class Rendered:
    data: bytes
    html: str  # the print HTML it was made from (several joined for several documents)
    log: tuple[str, ...]  # what WeasyPrint logged while making it (warnings and errors)


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def render(make: Callable[[], bytes], html: str) -> Rendered:
    recorder = _Recorder()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(recorder)
    try:
        data = make()
    finally:
        logger.removeHandler(recorder)
    return Rendered(data, html, tuple(recorder.messages))


@pytest.fixture(scope="module")
def made(pdf, seeds) -> Callable[[str], Rendered]:
    """The PDFs of these tests, each made once: ``made("first-2024")``."""
    final = jixiao.read(ACTUALS_2024)
    july = jixiao.read(ACTUALS_M7)

    def first_2024() -> Rendered:
        d = seeds[0]
        report = review(d)
        return render(lambda: pdf.declaration_pdf(d, report), pdf.declaration_html(d, report))

    def first_2020() -> Rendered:
        d = next(d for d in seeds if d.year == 2020)
        return render(lambda: pdf.declaration_pdf(d), pdf.declaration_html(d))

    def long() -> Rendered:
        d = named(seeds, LONG)
        return render(lambda: pdf.declaration_pdf(d), pdf.declaration_html(d))

    def several() -> Rendered:
        picked = [seeds[0], named(seeds, LONG), seeds[-1]]
        reports = [review(d) for d in picked]
        return render(lambda: pdf.declarations_pdf(picked, reports),
                      "".join(pdf.declaration_html(d, r) for d, r in zip(picked, reports, strict=True)))

    def self_evaluation() -> Rendered:
        d = named(final, BODY)
        evaluation = Evaluator().evaluate(d)
        return render(lambda: pdf.self_evaluation_pdf(d, evaluation), pdf.self_evaluation_html(d, evaluation))

    def monitoring() -> Rendered:
        d = named(july, INFORMATION)
        lit = monitor(d, date(2024, 7, 31))
        return render(lambda: pdf.monitoring_pdf(d, lit), pdf.monitoring_html(d, lit))

    def missing_glyph() -> Rendered:
        d = seeds[0].model_copy(update={"name": "测试\ue000项目"})  # U+E000: private use, in no font
        return render(lambda: pdf.declaration_pdf(d), pdf.declaration_html(d))

    def rare() -> Rendered:
        d = seeds[0].model_copy(update={"name": RARE_NAME})
        return render(lambda: pdf.declaration_pdf(d), pdf.declaration_html(d))

    makers = {"first-2024": first_2024, "first-2020": first_2020, "long": long, "several": several,
              "self-evaluation": self_evaluation, "monitoring": monitoring, "missing-glyph": missing_glyph,
              "rare": rare}
    return cache(lambda key: makers[key]())


LAYOUTS = ("first-2024", "first-2020", "self-evaluation", "monitoring")


# -- reading back ----------------------------------------------------------------------------------------

def squeeze(text: str) -> str:
    """White space removed: a cell's text wraps at the column's width."""
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class Page:
    text: str  # pdfplumber's text of the page
    cells: tuple[str, ...]  # the text of each table cell, squeezed
    landscape: bool

    @property
    def flat(self) -> str:
        """The page's text and its cells, squeezed: a wrapped name is whole in its cell."""
        return squeeze(self.text) + "\n" + "\n".join(self.cells)


def pages(data: bytes) -> list[Page]:
    import pdfplumber

    found = []
    with pdfplumber.open(io.BytesIO(data)) as document:
        for page in document.pages:
            cells = tuple(squeeze(cell) for table in page.extract_tables() for row in table
                          for cell in row if cell)
            found.append(Page(page.extract_text() or "", cells, page.width > page.height))
    return found


def run(*command: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(command, input=data, capture_output=True, timeout=60, check=False)


def pdftotext(data: bytes) -> str:
    done = run("pdftotext", "-enc", "UTF-8", "-", "-", data=data)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode("utf-8")


@dataclass(frozen=True)
class Font:
    name: str
    type: str
    encoding: str
    embedded: bool
    subset: bool
    unicode: bool


def pdffonts(data: bytes) -> list[Font]:
    done = run("pdffonts", "-", data=data)
    assert done.returncode == 0, done.stderr
    fonts = []
    for line in done.stdout.decode().splitlines()[2:]:
        # name, type (with spaces), encoding, emb, sub, uni, object, generation
        found = re.match(r"^(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line)
        assert found, line
        name, kind, encoding, emb, sub, uni = found.groups()
        fonts.append(Font(name, kind, encoding, emb == "yes", sub == "yes", uni == "yes"))
    return fonts


class _Visible(HTMLParser):
    """The text a browser shows of a page's body (no <head>, no attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.body = self.body or tag == "body"

    def handle_data(self, data: str) -> None:
        if self.body:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "".join(parser.parts)


# -- the glyph check -------------------------------------------------------------------------------------

STYLE_WORDS = {"Bold", "Italic", "Oblique", "Light", "Medium", "Regular"}
#: The compact copies of the fonts (jixiao.export.fonts) → the system family they are made from.
COMPACT = {"Jixiao Serif": "Noto Serif CJK SC", "Jixiao Sans": "Noto Sans CJK SC"}


@cache
def font_cmap(pdf_font: str) -> frozenset[int]:
    """The code points of the system font a PDF font was subset from. WeasyPrint names the subset after
    Pango's description (``ABCDEF+Jixiao-Sans-Bold``): family and style, found with fc-match; a compact
    copy (Jixiao Sans) is checked against the font it was made from (its characters are a part of it)."""
    from fontTools.ttLib import TTFont

    words = pdf_font.split("+", 1)[-1].replace("-", " ").split()
    styles = []
    while words and words[-1] in STYLE_WORDS:
        styles.insert(0, words.pop())
    family = COMPACT.get(" ".join(words), " ".join(words))
    found = subprocess.run(["fc-match", "-f", "%{family}\n%{file}\n%{index}",
                            f"{family}:style={' '.join(styles) or 'Regular'}"],
                           capture_output=True, text=True, check=True).stdout.split("\n")
    assert family in found[0].split(","), f"fc-match gave {found[0]} for {pdf_font}"
    return frozenset(TTFont(found[1], fontNumber=int(found[2] or 0), lazy=True).getBestCmap())


def glyph_problems(rendered: Rendered) -> list[str]:
    """What shows that a glyph is missing, by three independent signs:

    1. WeasyPrint's log: Pango gives it no glyph for a code point that no font has; WeasyPrint then
       draws .notdef and warns ``.notdef glyph rendered …``. The primary, exact sign.
    2. pdffonts: WeasyPrint maps a font's glyphs with ``Identity-H`` unless one of them was missing,
       when it writes a custom CMap instead (so that the text stays copyable): every font must be
       ``Identity-H``, embedded, subset, with a ToUnicode map.
    3. The fonts themselves: every character pdfplumber reads is in the cmap of the system font its
       PDF font was subset from (fontTools), whatever WeasyPrint said.
    """
    problems = [message for message in rendered.log if "glyph" in message]
    for font in pdffonts(rendered.data):
        if not (font.embedded and font.subset and font.unicode and font.encoding == "Identity-H"):
            problems.append(f"font {font.name}: {font.encoding}, emb {font.embedded}, sub {font.subset}, "
                            f"uni {font.unicode}")
    import pdfplumber

    with pdfplumber.open(io.BytesIO(rendered.data)) as document:
        for page in document.pages:
            for char in page.chars:
                text = char["text"]
                if len(text) != 1 or (not text.isspace() and ord(text) not in font_cmap(char["fontname"])):
                    problems.append(f"page {page.page_number}: {text!r} not in {char['fontname']}")
    return problems


# -- the tests -------------------------------------------------------------------------------------------

def test_the_2024_declaration_reads_back_with_every_indicator(made, seeds, poppler):
    rendered = made("first-2024")
    read = pages(rendered.data)
    flat = "\n".join(page.flat for page in read)
    d = seeds[0]
    assert read[0].text.startswith("财政项目支出绩效目标申报表（2024年度）\n" + d.name + "\n")
    assert not read[0].landscape
    for indicator in d.indicators:
        assert squeeze(indicator.name) in flat, indicator.name
        assert squeeze(indicator.target_raw) in flat, indicator.target_raw
    assert "522,400.00" in read[0].text
    # With its review: the score, a column of findings and the findings themselves.
    report = review(d)
    assert f"审核得分 {report.score} · 等级 {report.grade}" in read[0].text
    assert "审核意见" in flat and all(f.code in flat for f in report.findings)
    assert rendered.log == ()


def test_the_2020_declaration_reads_back_without_a_review(made, seeds, poppler):
    read = pages(made("first-2020").data)
    d = next(d for d in seeds if d.year == 2020)
    flat = "\n".join(page.flat for page in read)
    assert read[0].text.startswith("财政项目支出绩效目标表（2020年度）\n")
    assert squeeze(d.name) in flat
    assert "总目标及阶段性目标" in flat
    for indicator in d.indicators:
        assert squeeze(indicator.name) in flat and squeeze(indicator.target_raw) in flat
    assert "审核意见" not in flat  # no review given: no review column


def test_a_long_table_breaks_between_rows_with_its_header_repeated(made, seeds, poppler):
    d = named(seeds, LONG)
    read = pages(made("long").data)
    assert len(read) == 2
    assert [p.text.splitlines()[-1] for p in read] == ["第 1 页 / 共 2 页", "第 2 页 / 共 2 页"]
    header = "# 一级指标 二级指标 三级指标 指标值"
    assert header in read[0].text.splitlines()
    assert read[1].text.splitlines()[0] == header  # the table's header again, on top of page 2
    # Each row whole on one page, in the form's order across the break.
    where = []
    for number, indicator in enumerate(d.indicators, 1):
        on = [i for i, page in enumerate(read) if squeeze(indicator.name) in page.cells]
        assert len(on) == 1, (indicator.name, on)
        where.append(on[0])
        assert any(line.startswith(f"{number} ") for line in read[on[0]].text.splitlines())
    assert where == sorted(where) and where[0] == 0 and where[-1] == 1


def continued_levels(data: bytes, declaration: Declaration) -> list[tuple[int, str, str]]:
    """(page, level 1, level 2) of the first indicator row of each page after the first whose table goes
    on from the page before, with whether its level names are among that page's cells."""
    read = pages(data)
    found = []
    for number, page in enumerate(read[1:], start=2):
        first = next((i for i, ind in enumerate(declaration.indicators)
                      if squeeze(ind.name) in page.cells), None)
        if first is None:
            continue
        ind = declaration.indicators[first]
        found.append((number, ind.level1 or "", ind.level2 or ""))
        assert squeeze(ind.level1 or "") in page.cells, (number, ind.level1, page.cells[:12])
        assert squeeze(ind.level2 or "") in page.cells, (number, ind.level2, page.cells[:12])
    return found


def test_a_merged_level_cell_carried_over_a_page_break_is_named_on_the_next_page(made, seeds, poppler):
    """The first row of page 2 is the 11th of the 18 rows of 产出指标 (and of 数量指标): the merged cells
    end at the break and start again, named, on top of page 2 (WeasyPrint would draw the text of a cell
    spanning rows on two pages on the first page only)."""
    assert continued_levels(made("long").data, named(seeds, LONG)) == [(2, "产出指标", "数量指标")]
    final = named(jixiao.read(ACTUALS_2024), BODY)
    assert len(continued_levels(made("self-evaluation").data, final)) == 1  # the landscape table too


def test_the_split_ends_and_restarts_the_merged_cells_at_the_first_row_of_a_page():
    from types import SimpleNamespace

    from jixiao.export import pdf as module
    from jixiao.web.pages import IndicatorRow

    levels = [("产出", "数量"), ("产出", "数量"), ("产出", "质量"), ("产出", "质量"), ("效益", "社会")]
    rows = [IndicatorRow(i, SimpleNamespace(level1=a, level2=b), 0, 0) for i, (a, b) in enumerate(levels, 1)]
    rows[0].level1_span, rows[0].level2_span, rows[2].level2_span = 4, 2, 2
    rows[4].level1_span = rows[4].level2_span = 1

    def document(*pages: range) -> SimpleNamespace:
        return SimpleNamespace(pages=[SimpleNamespace(anchors={f"ind-{n}": (0, 0) for n in p} | {"x": (0, 0)})
                                      for p in pages])

    assert module._split_at_breaks(document(range(1, 5), range(5, 6)), rows) is False  # breaks between cells
    assert module._split_at_breaks(document(range(1, 4), range(4, 6)), rows) is True
    assert [(r.level1_span, r.level2_span) for r in rows] == [(3, 2), (0, 0), (0, 1), (1, 1), (1, 1)]
    assert module._split_at_breaks(document(range(1, 4), range(4, 6)), rows) is False  # done once


def test_a_declaration_embeds_two_compact_faces(made, poppler):
    """Serif for the text, bold sans for the titles and headers: two fonts to subset and embed per file,
    both the compact copies (jixiao.export.fonts), so a one-page file is small."""
    for key in ("first-2024", "long"):
        rendered = made(key)
        names = {re.sub(r"^[A-Z]{6}\+", "", font.name) for font in pdffonts(rendered.data)}
        assert names == {"Jixiao-Serif", "Jixiao-Sans-Bold"}, (key, names)
    assert len(made("first-2020").data) < 250_000


def test_characters_outside_the_compact_fonts_come_from_the_full_fonts(made, poppler):
    """汉字 beyond GB 2312 (堃 喆 昇 of GBK, 䶮 and 𡈼 of the Extensions A and B) are drawn from the system's
    Noto font after the compact one, copy back exactly, and no glyph is missing."""
    rendered = made("rare")
    assert glyph_problems(rendered) == [] and rendered.log == ()
    names = {re.sub(r"^[A-Z]{6}\+", "", font.name) for font in pdffonts(rendered.data)}
    assert "Noto-Serif-CJK-SC" in names or "Noto-Sans-CJK-SC" in names, names
    assert RARE_NAME in pdftotext(rendered.data)


def test_the_compact_fonts_keep_the_repertoire_with_their_glyphs_renumbered(pdf):
    from fontTools.ttLib import TTFont

    from jixiao.export import fonts

    made = fonts.compact_fonts()
    assert sorted(made) == [fonts.SCHEME + name for name in sorted(fonts.FACES)]
    wanted = set(fonts.repertoire())
    assert {ord(c) for c in "申报表绩效目标≥≤①→✓—·（）％"} <= wanted and 0x5803 not in wanted  # 堃: GBK only
    for name, (family, style, _, _) in fonts.FACES.items():
        compact = TTFont(io.BytesIO(made[fonts.SCHEME + name]))
        path, index = fonts.system_font(family, style)
        source = TTFont(path, fontNumber=index, lazy=True)
        kept, has = set(compact.getBestCmap()), set(source.getBestCmap())
        assert kept == wanted & has  # every wanted character the font has, and nothing else
        assert compact["maxp"].numGlyphs < 9_000 < source["maxp"].numGlyphs  # renumbered: 65,535 → ~7,800


def test_declaration_pdfs_in_worker_processes_are_the_same_files(pdf, seeds):
    picked = [seeds[0], seeds[-1], seeds[1]]
    alone = [pdf.declaration_pdf(d) for d in picked]
    assert list(pdf.declaration_pdfs(picked, processes=2)) == alone
    assert list(pdf.declaration_pdfs(picked[:1], processes=1)) == alone[:1]
    with pytest.raises(ValueError, match="3 declarations but 1 reviews"):
        list(pdf.declaration_pdfs(picked, [None]))


def test_several_declarations_each_start_a_page_numbered_on_their_own(made, seeds, poppler):
    read = pages(made("several").data)
    starts = [i for i, page in enumerate(read) if page.text.startswith("财政项目支出绩效目标")]
    assert len(starts) == 3 and starts[0] == 0
    names = [seeds[0].name, LONG, seeds[-1].name]
    assert [squeeze(read[i].text.splitlines()[1]) for i in starts] == [squeeze(n) for n in names]
    footers = [page.text.splitlines()[-1] for page in read]
    for start, end in zip(starts, [*starts[1:], len(read)], strict=True):
        count = end - start
        assert footers[start:end] == [f"第 {n} 页 / 共 {count} 页" for n in range(1, count + 1)]



def test_links_lead_within_their_own_declaration(made, poppler):
    """审核意见 link to their indicator in the same declaration (each has an ``ind-3``); the web app's
    links (/rules/JX108) are dropped: from a file they lead nowhere."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(made("several").data)) as document:
        number, targets = 0, []
        for page in document.pages:
            if (page.extract_text() or "").startswith("财政项目支出绩效目标"):
                number += 1
            assert page.hyperlinks == []  # no URI link
            for annotation in page.annots:
                target = annotation["data"]["Dest"].decode()
                assert target.startswith(f"d{number}-"), (page.page_number, target)
                targets.append(target)
    assert number == 3 and any(t.startswith("d1-ind-") for t in targets) and any(
        t.startswith("d3-finding-") for t in targets)


def test_the_self_evaluation_table(made, poppler):
    read = pages(made("self-evaluation").data)
    flat = "\n".join(page.flat for page in read)
    assert read[0].text.startswith("项目支出绩效自评表\n年度自评\n")
    assert read[0].landscape
    assert squeeze(BODY) in flat
    assert "总分97.00" in flat and "等级优" in flat
    assert "9.50+47.50+30.00+10.00=97.00" in flat  # the total's formula
    assert "950÷1000×(50÷7)=6.79" in flat  # indicator 2's score with its numbers
    final = named(jixiao.read(ACTUALS_2024), BODY)
    for indicator in final.indicators:
        assert squeeze(indicator.name) in flat and squeeze(indicator.actual_raw or "") in flat
    assert len(read) >= 2 and "一级指标" in read[1].text.splitlines()[0]  # the header on page 2


def test_the_monitoring_table(made, poppler):
    read = pages(made("monitoring").data)
    flat = "\n".join(page.flat for page in read)
    assert read[0].text.startswith("项目支出绩效目标执行监控表\n1–7月监控 · 截至 2024-07-31\n")
    assert read[0].landscape
    assert squeeze(INFORMATION) in flat
    assert "项目：红" in flat and "序时进度（应达进度）：58.20%" in flat
    assert "涉及资金：3,718,900.00元" in flat
    july = named(jixiao.read(ACTUALS_M7), INFORMATION)
    for indicator in july.indicators:
        assert squeeze(indicator.name) in flat and squeeze(indicator.target_raw) in flat


@pytest.mark.parametrize("key", [*LAYOUTS, "long", "several"])
def test_fonts_are_embedded_and_the_text_is_exactly_the_pages(made, poppler, key):
    """pdffonts: every font embedded (a subset, with ToUnicode); pdftotext gives back exactly the
    characters of the page (as a browser shows it, plus the page numbers), no (cid:…), no U+FFFD."""
    rendered = made(key)
    fonts = pdffonts(rendered.data)
    assert fonts and all(font.embedded and font.subset and font.unicode for font in fonts), fonts
    assert {re.sub(r"^[A-Z]{6}\+", "", font.name) for font in fonts} <= {
        "Jixiao-Sans", "Jixiao-Sans-Bold", "Jixiao-Serif", "Jixiao-Serif-Bold"}  # the compact copies
    text = pdftotext(rendered.data)
    assert "(cid:" not in text and "\ufffd" not in text
    shown, extracted = set(squeeze(visible_text(rendered.html))), set(squeeze(text))
    assert shown <= extracted, shown - extracted
    assert extracted - shown <= set("第页/共0123456789•"), extracted - shown  # page numbers, bullets


@pytest.mark.parametrize("key", LAYOUTS)
def test_no_glyph_is_missing_and_page_one_renders(made, poppler, key, tmp_path):
    rendered = made(key)
    assert glyph_problems(rendered) == []
    done = run("pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", "-", str(tmp_path / "page"),
               data=rendered.data)
    assert done.returncode == 0 and done.stderr == b"", done.stderr  # poppler complains of a bad font
    from PIL import Image

    [image_path] = tmp_path.glob("page*.png")
    with Image.open(image_path) as image:
        gray = image.convert("L")
        width, height = gray.size
        assert (width > height) == (key in ("self-evaluation", "monitoring"))  # A4, landscape or not
        assert abs(max(width, height) / min(width, height) - 297 / 210) < 0.01
        dark = sum(gray.histogram()[:128])
        assert dark > 0.005 * width * height  # text was drawn


def test_the_glyph_check_catches_a_missing_glyph(made, poppler):
    problems = glyph_problems(made("missing-glyph"))
    assert any("U+E000" in p for p in problems)  # WeasyPrint's warning
    assert any(p.startswith("font ") and "Identity-H" not in p for p in problems)  # its custom CMap


def test_nothing_is_fetched(pdf, seeds, monkeypatch):
    """No URL is fetched, whatever the HTML names: the fetcher refuses, no connection is attempted."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    html = ('<html><head><link rel="stylesheet" href="https://example.com/a.css"></head><body class="print">'
            '<img src="http://example.com/b.png"><img src="file:///etc/passwd">'
            '<p style="background: url(https://example.com/c.png)">正文</p></body></html>')
    rendered = render(lambda: pdf.render_pdf([html]), html)
    assert rendered.data.startswith(b"%PDF-")
    assert attempts == []
    refused = [m for m in rendered.log if "fetches nothing" in m]
    assert len(refused) >= 3, rendered.log
    assert pdf.declaration_pdf(seeds[0]).startswith(b"%PDF-") and attempts == []


# -- the print HTML: the web page's template without the web page's parts (no WeasyPrint needed) ---------

def test_the_print_html_has_no_navigation_forms_or_scripts(seeds):
    from jixiao.export import pdf as module

    final = named(jixiao.read(ACTUALS_2024), BODY)
    july = named(jixiao.read(ACTUALS_M7), INFORMATION)
    htmls = [module.declaration_html(seeds[0], review(seeds[0])), module.declaration_html(seeds[-1]),
             module.self_evaluation_html(final, Evaluator().evaluate(final)),
             module.monitoring_html(july, monitor(july, date(2024, 7, 31)))]
    for html in htmls:
        assert '<body class="print' in html
        for tag in ("<nav", "<form", "<button", "<script", "<input", "<textarea", "<link", "csrf"):
            assert tag not in html
        assert "项目编号" not in html and "返回项目详情" not in html and "把鼠标停在灯上" not in html
    assert "<h2>版本</h2>" not in htmls[0] and "审核意见" in htmls[0] and "审核意见" not in htmls[1]
    assert 'class="print landscape"' in htmls[2] and 'class="print landscape"' in htmls[3]


def test_reports_are_checked_against_their_declaration(seeds):
    from jixiao.export import pdf as module

    july = named(jixiao.read(ACTUALS_M7), INFORMATION)
    with pytest.raises(ValueError, match="year end"):
        module.monitoring_html(july, monitor(july, date(2024, 12, 31)))
    with pytest.raises(ValueError, match="not this declaration's"):
        module.monitoring_html(seeds[0], monitor(july, date(2024, 7, 31)))
    with pytest.raises(ValueError, match="not this declaration's"):
        module.self_evaluation_html(seeds[0], Evaluator().evaluate(july))


@pytest.fixture(autouse=True)
def _no_leftover_handlers() -> Iterator[None]:
    yield
    assert not any(isinstance(h, _Recorder) for h in logging.getLogger("weasyprint").handlers)
