"""The QA report of an edition: Markdown listing every line that failed a check, and a one-line summary."""

from __future__ import annotations

from pathlib import Path

from dramaline.model import QACheck, QAReport
from dramaline.series_folder import write_text_atomic

REPORT_FILE = "qa.md"
_TITLES = {
    QACheck.LEFTOVER: "Left untranslated",
    QACheck.GLOSSARY: "Glossary",
    QACheck.READING_SPEED: "Caption reading speed",
    QACheck.LOUDNESS: "Loudness",
    QACheck.SYNC: "Sync",
}


def summary_line(report: QAReport) -> str:
    counts = ", ".join(f"{check.value}: {report.count(check)}" for check in QACheck)
    verdict = "all checks passed" if report.passed else f"{len(report.findings)} findings"
    return (
        f"{report.edition}: {report.lines_checked} lines and {report.cues_checked} captions checked in "
        f"{len(report.episodes)} episodes; {verdict} ({counts})"
    )


def to_markdown(report: QAReport) -> str:
    out = [f"# QA of edition {report.edition}", "", summary_line(report), ""]
    for check in QACheck:
        found = [f for f in report.findings if f.check is check]
        out += [f"## {_TITLES[check]} ({len(found)})", ""]
        if not found:
            out += ["Nothing failed.", ""]
            continue
        out += ["| episode | scene | line | text | problem |", "|---|---|---|---|---|"]
        for f in found:
            text = f.text.replace("\n", " / ").replace("|", "\\|")
            line = "" if f.line is None else str(f.line)
            detail = f.detail.replace("|", "\\|")
            out.append(f"| {f.episode} | {f.scene_id or ''} | {line} | {text} | {detail} |")
        out.append("")
    return "\n".join(out)


def write_report(report: QAReport, folder: Path) -> Path:
    path = folder / REPORT_FILE
    write_text_atomic(path, to_markdown(report))
    return path
