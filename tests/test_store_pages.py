"""The store's HTML pages against a real server (SQLite file and PostgreSQL): the metric selector, the forecast
band, the drift panel, a file's history and a pull request against its base; in headless Chromium,
screenshots kept in test-artifacts/ and their DOM checked."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
from store_support import StoreServer, sha, store_database
from test_store_dashboard import ARTIFACTS, browse, png_pixels
from test_store_drift import FILE_FEATURES
from test_store_drift import sample as drift_sample

RUNS = 24
START = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.timezone.utc)
WEIRD = 'pkg/<b>odd</b> & "quoted".py'  # a path the store must escape, in HTML and in links
WEIRD_FROM = 10  # the odd file appears in the runs from this one on
PR_BRANCH = "feature/<script>alert(1)</script>"
METRIC_KEYS = ("score", "risk", "maintainability", "complexity", "findings_error", "findings_warning", "findings_info")
BAND_RGB = (0x7C, 0x3A, 0xED)  # chart.BAND_COLOUR


def score_of(i: int) -> float:
    return round(85 - 0.9 * i + ((i * 7) % 5 - 2) * 0.6, 2)


def file_row(path: str, score: float, i: int, *, maintainability: float) -> dict[str, Any]:
    return {
        "path": path,
        "score": score,
        "risk": round(min(1.0, 0.1 + 0.02 * i), 3),
        "complexity": 10 + i,
        "sloc": 100,
        "maintainability": maintainability,
        "findings": {"info": i % 3, "warning": 1 + i // 6, "error": i // 8},
        "new_findings": 0,
        "why": ["<i>grew</i> by 3 branches"],
    }


def payload(commit: str, files: list[dict[str, Any]], *, when: dt.datetime, **extra: Any) -> dict[str, Any]:
    def total(key: str) -> float:
        return round(sum(f[key] for f in files) / len(files), 3)

    findings = {s: sum(f["findings"][s] for f in files) for s in ("info", "warning", "error")}
    return {
        "commit": commit,
        "run_id": f"r-{commit[-6:]}",
        "branch": "main",
        "default_branch": "main",
        "commit_time": when.isoformat(),
        "totals": {
            "files": len(files),
            "score": total("score"),
            "risk": total("risk"),
            "maintainability": total("maintainability"),
            "complexity": sum(f["complexity"] for f in files),
            "sloc": 100 * len(files),
            "findings": findings,
        },
        "files": files,
    } | extra


def main_files(i: int) -> list[dict[str, Any]]:
    wobble = ((i * 3) % 4 - 1.5) * 0.8
    files = [file_row("pkg/core.py", score_of(i), i, maintainability=round(70 - 0.5 * i + wobble, 2))]
    if i >= WEIRD_FROM:
        files.append(file_row(WEIRD, 60.0 + i, i, maintainability=50.0))
    return files


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(page URL of the seeded project, database kind)."""
    tmp = tmp_path_factory.mktemp(f"pages-{request.param}")
    database, cluster = store_database(request.param, tmp, "qh_pages")
    server = StoreServer(database, tmp / "server.log", "--rate", "0").start()
    token = server.add_project("acme/widgets")
    headers = {"Authorization": f"Bearer {token}"}
    api = f"{server.url}/api/v1/projects/acme/widgets/runs"
    for i in range(RUNS):
        body = payload(sha(i + 1), main_files(i), when=START + dt.timedelta(days=i))
        # The model's inputs of training rows, their size features shifted in the last runs: the drift panel.
        rows = drift_sample(i, shifted=i >= RUNS - 10)[:20]
        body["feature_values"] = {"model": "file-score", "names": FILE_FEATURES, "rows": rows}
        assert requests.post(api, json=body, headers=headers, timeout=30).status_code == 201
    pr_files = [
        file_row("pkg/core.py", score_of(RUNS - 1) - 12.5, RUNS + 3, maintainability=60.0),
        file_row("pkg/new.py", 91.0, 1, maintainability=88.0),
    ]
    pulls = [
        payload(sha(900), pr_files, when=START + dt.timedelta(days=RUNS), pull_request=7, base_commit=sha(RUNS)),
        payload(sha(901), pr_files, when=START + dt.timedelta(days=RUNS), pull_request=8, base_commit=sha(999)),
    ]
    for body in pulls:
        body["branch"] = PR_BRANCH
        assert requests.post(api, json=body, headers=headers, timeout=30).status_code == 201
    private = server.add_project("acme/secret", "--private")
    hidden = payload(sha(1), main_files(0), when=START)
    assert requests.post(
        api.replace("widgets", "secret"), json=hidden, headers={"Authorization": f"Bearer {private}"}
    ).ok
    yield f"{server.url}/p/acme/widgets", request.param
    server.stop()
    if cluster:
        cluster.stop()


def get(url: str, **params: Any) -> requests.Response:
    return requests.get(url, params=params, timeout=30)


def polyline(page: str, css_class: str) -> list[tuple[float, float]]:
    found = re.search(rf'<polyline class="{css_class}" points="([^"]+)"', page)
    assert found, page[:3000]
    return [(float(x), float(y)) for x, y in (p.split(",") for p in found.group(1).split())]


def test_metric_selector_charts_each_metric(site: tuple[str, str]) -> None:
    url, _ = site
    for key in METRIC_KEYS:
        page = get(url, metric=key)
        assert page.status_code == 200, page.text[:500]
        text = page.text
        nav = text.split('id="metric-selector"')[1].split("</nav>")[0]
        assert nav.count("<a ") == len(METRIC_KEYS)
        assert re.search(rf'data-metric="{key}" aria-current="page"', nav)
        assert f'<svg id="metric-chart" data-metric="{key}"' in text
        line = polyline(text, key)
        assert len(line) == RUNS
        assert [x for x, _ in line] == sorted(x for x, _ in line)
    maintainability = polyline(get(url, metric="maintainability").text, "maintainability")
    assert maintainability[-1][1] > maintainability[0][1]  # it fell (70 to 59), so the line ends lower on screen
    complexity = polyline(get(url, metric="complexity").text, "complexity")
    assert complexity[-1][1] < complexity[0][1]  # it grew
    assert get(url, metric="nonsense").status_code == 422


def test_forecast_band_is_the_ols_prediction_interval(site: tuple[str, str]) -> None:
    """The caption's expected value and interval five runs ahead, recomputed here with numpy and SciPy."""
    from scipy import stats

    url, _ = site
    text = get(url).text
    band = re.search(r'<polygon class="forecast-band" points="([^"]+)"[^>]*stroke-dasharray', text)
    assert band, text[:3000]
    assert len(band.group(1).split()) == 2 * (20 + 5)  # the last 20 runs and 5 ahead, upper then lower edge
    caption = html.unescape(text.split('id="forecast-caption">')[1].split("</p>")[0])
    found = re.search(r"5 runs ahead: (-?[\d.]+) \((-?[\d.]+) to (-?[\d.]+)\)", caption)
    assert found, caption
    scores = np.array([payload(sha(i), main_files(i), when=START)["totals"]["score"] for i in range(RUNS)][-20:])
    x = np.arange(20)
    slope, intercept = np.polyfit(x, scores, 1)
    residual_sd = np.sqrt(np.sum((scores - (intercept + slope * x)) ** 2) / 18)
    x0 = 19 + 5
    half = (
        stats.t.ppf(0.975, 18) * residual_sd * np.sqrt(1 + 1 / 20 + (x0 - x.mean()) ** 2 / np.sum((x - x.mean()) ** 2))
    )
    expected = intercept + slope * x0
    assert [float(v) for v in found.groups()] == pytest.approx([expected, expected - half, expected + half], abs=0.051)
    assert "+5 runs" in text


def test_file_page_shows_its_history_escaped(site: tuple[str, str]) -> None:
    url, _ = site
    project_page = get(url).text
    link = html.unescape(re.findall(r'<a href="(/p/acme/widgets/file\?path=[^"]+)"', project_page)[0])
    page = requests.get(url.split("/p/")[0] + link, timeout=30)
    assert page.status_code == 200
    weird = get(f"{url}/file", path=WEIRD, metric="maintainability")
    assert weird.status_code == 200
    text = weird.text
    assert "<b>odd</b>" not in text and html.escape(WEIRD) in text
    assert "<i>grew</i>" not in text and "&lt;i&gt;grew&lt;/i&gt;" in text
    rows = text.split('id="file-runs"')[1].split("</table>")[0].count("<tr><td>")
    assert rows == RUNS - WEIRD_FROM
    assert len(polyline(text, "maintainability")) == RUNS - WEIRD_FROM
    nav = text.split('id="metric-selector"')[1].split("</nav>")[0]
    assert "path=pkg%2F%3Cb%3Eodd%3C%2Fb%3E+%26+%22quoted%22.py&amp;metric=risk" in nav  # the selector keeps the file
    core = get(f"{url}/file", path="pkg/core.py").text
    assert core.split('id="file-runs"')[1].split("</table>")[0].count("<tr><td>") == RUNS
    missing = get(f"{url}/file", path="pkg/none.py")
    assert missing.status_code == 404 and 'id="no-file"' in missing.text


def test_pull_request_page_against_its_base(site: tuple[str, str]) -> None:
    url, _ = site
    project_page = get(url).text
    pulls = project_page.split('id="pulls"')[1].split("</table>")[0]
    assert 'href="/p/acme/widgets/pulls/7"' in pulls and 'href="/p/acme/widgets/pulls/8"' in pulls
    assert "<script>" not in project_page and html.escape(PR_BRANCH) in pulls
    page = get(f"{url}/pulls/7")
    assert page.status_code == 200
    text = page.text
    assert "<script>" not in text and html.escape(PR_BRANCH) in text
    assert f"against base <code>{sha(RUNS)[:12]}</code>" in text
    totals = text.split('id="pull-totals"')[1].split("</table>")[0]
    base_score = (score_of(RUNS - 1) + 60.0 + RUNS - 1) / 2
    head_score = (score_of(RUNS - 1) - 12.5 + 91.0) / 2
    assert f'<td>Score</td><td class="num">{base_score:.1f}</td><td class="num">{head_score:.1f}</td>' in totals
    assert (
        f'<span class="{"up" if head_score > base_score else "down"}">{head_score - base_score:+.1f}</span>' in totals
    )
    files = text.split('id="pull-files"')[1].split("</table>")[0]
    rows = {re.findall(r"<code>([^<]*)</code>", r)[0]: r for r in files.split("<tr>")[2:]}
    assert set(rows) == {"pkg/core.py", "pkg/new.py", html.escape(WEIRD)}
    assert "<td>changed</td>" in rows["pkg/core.py"] and '<span class="down">-12.5</span>' in rows["pkg/core.py"]
    assert "<td>added</td>" in rows["pkg/new.py"] and "<td>removed</td>" in rows[html.escape(WEIRD)]
    no_base = get(f"{url}/pulls/8").text
    assert f"no run stored for base commit {sha(999)}" in no_base
    assert get(f"{url}/pulls/9").status_code == 404


def test_private_project_pages_ask_the_browser_for_a_token(site: tuple[str, str]) -> None:
    url, _ = site
    secret = url.replace("widgets", "secret")
    for page in (secret, f"{secret}/file?path=pkg%2Fcore.py", f"{secret}/pulls/1"):
        refused = requests.get(page, timeout=30)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Basic"), page
        assert "pkg/core.py" not in refused.text


def _dom(url: str, tmp_path: Path) -> str:
    done = browse(url, tmp_path, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _shoot(url: str, tmp_path: Path, name: str, height: int = 1500) -> tuple[int, int, list[tuple[int, int, int]]]:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / name
    shot.unlink(missing_ok=True)
    done = browse(url, tmp_path, f"--screenshot={shot}", f"--window-size=1280,{height}")
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    return png_pixels(shot)


def _near(rgb: tuple[int, int, int], target: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(rgb, target, strict=True))


def test_chromium_project_page_with_selector_and_forecast(site: tuple[str, str], tmp_path: Path) -> None:
    url, kind = site
    if kind != "sqlite":
        pytest.skip("the screenshots are taken once, on the SQLite store")
    dom = _dom(url + "?metric=score", tmp_path)
    assert 'id="metric-selector"' in dom and 'aria-current="page"' in dom
    assert '<polygon class="forecast-band"' in dom and '<polyline class="forecast-line"' in dom
    assert dom.count('<polyline class="score"') == 1 and 'id="pulls"' in dom
    drift = dom.split('<section id="drift">')[1].split("</section>")[0]  # S3's panel, under the chart
    assert (
        '<tr class="significant"><td><code>loc</code>' in drift
        or '<tr class="significant"><td><code>sloc</code>' in drift
    )
    width, _, pixels = _shoot(url + "?metric=score", tmp_path, "store-project-page.png", 2000)
    band_rows = {i // width for i, rgb in enumerate(pixels) if _near(rgb, BAND_RGB, 30)}
    assert len(band_rows) > 20, "the dashed forecast band is not drawn"
    accent = {i // width for i, rgb in enumerate(pixels) if _near(rgb, (0x25, 0x63, 0xEB), 30)}
    assert accent, "the selected metric's link and the line are drawn in the accent colour"


def test_chromium_file_page(site: tuple[str, str], tmp_path: Path) -> None:
    url, kind = site
    if kind != "sqlite":
        pytest.skip("the screenshots are taken once, on the SQLite store")
    file_url = f"{url}/file?path=pkg%2Fcore.py&metric=maintainability"
    dom = _dom(file_url, tmp_path)
    assert '<code id="file-path">pkg/core.py</code>' in dom
    assert '<svg id="metric-chart" data-metric="maintainability"' in dom and 'id="file-runs"' in dom
    assert 'id="back"' in dom
    width, _, pixels = _shoot(file_url, tmp_path, "store-file-page.png")
    line_rows = {i // width for i, rgb in enumerate(pixels) if _near(rgb, (0x25, 0x63, 0xEB))}
    assert len(line_rows) > 30, "the file's maintainability line is not drawn"


def test_pull_request_comment_links_to_the_store_page(tmp_path: Path) -> None:
    """The Action run on a pull request against a fake GitHub pushes to a real store; its summary comment links
    to the store's page of that pull request, which shows the run against its base commit's run."""
    from action_scenario import HEAD, REPO, open_scenario

    server = StoreServer(str(tmp_path / "action.sqlite3"), tmp_path / "server.log", "--rate", "0").start()
    try:
        token = server.add_project(REPO)
        for scenario in open_scenario(tmp_path):
            scenario.commit_head(HEAD)
            base_run = payload(scenario.base, [file_row("app.py", 95.0, 1, maintainability=90.0)], when=START)
            stored = requests.post(
                f"{server.url}/api/v1/projects/{REPO}/runs",
                json=base_run,
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            assert stored.status_code == 201
            result = scenario.run(**{"store-url": server.url, "store-token": token})
            assert result.code == 1, result  # the gate fails on HEAD's new findings; the comment is posted anyway
            [comment] = scenario.fake.issue_comments
            link = f"{server.url}/p/{REPO}/pulls/7"
            assert f"[quality history]({link})" in comment["body"]
            page = requests.get(link, timeout=30)
            assert page.status_code == 200
            assert "Pull request #7" in page.text and f"against base <code>{scenario.base[:12]}</code>" in page.text
            assert "<code>app.py</code>" in page.text.split('id="pull-files"')[1]
    finally:
        server.stop()


def test_chromium_pull_request_page(site: tuple[str, str], tmp_path: Path) -> None:
    url, kind = site
    if kind != "sqlite":
        pytest.skip("the screenshots are taken once, on the SQLite store")
    dom = _dom(f"{url}/pulls/7", tmp_path)
    assert 'id="pull-totals"' in dom and dom.count('<span class="down">') >= 2 and 'id="pull-files"' in dom
    assert "<script>alert" not in dom  # the branch name stayed text
    _, _, pixels = _shoot(f"{url}/pulls/7", tmp_path, "store-pull-page.png")
    assert any(_near(rgb, (0xDC, 0x26, 0x26), 30) for rgb in pixels), "the worsened figures are drawn in red"
