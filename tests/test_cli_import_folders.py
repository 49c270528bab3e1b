"""``jixiao import DIR`` and ``jixiao parse DIR``: a folder tree of mixed files, as a finance office keeps it.

The folder holds the two seeds (the 2024 one read with four warnings, the 2020 one without), a text
file that is no form, a picture, an Office lock file and a ``.git`` folder. Form files are read in
worker processes (``-j 2``) and stored one transaction each; everything else is skipped and listed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from jixiao.cli import cli
from jixiao.readers.folders import expand
from jixiao.store import db
from jixiao.store.models import Declaration

from .conftest import SEED_2020, SEED_2024


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "绩效目标"
    (root / "2024" / "市红十字会").mkdir(parents=True)
    (root / "2020").mkdir()
    (root / ".git").mkdir()
    shutil.copy(SEED_2024, root / "2024" / "市红十字会" / "申报表.txt")
    shutil.copy(SEED_2020, root / "2020" / "目标表.TXT")  # suffixes in any case
    (root / "2020" / "说明.txt").write_text("这是一份说明，不是绩效目标表。\n", encoding="utf-8")
    (root / "2020" / "照片.png").write_bytes(b"\x89PNG\r\n")
    (root / "2020" / "~$目标表.xlsx").write_bytes(b"lock")
    (root / ".git" / "config.txt").write_text("[core]\n", encoding="utf-8")
    return root


def test_expand_keeps_form_files_in_name_order_and_lists_the_rest(tree: Path) -> None:
    found = expand([tree])
    assert [Path(f).relative_to(tree).as_posix() for f in found.files] == [
        "2020/目标表.TXT", "2020/说明.txt", "2024/市红十字会/申报表.txt"]
    assert {Path(f).name: why for f, why in found.skipped} == {
        ".git": "隐藏的文件夹", "照片.png": "不是表格文件（.png）",
        "~$目标表.xlsx": "隐藏文件或 Office 的临时文件"}


def test_expand_keeps_named_files_as_given_and_reads_each_once(tree: Path) -> None:
    picture = tree / "2020" / "照片.png"
    found = expand([picture, tree / "2020", tree / "2020" / "目标表.TXT", tree / "missing.txt"])
    assert found.files == [str(picture), str(tree / "2020" / "目标表.TXT"), str(tree / "2020" / "说明.txt"),
                           str(tree / "missing.txt")]


def test_import_a_folder_reports_every_file(tree: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jixiao.sqlite3'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    report = tmp_path / "report.jsonl"
    result = CliRunner().invoke(cli, ["import", "-j", "2", "--database-url", url, "--report", str(report),
                                      str(tree)])
    assert result.exit_code == 2, result.output  # 说明.txt is no form
    assert "新增 19, 更新 0, 未变 0, 失败 1" in result.stdout
    assert "文件：读取 2（其中有警告 1），失败 1，跳过 3" in result.stdout
    assert "说明.txt:1: expected a performance-target form" in result.stderr
    assert result.stderr.count("[warning]") == 4
    rows = map(json.loads, report.read_text(encoding="utf-8").splitlines())
    lines = {Path(r["file"]).name: r for r in rows}
    assert {name: r["status"] for name, r in lines.items()} == {
        "申报表.txt": "warnings", "目标表.TXT": "read", "说明.txt": "failed", ".git": "skipped",
        "照片.png": "skipped", "~$目标表.xlsx": "skipped"}
    assert lines["申报表.txt"]["new"] == 16 and len(lines["申报表.txt"]["warnings"]) == 4
    assert "comes before its level label" in lines["申报表.txt"]["warnings"][0]
    assert lines["目标表.TXT"]["new"] == 3
    with db.session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Declaration)) == 19
    again = CliRunner().invoke(cli, ["import", "-q", "-j", "2", "--database-url", url, str(tree)])
    assert "新增 0, 更新 0, 未变 19, 失败 1" in again.stdout
    assert "[warning]" not in again.stderr  # --quiet
    engine.dispose()


@pytest.mark.parametrize("command", ["import", "parse"])
def test_a_folder_without_forms_is_a_usage_error(tmp_path: Path, command: str) -> None:
    (tmp_path / "pictures").mkdir()
    (tmp_path / "pictures" / "a.png").write_bytes(b"\x89PNG")
    database = ["--database-url", f"sqlite:///{tmp_path / 'x.db'}"] if command == "import" else []
    result = CliRunner().invoke(cli, [command, *database, str(tmp_path / "pictures")])
    assert result.exit_code == 2
    assert "no form files in" in result.stderr and "1 other files skipped" in result.stderr


def test_parse_reads_a_folder(tree: Path) -> None:
    result = CliRunner().invoke(cli, ["parse", "--json", str(tree / "2020"), str(tree / "2024")])
    assert result.exit_code == 2  # 说明.txt
    files = [Path(d["file"]).name for d in json.loads(result.stdout)["documents"]]
    assert files == ["目标表.TXT", "说明.txt", "申报表.txt"]
