"""A large corpus for the web benchmark: N declarations as text files in the 2024 form layout.

Each declaration is one 财政项目支出绩效目标申报表 (tab-separated cells, as ``jixiao import`` reads
them), with about 15 level-3 indicators taken from the seed forms' real indicator rows and mixed
over the level-1/level-2 groups (产出: 数量/质量/时效; 效益: 经济/社会效益, 可持续影响; 满意度).
The spread is realistic: ~30 主管部门 of unequal size, ~10 实施单位 each, the years 2022-2026,
distinct Chinese project names (a share of them with common words such as 培训, 设备, 骨髓, 救护, so
searches match a realistic fraction), funds from tens of thousands to tens of millions of yuan.

Deterministic (seeded) and fast: the forms are written as strings, never through the model.
1,000 declarations per file. ``python bench/webcorpus.py DIR --count N`` writes the files.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "src" / "jixiao" / "samples"
SEED_2024 = SAMPLES / "shanghai-redcross-2024-targets.txt"
SEED_2020 = SAMPLES / "shanghai-redcross-affairs-center-2020-targets.txt"
PER_FILE = 1_000
YEARS = (2022, 2023, 2024, 2025, 2026)

DEPARTMENTS = [
    "上海市红十字会", "上海市卫生健康委员会", "上海市教育委员会", "上海市民政局", "上海市科学技术委员会",
    "上海市文化和旅游局", "上海市体育局", "上海市应急管理局", "上海市生态环境局", "上海市农业农村委员会",
    "上海市交通委员会", "上海市住房和城乡建设管理委员会", "上海市水务局", "上海市绿化和市容管理局",
    "上海市市场监督管理局", "上海市公安局", "上海市司法局", "上海市人力资源和社会保障局",
    "上海市财政局", "上海市统计局", "上海市医疗保障局", "上海市退役军人事务局", "上海市残疾人联合会",
    "上海市妇女联合会", "共青团上海市委员会", "上海市总工会", "上海市档案局", "上海市气象局",
    "上海市地震局", "上海市消防救援总队",
]
UNIT_KINDS = [
    "机关", "事务中心", "信息中心", "培训中心", "宣传教育中心", "服务中心", "研究所", "监督所",
    "档案馆", "后勤服务中心", "指导中心", "发展中心",
]
PLACES = [
    "", "", "", "市级", "浦东新区", "黄浦区", "静安区", "徐汇区", "长宁区", "普陀区", "虹口区", "杨浦区",
    "闵行区", "宝山区", "嘉定区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区", "社区", "街镇",
    "学校", "高校", "医院", "农村", "园区", "重点",
]
# (subject, weight): the common words of the searches (培训, 设备, 骨髓, 救护) are in some of them.
SUBJECTS = [
    ("应急救护培训", 6), ("救护员培训", 3), ("救护车辆更新", 2), ("骨髓库建设", 2), ("骨髓捐献宣传", 1),
    ("造血干细胞采集", 1), ("医疗设备购置", 4), ("办公设备更新", 3), ("信息设备运维", 3),
    ("专业技术人员培训", 4), ("志愿者培训", 2), ("志愿服务", 4), ("遗体和器官捐献", 1), ("救灾物资储备", 2),
    ("人道救助", 2), ("健康教育", 3), ("公共卫生监测", 3), ("食品安全抽检", 2), ("校舍修缮", 3),
    ("图书资料采购", 2), ("档案数字化", 2), ("信息化建设", 5), ("网络安全保障", 3), ("数据治理", 2),
    ("宣传传播", 3), ("课题研究", 2), ("组织建设", 2), ("机关运行保障", 3), ("安全生产检查", 2),
    ("防汛防台", 1), ("河道保洁", 1), ("绿化养护", 2), ("垃圾分类推进", 1), ("体育赛事举办", 1),
    ("群众文化活动", 2), ("非遗保护传承", 1), ("就业援助", 2), ("养老服务补贴", 2), ("残疾人康复", 1),
    ("退役军人服务", 1), ("法律援助", 1), ("社区矫正", 1), ("消防装备配置", 1), ("气象观测设备维护", 1),
    ("地震监测", 1), ("统计调查", 1), ("平台运维", 3), ("系统升级改造", 2), ("科普教育", 2),
]
QUALIFIERS = ["", "", "", "", "标准化", "示范", "升级", "规范化", "一体化", "综合", "专业化", "数字化",
              "常态化", "长效", "提质增效"]
ENDINGS = ["专项经费", "项目", "工作经费", "补助资金", "建设项目", "运维经费", "专项", "能力提升项目"]
NATURES = ["经常性专项业务费"] * 6 + ["其他一次性项目"] * 3 + ["跨年度支出项目"]
CATEGORIES = ["特定目标类"] * 8 + ["其他运转类"] * 2
# Level-1 label, level-2 label, the canonical group the seed rows come from, how many (min, max).
# The 2024 form writes the full labels (产出指标 / 数量指标); about 15 indicators a declaration.
GROUPS = [
    ("产出指标", "数量指标", ("产出", "数量"), (5, 8)),
    ("产出指标", "质量指标", ("产出", "质量"), (2, 4)),
    ("产出指标", "时效指标", ("产出", "时效"), (1, 2)),
    ("效益指标", "经济效益指标", ("效益", "经济效益"), (0, 1)),
    ("效益指标", "社会效益指标", ("效益", "社会效益"), (1, 3)),
    ("效益指标", "可持续影响指标", ("效益", "可持续影响"), (0, 1)),
    ("满意度指标", "服务对象满意度指标", ("满意度", "服务对象满意度"), (1, 2)),
]

HEAD = "财政项目支出绩效目标申报表\n\n({year}年度)\n\n"
FORM = (
    "项目名称\t{name}\t项目性质\t{nature}\t项目类别\t{category}\n"
    "主管部门\t{department}\t实施单位\t{unit}\t\t\n"
    "计划开始日期\t{year}-01-01\t计划完成日期\t{year}-12-31\t\t\n"
    "项目资金 (元)\t项目资金总额\t\t年度资金申请总额\t{total}\t\n"
    "\t其中：财政资金\t\t其中：当年财政拨款\t{current}\t\n"
    "\t\t\t上年结转资金\t{carryover}\t\n"
    "\t其他资金\t\t其他资金\t0.00\t\n"
    "项目 绩效 目标\t项目总目标\t\t年度总体目标\t\t\n"
    "\t\t\t{goal}\t\t\n"
    "\t一级指标\t二级指标\t三级指标\t年度(/项目)指标值\t\n"
)


@dataclass
class Corpus:
    """What was written: the files, and how many declarations and level-3 indicators they hold."""

    files: list[Path] = field(default_factory=list)
    declarations: int = 0
    indicators: int = 0
    departments: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _seed_rows() -> tuple[dict[tuple[str, str], list[tuple[str, str]]], list[str]]:
    """The seeds' indicator rows (name, target as written) by canonical group, and their goals."""
    import jixiao
    from jixiao.vocabulary import canonical_level1, canonical_level2, level_label

    seeds = jixiao.read(SEED_2024) + jixiao.read(SEED_2020)
    rows: dict[tuple[str, str], list[tuple[str, str]]] = {g[2]: [] for g in GROUPS}
    for decl in seeds:
        for ind in decl.indicators:
            l1, l2 = canonical_level1(ind.level1), canonical_level2(ind.level2)
            if l2 == "服务对象满意度":
                l1 = "满意度"
            name, target = " ".join(ind.name.split()), " ".join(ind.target_raw.split())
            if (l1, l2) not in rows or not name or not target or level_label(name) or "一级" in name:
                continue
            if (name, target) not in rows[(l1, l2)]:
                rows[(l1, l2)].append((name, target))
    goals = [" ".join(d.goal.split()) for d in seeds if d.goal]
    return rows, goals


def _money(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def _units(rng: random.Random) -> dict[str, list[str]]:
    units = {}
    for dep in DEPARTMENTS:
        stem = dep.removeprefix("上海市").removeprefix("共青团上海市委员会")
        kinds = rng.sample(UNIT_KINDS, rng.randint(8, 12))
        units[dep] = [dep if k == "机关" else f"上海市{stem or '团市委'}{k}" for k in kinds]
    return units


def forms(count: int, seed: int = 2024):
    """``count`` declarations as ``(text of the form, number of indicators, department)``."""
    rng = random.Random(seed)
    rows, goals = _seed_rows()
    units = _units(rng)
    # Departments of unequal size (a few large, many small), as budgets are.
    dep_weights = [1.0 / (i + 1) ** 0.8 for i in range(len(DEPARTMENTS))]
    subjects, subject_weights = zip(*SUBJECTS, strict=True)
    names: set[str] = set()
    groups = [(l1, l2, rows[key], bounds) for l1, l2, key, bounds in GROUPS]
    for _ in range(count):
        department = rng.choices(DEPARTMENTS, dep_weights)[0]
        unit = rng.choice(units[department])
        year = rng.choice(YEARS)
        subject = rng.choices(subjects, subject_weights)[0]
        for _attempt in range(4):  # distinct names: a few draws, then a phase number
            name = f"{rng.choice(PLACES)}{subject}{rng.choice(QUALIFIERS)}{rng.choice(ENDINGS)}"
            if name not in names:
                break
        phase = 1
        while (name if phase == 1 else f"{name}（{phase}期）") in names:
            phase += 1
        name = name if phase == 1 else f"{name}（{phase}期）"
        names.add(name)
        total = int(10 ** rng.uniform(4.7, 7.6)) * 100  # 50,000.00 to 40,000,000.00, whole yuan
        carryover = 0 if rng.random() < 0.8 else total // 100 * rng.randint(5, 40)
        goal = f"围绕{subject}，{rng.choice(goals)}"
        parts = [HEAD.format(year=year), FORM.format(
            name=name, nature=rng.choice(NATURES), category=rng.choice(CATEGORIES), department=department,
            unit=unit, year=year, total=_money(total), current=_money(total - carryover),
            carryover=_money(carryover), goal=goal)]
        first, n = True, 0
        last_l1 = None
        for l1, l2, pool, (low, high) in groups:
            k = rng.randint(low, high)
            if not k:
                continue
            for j, (ind, target) in enumerate(rng.sample(pool, min(k, len(pool)))):
                lead = "绩效 指标" if first else ""
                first = False
                c1 = l1 if j == 0 and l1 != last_l1 else ""
                c2 = l2 if j == 0 else ""
                parts.append(f"{lead}\t{c1}\t{c2}\t{ind}\t{target}\t\n")
                n += 1
            last_l1 = l1
        parts.append("\n")
        yield "".join(parts), n, department


def write_corpus(directory: Path, count: int, seed: int = 2024, per_file: int = PER_FILE) -> Corpus:
    """Write ``count`` declarations to ``directory/web-0001.txt`` … (``per_file`` in each)."""
    start = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    corpus = Corpus()
    seen: dict[str, int] = {}
    buffer: list[str] = []
    for i, (text, n, department) in enumerate(forms(count, seed), 1):
        buffer.append(text)
        corpus.declarations += 1
        corpus.indicators += n
        seen[department] = seen.get(department, 0) + 1
        if i % per_file == 0 or i == count:
            path = directory / f"web-{len(corpus.files) + 1:04d}.txt"
            path.write_text("".join(buffer), encoding="utf-8")
            corpus.files.append(path)
            buffer = []
    corpus.departments = sorted(seen, key=lambda d: -seen[d])
    corpus.seconds = time.perf_counter() - start
    return corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    corpus = write_corpus(args.directory, args.count, args.seed)
    print(f"{corpus.declarations:,} declarations, {corpus.indicators:,} indicators in {len(corpus.files)} "
          f"files under {args.directory} ({corpus.seconds:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
