"""The dashboard in a real browser: headless Debian Chromium renders it; the screenshot is kept and checked."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
import requests
from store_support import ROOT, StoreServer, run_payload, sha

ARTIFACTS = ROOT / "test-artifacts"
LINE_RGB = (0x25, 0x63, 0xEB)  # dashboard.LINE_COLOUR
RUNS = 30


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    pytest.skip("no Chromium on this machine (apt-get install chromium)")


def browse(url: str, tmp_path: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    return subprocess.run([chromium(), *flags, *mode, url], capture_output=True, text=True, timeout=120, check=False)


def png_pixels(path: Path) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Decode an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes) without extra packages."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        header = chunk if kind == b"IHDR" else header
        idat += chunk if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour_type in (2, 6)
    channels = 4 if colour_type == 6 else 3
    raw, stride, previous, pixels = zlib.decompress(idat), width * channels, bytearray(width * channels), []
    for row in range(height):
        kind, line = raw[row * (stride + 1)], bytearray(raw[row * (stride + 1) + 1 : (row + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, up_left = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 0xFF
        pixels += [tuple(line[i : i + 3]) for i in range(0, stride, channels)]
        previous = line
    return width, height, pixels  # type: ignore[return-value]


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("dash")
    server = StoreServer(str(tmp / "dash.sqlite3"), tmp / "log", "--rate", "0").start()
    token = server.add_project("acme/widgets")
    headers = {"Authorization": f"Bearer {token}"}
    base = f"{server.url}/api/v1/projects/acme/widgets"
    requests.post(
        f"{base}/rules",
        json={"kind": "threshold", "metric": "score", "warning": 70, "critical": 55},
        headers=headers,
        timeout=30,
    )
    for i in range(RUNS):
        score = 84 - 0.8 * i + (3 if i % 4 == 0 else 0)
        files = [
            {
                "path": f"src/widgets/module_{k}.py",
                "score": max(0.0, score - 9 * k),
                "risk": min(1.0, 0.08 * k + 0.05),
                "complexity": 4 + 7 * k,
                "sloc": 120,
                "findings": {"info": k, "warning": k % 3, "error": k % 2},
                "new_findings": k % 2,
                "why": [f"this file had {k} bug fixes in the past year", "<b>adds</b> 3 bare excepts"],
            }
            for k in range(8)
        ]
        payload = run_payload(sha(i + 1), f"{1000 + i}-1", score=round(score, 1), files=files)
        assert requests.post(f"{base}/runs", json=payload, headers=headers, timeout=30).status_code == 201
    yield f"{server.url}/p/acme/widgets"
    server.stop()


def test_dashboard_dom_has_chart_files_and_alerts(dashboard_url: str, tmp_path: Path) -> None:
    done = browse(dashboard_url, tmp_path, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    points = re.search(r'<polyline class="score" points="([^"]+)"', dom)
    assert points, dom[:2000]
    coordinates = [tuple(map(float, p.split(","))) for p in points.group(1).split()]
    assert len(coordinates) == RUNS
    assert coordinates == sorted(coordinates)  # time runs left to right
    assert coordinates[-1][1] > coordinates[0][1]  # the score fell, so the line ends lower (greater y)
    riskiest = dom.split('id="riskiest"')[1].split("</table>")[0]
    assert riskiest.count("<code>src/widgets/module_") == 8
    assert "src/widgets/module_7.py" in riskiest.split("</tr>")[1]  # riskiest first
    assert 'href="/p/acme/widgets/file?path=src%2Fwidgets%2Fmodule_7.py"' in riskiest  # each file links to its page
    assert 'class="pill warning"' in dom or 'class="pill critical"' in dom
    assert "this file had 7 bug fixes in the past year<br>&lt;b&gt;adds&lt;/b&gt; 3 bare excepts" in riskiest


def test_dashboard_screenshot_shows_the_chart(dashboard_url: str, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "store-dashboard.png"
    shot.unlink(missing_ok=True)
    done = browse(dashboard_url, tmp_path, f"--screenshot={shot}", "--window-size=1280,1400")
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    width, height, pixels = png_pixels(shot)
    assert (width, height) == (1280, 1400)

    def near(rgb: tuple[int, int, int], target: tuple[int, int, int]) -> bool:
        return all(abs(a - b) <= 40 for a, b in zip(rgb, target, strict=True))

    line_rows = {i // width for i, rgb in enumerate(pixels) if near(rgb, LINE_RGB)}
    assert len(line_rows) > 40, "the score line is not drawn"  # a sloping line spans many pixel rows
    header = pixels[20 * width + width // 2]
    assert near(header, (0x11, 0x18, 0x27))  # the dark header rendered with its stylesheet
