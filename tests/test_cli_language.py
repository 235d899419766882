"""The command line in the terminal's language: zh_CN or en, by --lang, PLANNER_LANG or the locale."""

from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from planner.cli import build_parser, main
from planner.cli.language import CATALOGS, asked_for, from_environment, use

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def english_afterwards() -> Any:
    """Leave the command line speaking English for the tests that follow (the language is process-wide)."""
    yield
    use("en")


def chinese_catalog() -> dict[str, str]:
    with open(CATALOGS / "zh_CN" / "LC_MESSAGES" / "cli.po", "rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def command_summaries(parser: argparse.ArgumentParser) -> list[str]:
    """The one-line summary of every command and sub-command, as ``--help`` lists them."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found += [choice.help for choice in action._choices_actions]
            for child in action.choices.values():
                found += command_summaries(child)
    return found


def help_texts(parser: argparse.ArgumentParser) -> list[str]:
    """The description of every command and the help of every option, as ``--help`` shows them."""
    found = [parser.description] if parser.description else []
    for action in parser._actions:
        if action.help and action.help != argparse.SUPPRESS:
            found.append(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += help_texts(child)
    return found


def table_headings() -> set[str]:
    """Every column heading the commands hand to ``print_table`` (literal texts in planner/cli)."""
    found = set()
    for module in (ROOT / "planner" / "cli").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print_table":
                found |= {e.value for e in getattr(node.args[0], "elts", []) if isinstance(e, ast.Constant)}
    return found


def test_the_terminal_locale_decides_unless_told() -> None:
    assert from_environment({"LANG": "zh_CN.UTF-8"}) == "zh_CN" and from_environment({"LANG": "zh_TW.UTF-8"}) == "zh_CN"
    assert from_environment({"LANG": "en_GB.UTF-8"}) == "en" and from_environment({"LANG": "C.UTF-8"}) == "en"
    assert from_environment({}) == "en"  # cron, containers, scripts: the program's own words
    assert from_environment({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"  # LC_ALL first
    assert from_environment({"PLANNER_LANG": "zh_CN", "LC_ALL": "C"}) == "zh_CN"
    assert asked_for(["--lang", "en", "coverage"], {"LANG": "zh_CN.UTF-8"}) == "en"
    assert asked_for(["--lang=zh_CN", "scenario", "list"], {}) == "zh_CN"


def test_catalog_covers_every_command_summary_and_heading() -> None:
    use("en")
    catalog = chinese_catalog()
    missing = [s for s in command_summaries(build_parser()) if s not in catalog]
    assert not missing and len(command_summaries(build_parser())) > 30
    unhelped = sorted({s for s in help_texts(build_parser()) if s not in catalog})
    assert not unhelped and len(help_texts(build_parser())) > 200, unhelped  # every option's help, translated
    assert not table_headings() - set(catalog), sorted(table_headings() - set(catalog))
    assert all(text and (CJK.search(text) or re.fullmatch(r"p\d+", text)) for text in catalog.values())


def test_help_in_chinese(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    assert "应急救援资源协调与演练规划工具" in shown and "风险点对照响应标准的覆盖分析" in shown
    with pytest.raises(SystemExit):
        main(["--lang", "en", "--help"])
    assert "coverage of hazard sites against response standards" in capsys.readouterr().out


def test_option_help_in_the_terminals_language() -> None:
    """``python -m planner coverage --help`` as a user runs it: the options' help in Chinese on a zh_CN terminal."""
    environ = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "PLANNER_LANG")}
    shown = subprocess.run([sys.executable, "-m", "planner", "coverage", "--help"], capture_output=True, text=True,
                           env={**environ, "LANG": "zh_CN.UTF-8"}, cwd=ROOT, check=True, timeout=60).stdout
    assert "同时将覆盖评估报告(标准、地图和缺口清单)写为可打印的 PDF" in shown  # --pdf
    assert "情景推演:关闭此基地,其队伍不参与响应(可重复)" in shown and "按适用的响应标准核查每个风险点" in shown
    english = subprocess.run([sys.executable, "-m", "planner", "coverage", "--help"], capture_output=True, text=True,
                             env={**environ, "LANG": "C.UTF-8"}, cwd=ROOT, check=True, timeout=60).stdout
    assert "what-if: this base is closed" in english and not CJK.search(english)


def test_results_and_errors_in_chinese(cli_env: Any, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert main(["users", "set-role", "nobody", "viewer"]) == 2
    assert capsys.readouterr().err.startswith("错误: user 'nobody' does not exist")  # names kept as they are
    mini = str(ROOT / "tests" / "fixtures" / "scenarios" / "mini")
    assert main(["coverage", "--scenario", mini, "--add-bases", "1", "--team-type", "medical", "--tier", "national",
                 "--every-town-and-site"]) == 2  # no standard counts a medical team: its tier and type by name
    assert "no standard of this scenario counts a 国家级 医疗救护 team" in capsys.readouterr().err
    assert main(["scenario", "list"]) == 0
    assert any(line.split()[:2] == ["已保存", "标题"] for line in capsys.readouterr().out.splitlines() if line)
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert main(["scenario", "list"]) == 0
    assert any(line.split()[:2] == ["stored", "title"] for line in capsys.readouterr().out.splitlines() if line)
