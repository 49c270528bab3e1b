"""Reports for people: the review of a file as Chinese text, and the rule catalogue."""

from __future__ import annotations

from collections import Counter

from jixiao.review.engine import CATEGORIES, DOC_SECTIONS, RULES, Rule
from jixiao.review.report import Report

SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def text_report(file: str, reports: list[Report]) -> str:
    """One file's reviews, grouped by project, findings in rule order."""
    lines = [file]
    for n, report in enumerate(reports, 1):
        name = report.name or "(无名称)"
        grade = f"{report.grade}（{report.outcome}）"
        lines.append(f"【{n}】{name}  得分 {report.score:g}  {grade}  配置 {report.profile}")
        if not report.findings:
            lines.append("  未发现问题")
        for f in report.findings:
            where = f"指标 {f.indicator.index}「{f.indicator.name}」" if f.indicator else (f.field or "")
            lines.append(f"  {SEVERITY_ZH[f.severity]} {f.code} [{CATEGORIES[f.category]}] {where}")
            lines.append(f"      {f.message}")
            lines.append(f"      修改建议：{f.hint}")
            if f.basis:
                lines.append(f"      依据：{f.basis}")
        for s in report.suppressed:
            lines.append(f"  已豁免 {s.finding.code} {s.finding.message}（理由：{s.reason}）")
    return "\n".join(lines)


def totals(reports: list[Report]) -> str:
    grades = Counter(r.grade for r in reports)
    sev = Counter(f.severity for r in reports for f in r.findings)
    return (f"合计：{len(reports)} 个项目，" + " ".join(f"{g} {grades[g]}" for g in ("优", "良", "中", "差"))
            + f"；错误 {sev['error']} 条，警告 {sev['warning']} 条，提示 {sev['info']} 条")


def rule_summary(rule: Rule) -> dict[str, str | None]:
    """A rule as catalogue data (``jixiao rules --json``)."""
    return {"code": rule.code, "name": rule.name, "title": rule.title, "category": rule.category,
            "severity": rule.severity, "message": rule.message, "hint": rule.hint, "basis": rule.basis,
            "profiles": None if rule.profiles is None else ",".join(sorted(rule.profiles))}


def catalogue() -> str:
    """The rule list as text: code, severity, category, title."""
    return "\n".join(
        f"{r.code}  {SEVERITY_ZH[r.severity]}  {CATEGORIES[r.category]}  {r.title}  ({r.name})"
        for _, r in sorted(RULES.items())
    )


def rule_page(rule: Rule) -> str:
    """A rule's doc page in Markdown: title, attributes, and the docstring's five sections."""
    doc = rule.doc()
    out = [
        f"# {rule.code} {rule.title}",
        "",
        f"`{rule.name}` · 类别 category: {CATEGORIES[rule.category]} ({rule.category}) · "
        f"严重程度 severity: {SEVERITY_ZH[rule.severity]} ({rule.severity})",
        "",
        f"消息 message: `{rule.message}`",
        "",
        f"修改建议 hint: {rule.hint}",
    ]
    if rule.profiles is not None:
        out += ["", f"适用配置 profiles: {', '.join(sorted(rule.profiles))}"]
    for section in DOC_SECTIONS:
        out += ["", f"## {section}", "", doc.get(section, "")]
    if rule.basis:
        out += ["", f"规则依据 basis: {rule.basis}"]
    return "\n".join(out).rstrip() + "\n"


def rules_index() -> str:
    lines = ["# 审核规则 · Review rules", "",
             "Generated from the code by `make docs` (`python -m jixiao.review.docs`); a test fails when "
             "this folder and the code disagree.", "",
             "| code | 严重程度 | 类别 | 规则 |", "| --- | --- | --- | --- |"]
    for code, r in sorted(RULES.items()):
        severity, category = SEVERITY_ZH[r.severity], CATEGORIES[r.category]
        lines.append(f"| [{code}]({code}.md) | {severity} | {category} | {r.title} |")
    return "\n".join(lines) + "\n"
