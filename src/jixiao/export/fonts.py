"""Compact copies of the system's Noto CJK SC fonts for the PDF (:mod:`jixiao.export.pdf`).

WeasyPrint embeds each font as a subset that keeps the glyph numbers of the font it came from
(``RETAIN_GIDS``): the cost of that subset, in time and in bytes, grows with the highest glyph number
used, and in Noto CJK (65,535 glyphs) the Chinese characters sit up to glyph 62,000. A page of a
declaration spent ~120 ms of its ~270 ms subsetting three fonts, and each file was ~400 KB of fonts.

So the PDF is printed with compact copies, made once per process with HarfBuzz's subsetter (~1 s for
the four on this 2-core machine) from the very font files fontconfig finds: the characters of GB 2312
(its 6,763 汉字 and its symbols), Latin, punctuation, arrows, mathematical operators and other symbols,
the CJK symbols and full-width forms, renumbered from 1 (about 7,800 glyphs, ~2.5 MB each, kept in
memory). The stylesheet
(``print.css``) names them first (``"Jixiao Serif", "Noto Serif CJK SC", serif``): a character they lack
(a rare 汉字) is drawn from the system's full font by Pango's fallback, as before. The glyphs, metrics
and names are the Noto fonts' own (SIL Open Font License, no reserved font name); only the set of
characters and the glyph numbering differ.

The fonts reach WeasyPrint as ``@font-face`` rules (:func:`font_faces_css`) with ``url(jixiao-font:NAME)``,
which the PDF's URL fetcher answers from :func:`compact_fonts` and nothing else. Where the fonts or the
libraries are missing (no ``libharfbuzz-subset``, no Noto CJK), :func:`compact_fonts` has none, there
are no ``@font-face`` rules and the PDF uses the system's fonts directly (slower, larger, the same text).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import cache
from typing import Any

__all__ = ["FACES", "SCHEME", "compact_fonts", "font_faces_css", "repertoire", "system_font"]

LOG = logging.getLogger(__name__)

#: The URL scheme of the compact fonts in ``print.css``'s ``@font-face`` rules.
SCHEME = "jixiao-font:"
#: The compact fonts: URL name → (the system family and style it is made from, the family and weight
#: ``print.css`` knows it by).
FACES = {
    "serif": ("Noto Serif CJK SC", "Regular", "Jixiao Serif", "normal"),
    "serif-bold": ("Noto Serif CJK SC", "Bold", "Jixiao Serif", "bold"),
    "sans": ("Noto Sans CJK SC", "Regular", "Jixiao Sans", "normal"),
    "sans-bold": ("Noto Sans CJK SC", "Bold", "Jixiao Sans", "bold"),
}

#: Code point ranges kept besides GB 2312's characters: Latin (with Latin-1 and Extended-A/B),
#: General Punctuation to Miscellaneous Symbols and Arrows (‐ – — ‰ ※ № Ⅻ → ≥ ≤ ① ─ ■ ★ ✓ ⩽ …), CJK
#: Symbols and Punctuation, enclosed CJK and CJK compatibility (㈠ ㎡), CJK compatibility forms, and
#: half-width and full-width forms.
RANGES = ((0x20, 0x7E), (0xA0, 0x24F), (0x2000, 0x2BFF), (0x3000, 0x303F), (0x3200, 0x33FF),
          (0xFE10, 0xFE6F), (0xFF00, 0xFFEF))


def _gb2312() -> Iterator[str]:
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                yield bytes((high, low)).decode("gb2312")
            except UnicodeDecodeError:
                continue


@cache
def repertoire() -> tuple[int, ...]:
    """The code points the compact fonts keep (where the font has them), sorted."""
    points = {point for first, last in RANGES for point in range(first, last + 1)}
    points.update(ord(char) for char in _gb2312())
    return tuple(sorted(points))


_DECLARATIONS = """
typedef int FcBool;
typedef struct _FcPattern FcPattern;
typedef struct _FcConfig FcConfig;
FcPattern *FcNameParse(const unsigned char *name);
FcBool FcConfigSubstitute(FcConfig *config, FcPattern *p, int kind);
void FcDefaultSubstitute(FcPattern *pattern);
FcPattern *FcFontMatch(FcConfig *config, FcPattern *p, int *result);
int FcPatternGetString(const FcPattern *p, const char *object, int n, unsigned char **s);
int FcPatternGetInteger(const FcPattern *p, const char *object, int n, int *i);
void FcPatternDestroy(FcPattern *p);

typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
typedef uint32_t hb_codepoint_t;
hb_blob_t *hb_blob_create_from_file(const char *file_name);
unsigned int hb_blob_get_length(hb_blob_t *blob);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
void hb_blob_destroy(hb_blob_t *blob);
hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
unsigned int hb_face_get_glyph_count(const hb_face_t *face);
hb_blob_t *hb_face_reference_blob(hb_face_t *face);
void hb_face_destroy(hb_face_t *face);
void hb_set_add_sorted_array(hb_set_t *set, const hb_codepoint_t *sorted_codepoints, unsigned int num);
void hb_set_clear(hb_set_t *set);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
hb_set_t *hb_subset_input_unicode_set(hb_subset_input_t *input);
hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
void hb_subset_input_destroy(hb_subset_input_t *input);
"""
_FC_MATCH_PATTERN = 0
_FC_RESULT_MATCH = 0
_HB_SUBSET_SETS_LAYOUT_FEATURE_TAG = 6


@cache
def _libraries() -> tuple[Any, Any, Any, Any]:
    """cffi's handles on fontconfig, HarfBuzz and its subsetter (the libraries WeasyPrint itself loads)."""
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(_DECLARATIONS)
    return (ffi, ffi.dlopen("libfontconfig.so.1"), ffi.dlopen("libharfbuzz.so.0"),
            ffi.dlopen("libharfbuzz-subset.so.0"))


def system_font(family: str, style: str) -> tuple[str, int] | None:
    """(file, index in the collection) of the font fontconfig gives for ``family`` in ``style``, or
    ``None`` when that family is not installed (fontconfig would give another one)."""
    ffi, fc, _, _ = _libraries()
    pattern = fc.FcNameParse(f"{family}:style={style}".encode())
    if pattern == ffi.NULL:
        return None
    try:
        fc.FcConfigSubstitute(ffi.NULL, pattern, _FC_MATCH_PATTERN)
        fc.FcDefaultSubstitute(pattern)
        result = ffi.new("int *")
        match = fc.FcFontMatch(ffi.NULL, pattern, result)
    finally:
        fc.FcPatternDestroy(pattern)
    if match == ffi.NULL:
        return None
    try:
        text = ffi.new("unsigned char **")
        families = []
        while fc.FcPatternGetString(match, b"family", len(families), text) == _FC_RESULT_MATCH:
            families.append(ffi.string(text[0]).decode("utf-8", "replace"))
        if family not in families or fc.FcPatternGetString(match, b"file", 0, text) != _FC_RESULT_MATCH:
            return None
        path = ffi.string(text[0]).decode("utf-8", "surrogateescape")
        index = ffi.new("int *")
        fc.FcPatternGetInteger(match, b"index", 0, index)
        return path, index[0]
    finally:
        fc.FcPatternDestroy(match)


def _compact(path: str, index: int, points: tuple[int, ...]) -> bytes | None:
    """The face ``index`` of the font file ``path`` with the characters ``points`` only (and no layout
    features: Pango shapes Chinese without them), its glyphs renumbered."""
    ffi, _, hb, subset = _libraries()
    blob = hb.hb_blob_create_from_file(path.encode("utf-8", "surrogateescape"))
    face = hb.hb_face_create(blob, index)
    request = subset.hb_subset_input_create_or_fail()
    made = out = ffi.NULL
    try:
        if hb.hb_blob_get_length(blob) == 0 or hb.hb_face_get_glyph_count(face) == 0 or request == ffi.NULL:
            return None
        hb.hb_set_add_sorted_array(subset.hb_subset_input_unicode_set(request),
                                   ffi.new("hb_codepoint_t[]", points), len(points))
        hb.hb_set_clear(subset.hb_subset_input_set(request, _HB_SUBSET_SETS_LAYOUT_FEATURE_TAG))
        made = subset.hb_subset_or_fail(face, request)
        if made == ffi.NULL:
            return None
        out = hb.hb_face_reference_blob(made)
        length = ffi.new("unsigned int *")
        data = hb.hb_blob_get_data(out, length)
        return ffi.buffer(data, length[0])[:] if length[0] else None
    finally:
        if out != ffi.NULL:
            hb.hb_blob_destroy(out)
        if made != ffi.NULL:
            hb.hb_face_destroy(made)
        if request != ffi.NULL:
            subset.hb_subset_input_destroy(request)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)


@cache
def compact_fonts() -> dict[str, bytes]:
    """``{"jixiao-font:serif": font bytes, …}``: the compact fonts that could be made (all four where
    Noto CJK SC and HarfBuzz's subsetter are installed, else none), made once per process."""
    try:
        _libraries()
    except (ImportError, OSError) as err:
        LOG.warning("the PDF uses the system's fonts directly (slower, larger files): %s", err)
        return {}
    fonts = {}
    for name, (family, style, _, _) in FACES.items():
        found = system_font(family, style)
        data = _compact(*found, repertoire()) if found else None
        if data is None:
            LOG.warning("no compact copy of %s %s: the PDF uses the system's fonts directly", family, style)
            return {}
        fonts[SCHEME + name] = data
    return fonts


def font_faces_css() -> str:
    """The ``@font-face`` rules of the compact fonts that could be made (empty when none could)."""
    made = compact_fonts()
    return "".join(f'@font-face {{ font-family: "{css_family}"; font-weight: {weight}; '
                   f"src: url({SCHEME}{name}); }}\n"
                   for name, (_, _, css_family, weight) in FACES.items() if SCHEME + name in made)
