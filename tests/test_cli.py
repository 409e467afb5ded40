"""The command line's own checks."""

from click.testing import CliRunner

from achat_graph.cli import main


def test_a_bad_created_date_is_a_usage_error():
    result = CliRunner().invoke(main, ["build", "--created", "2026-13-01", "--out", "unused"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_a_missing_dist_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--dist", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "nowhere" in result.output
