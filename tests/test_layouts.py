"""What real extractions do to a form, one case at a time, on small hand-made forms."""

from __future__ import annotations

import jixiao


def form_2024(table: str, goal_row: str = "→→→开展培训。→→") -> str:
    head = (
        "财政项目支出绩效目标申报表\n(2024年度)\n"
        "项目名称→测试项目→项目性质→经常性专项业务费→项目类别→特定目标类\n"
        "主管部门→某主管部门→实施单位→某单位→→\n"
        "计划开始日期→2024-01-01→计划完成日期→2024-12-31→→\n"
        "项目资金 (元)→项目资金总额→→年度资金申请总额→1,000.00→\n"
        "→其中：财政资金→800.00→其中：当年财政拨款→900.00→\n"
        "→→→上年结转资金→100.00→\n"
        "→其他资金→→其他资金→0.00→\n"
        "项目 绩效 目标→项目总目标→→年度总体目标→→\n"
        f"{goal_row}\n"
        "→一级指标→二级指标→三级指标→年度(/项目)指标值→\n"
    )
    return (head + table).replace("→", "\t")


def rows(path) -> list[tuple[str | None, str | None, str, str]]:
    [decl] = jixiao.read(path)
    return [(i.level1, i.level2, i.name, i.target_raw) for i in decl.indicators]


def test_funds_take_the_label_they_are_printed_under(write):
    [decl] = jixiao.read(write(form_2024("绩效→产出指标→数量指标→培训人数→≥10.00(人)\n")))
    f = decl.funds
    assert (str(f.total), str(f.fiscal), str(f.current_year), str(f.carryover), str(f.other)) == (
        "1000.00", "800.00", "900.00", "100.00", "0.00")


def test_a_goal_printed_under_the_project_goal_column_is_the_project_goal(write):
    [decl] = jixiao.read(write(form_2024("绩效→产出指标→数量指标→培训人数→≥10.00(人)\n",
                                         goal_row="→长期目标文字。→→年度目标文字。→→")))
    assert (decl.texts.total_goal, decl.goal) == ("长期目标文字。", "年度目标文字。")


def test_a_level2_in_the_level1_column_and_a_level1_after_a_gap(write):
    table = (
        "绩效 指标→产出指标→数量指标→培训人数→≥10.00(人)\n"
        "\n"
        "→质量指标→合格率→≥90.00(%)\n"
        "效益指标→社会效益指标→能力提升→提升\n"
        "可持续影响指标→→队伍建设→稳定→\n"
    )
    assert rows(write(form_2024(table))) == [
        ("产出指标", "数量指标", "培训人数", "≥10.00(人)"),
        ("产出指标", "质量指标", "合格率", "≥90.00(%)"),
        ("效益指标", "社会效益指标", "能力提升", "提升"),
        ("效益指标", "可持续影响指标", "队伍建设", "稳定"),
    ]


def test_a_level2_with_no_level1_goes_under_its_home_with_a_warning(write):
    table = "绩效→产出指标→数量指标→培训人数→≥10.00(人)\n→服务对象满意度指标→学员满意度→≥90.00(%)\n"
    [decl] = jixiao.read(write(form_2024(table)))
    assert [(i.level1, i.level2) for i in decl.indicators] == [
        ("产出指标", "数量指标"), ("满意度指标", "服务对象满意度指标")]
    assert [w.line for w in decl.warnings] == [14]


def test_an_indicator_named_like_a_group_stays_a_name(write):
    table = "绩效→效益指标→社会效益指标→社会效益→显著\n→→→经济效益→达到\n"
    assert rows(write(form_2024(table))) == [
        ("效益指标", "社会效益指标", "社会效益", "显著"),
        ("效益指标", "社会效益指标", "经济效益", "达到"),
    ]


def test_a_row_without_a_value_is_kept_and_warned_about(write):
    [decl] = jixiao.read(write(form_2024("绩效→产出指标→数量指标→培训人数→\n")))
    assert [(i.name, i.target_raw, i.target.text) for i in decl.indicators] == [("培训人数", "", "")]
    assert "no target value" in decl.warnings[0].message


def test_html_and_markdown_and_latex_are_undone(write):
    table = (
        "绩效→满意度指标→服务对象满意度 指标→学员满意度→$\\geq 90.00\\%$\n"
        "--→-------→---------------→---------→----------------\n"
    )
    [decl] = jixiao.read(write(form_2024(table, goal_row="→→→<p>甲；</p> <p>乙&amp;丙</p>→→")))
    assert decl.goal == "甲； 乙&丙"
    [ind] = decl.indicators
    assert (ind.level2, ind.target.op, str(ind.target.value), ind.target.unit) == (
        "服务对象满意度指标", "≥", "90.00", "%")


def form_2020(table: str) -> str:
    return (
        "财政项目支出绩效目标表\n（2020年度）\n申报单位名称：某中心\n"
        "项目名称：\n一个很长的项目名\n称分两行\n\n(运维)\n项目类别： 其他一次性项目\n"
        "计划开始日期： 2020-01-01 计划完成日期： 2020-12-31\n"
        "是否含有政府购买服务： 是 绩效类型： 事业/专业类\n"
        "项目概况：\n第一行文字〔201\n9〕第二行。\n"
        "总目标及阶段性目标： 项目总目标： 甲。阶段性目标： 乙。\n"
        "本项目上年度市级财政资金使用情况\n"
        "项目总预算（元）： 1,000 项目当年预算（元）： 900\n"
        "同名项目上年预算额（元）： 800 同名项目上年预算执行数（元）： 700.5\n"
        " 2020年绩效目标\n一级目标 二级目标 三级目标 指标目标值\n" + table
    )


def test_the_2020_layout_reads_labels_inside_lines_and_wrapped_text(write):
    [decl] = jixiao.read(write(form_2020("产出目标\n数量 人数 >=10人\n")))
    assert decl.name == "一个很长的项目名称分两行(运维)"
    assert decl.unit == "某中心" and decl.category == "其他一次性项目" and decl.nature is None
    assert decl.government_purchase is True and decl.performance_type == "事业/专业类"
    assert decl.texts.overview == "第一行文字〔2019〕第二行。"
    assert decl.goal == "项目总目标： 甲。阶段性目标： 乙。"
    f = decl.funds
    assert (str(f.total), str(f.current_year), str(f.previous_year_budget), str(f.previous_year_spent)) == (
        "1000", "900", "800", "700.5")


def test_the_2020_table_levels_and_a_wrapped_name(write):
    table = (
        "投入与管理\n投入管理\n预算执行率 >=95%\n"
        "产出目标\n数量\n全市集中参保缴费工作的\n完成人数 >= 95 人\n"
        "效果目标\n满意度 参与者满意度 不低于80%\n"
        "影响力目标 长效管理 救护师资流失率 减少\n"
    )
    path = write(form_2020(table))
    assert rows(path) == [
        ("投入与管理", "投入管理", "预算执行率", ">=95%"),
        ("产出目标", "数量", "全市集中参保缴费工作的完成人数", ">= 95 人"),
        ("效果目标", "满意度", "参与者满意度", "不低于80%"),
        ("影响力目标", "长效管理", "救护师资流失率", "减少"),
    ]


def test_forms_without_titles_are_cut_at_each_project_name(write):
    one = form_2024("绩效→产出指标→数量指标→培训人数→≥10.00(人)\n").split("\n", 2)[2]
    two = one.replace("测试项目", "第二个项目")
    assert [d.name for d in jixiao.read(write(one + two))] == ["测试项目", "第二个项目"]


def test_a_cell_that_follows_no_label_is_reported(write):
    text = form_2024("绩效→产出指标→数量指标→培训人数→≥10.00(人)\n").replace(
        "主管部门\t某主管部门", "多余的值\t主管部门\t某主管部门")
    [decl] = jixiao.read(write(text))
    assert decl.department == "某主管部门"
    assert [(w.line, w.message) for w in decl.warnings] == [(4, "cell「多余的值」follows no label; ignored")]
