"""The command line end to end: new, show, check, export, import; bad input gives one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from dramaline.cli import main
from dramaline.series_folder import episode_path, load_episode_version, load_series

PREMISE = "A janitor humiliated at his ex-wife's wedding is secretly the heir of the richest family in the city"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    out = tmp_path / "heir"
    code, stdout, _ = run(capsys, "new", PREMISE, "--episodes", "3", "--seed", "5", "--out", str(out))
    assert code == 0, stdout
    return out


def test_new_writes_a_series_and_prints_where(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    series = load_series(folder)
    assert len(series.episodes) == 3
    code, out, _ = run(capsys, "new", PREMISE, "--episodes", "2", "--out", str(folder.parent / "b"))
    assert code == 0 and str(folder.parent / "b") in out.replace("\n", "")


def test_new_defaults_to_a_folder_named_after_the_title(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "new", PREMISE, "--episodes", "1")
    assert code == 0
    (made,) = list(Path("series").iterdir())
    assert (made / "series.yaml").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", ""], "PREMISE"),
        (["new", PREMISE, "--episodes", "0"], "--episodes: Input should be greater than or equal to 1"),
        (["new", PREMISE, "--episodes", "1000"], "--episodes: Input should be less than or equal to 100"),
    ],
)
def test_bad_requests_fail_cleanly_and_write_nothing(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, *args, "--out", "x")
    assert code == 1
    assert message in err
    assert "Traceback" not in out + err
    assert not Path("x").exists()


def test_unknown_archetype_lists_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "new", PREMISE, "--archetype", "space_opera", "--out", "x")
    assert code == 2
    assert "space_opera" in err and "hidden_heir" in err and "palace_intrigue" in err
    assert not Path("x").exists()


def test_new_refuses_to_overwrite(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (folder / "series.yaml").read_text()
    code, _, err = run(capsys, "new", "Another story", "--out", str(folder))
    assert code == 1 and "already exists" in err
    assert (folder / "series.yaml").read_text() == before


def test_show_and_show_episode(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    series = load_series(folder)
    code, out, _ = run(capsys, "show", str(folder))
    assert code == 0 and series.title in out and series.bible.characters[0].name in out
    code, out, _ = run(capsys, "show", str(folder), "--episode", "2")
    assert code == 0
    ep = series.episode(2)
    assert ep.title in out and ep.lines[-1].text.split()[0] in out
    code, _, err = run(capsys, "show", str(folder), "--episode", "9")
    assert code == 1 and "episodes 1-3" in err


def test_check_passes_a_written_series_and_flags_a_broken_one(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check", str(folder))[0] == 0
    path = episode_path(folder, 2)
    path.write_text(path.read_text().replace("beat: hook", "beat: romance", 1))
    code, out, _ = run(capsys, "check", str(folder))
    assert code == 1 and "episode 2: the first scene's beat is 'romance'" in out


def test_malformed_hand_edit_names_file_and_field(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = episode_path(folder, 1)
    path.write_text(path.read_text().replace("time_of_day:", "time_of_dya:", 1))
    code, out, err = run(capsys, "show", str(folder))
    assert code == 1
    assert "ep001.yaml" in err and "time_of_dya" in err and "did you mean `time_of_day:`" in err
    assert "Traceback" not in out + err


def test_export_fountain_then_import_round_trips(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = load_series(folder)
    script = folder / "exports" / "heir.fountain"
    code, out, _ = run(capsys, "export", str(folder), "--format", "fountain", "--output", str(script))
    assert code == 0 and script.is_file()
    first_line = before.episode(1).lines[0]
    edited = script.read_text().replace(first_line.text, "Rain hammers the glass roof of the hall.", 1)
    script.write_text(edited)
    code, out, err = run(capsys, "import", str(script), "--into", str(folder))
    assert code == 0, err
    assert "episodes changed: 1 (v2)" in out
    after = load_series(folder)
    assert after.episode(1).lines[0].text == "Rain hammers the glass roof of the hall."
    assert after.episode(1).version == 2  # the edit is a new version; the one viewers saw is kept
    assert load_episode_version(folder, 1, 1) == before.episode(1)
    assert after.episodes[1:] == before.episodes[1:]


def test_export_markdown_default_path(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "export", str(folder), "--format", "markdown", "--episode", "2")
    assert code == 0
    (book,) = list((folder / "exports").glob("*.md"))
    assert load_series(folder).episode(2).title in book.read_text()


def test_import_of_missing_file_is_explained(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "import", "nope.fountain", "--into", str(folder))
    assert code == 1 and "no such file" in err


def test_bad_fountain_import_changes_nothing(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = {p: p.read_bytes() for p in folder.rglob("*.yaml")}
    script = folder / "bad.fountain"
    script.write_text("Title: X\n\n# Episode 1: Broken\n\nINT. THE MOON BASE - NIGHT\n\nMARGARET\nHello.\n")
    code, out, err = run(capsys, "import", str(script), "--into", str(folder))
    assert code == 1 and "bad.fountain:" in err and "Traceback" not in out + err
    assert {p: p.read_bytes() for p in folder.rglob("*.yaml")} == before


def test_llm_writer_through_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.protocol_server import ProtocolServer
    from tests.test_llm_writer import reply_for

    with ProtocolServer(handler=reply_for) as server:
        monkeypatch.setenv("DRAMALINE_LLM_BASE_URL", server.url)
        monkeypatch.setenv("DRAMALINE_LLM_MODEL", "story-model")
        out_dir = tmp_path / "llm"
        code, _, err = run(
            capsys,
            "new",
            "A cleaner is the secret heir",
            "--writer",
            "llm",
            "-n",
            "3",
            "--seed",
            "4",
            "--out",
            str(out_dir),
        )
        bodies = [r.body for r in server.requests]
    assert code == 0, err
    series = load_series(out_dir)
    assert series.writer == "llm" and len(series.episodes) == 3
    assert all(b["model"] == "story-model" and b["seed"] == 4 for b in bodies)
