"""A hostile upload through the real page: Train on images → "Your images (upload)" → a zip whose 0/a.png is
EPS/PostScript. Pillow, unrestricted, would hand it to Ghostscript, and the PostScript would create victim/PWNED
and delete victim/KEEP. The server here has a fake `gs` first on its PATH that records any start in victim/GS_RAN,
so the test means the same with or without a real Ghostscript on the machine: the page must show one refusal
sentence, no exception, and nothing in victim/ may change.
"""
import io
import os
import shutil
import zipfile

import pytest

from tests.e2e.conftest import assert_no_exception, keyed, page_url, start_server, stop_server, wait_ready


@pytest.fixture
def victim(tmp_path):
    folder = tmp_path / "victim"
    folder.mkdir()
    (folder / "KEEP").write_text("keep me")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gs = bin_dir / "gs"
    gs.write_text(f"#!/bin/sh\necho \"$@\" >> {folder}/GS_RAN\nexit 0\n")
    gs.chmod(0o755)
    return folder, bin_dir


def eps_zip(folder) -> bytes:
    eps = ("%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 28 28\n%%EndComments\n"
           f"({folder}/PWNED) (w) file dup (pwned) writestring closefile\n({folder}/KEEP) deletefile\n"
           "showpage\n%%EOF\n").encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("0/a.png", eps)
        zf.writestr("1/b.png", eps)
    return buf.getvalue()


def test_eps_zip_upload_is_refused_and_touches_nothing(browser, victim, shot):
    folder, bin_dir = victim
    tmp = folder.parent / "tmp"
    tmp.mkdir()
    proc, server = start_server({"PATH": f"{bin_dir}:{os.environ.get('PATH', '')}", "TMPDIR": str(tmp)})
    try:
        assert shutil.which("gs", path=f"{bin_dir}") == str(bin_dir / "gs")
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(page_url(server, "pages/train_images.py"))
        page.wait_for_selector('[data-testid="stMain"] h1', timeout=120_000)
        wait_ready(page, 120_000)
        # the settings sit one click away, in a collapsed panel
        page.locator('[data-testid="stMain"] [data-testid="stExpander"] summary').filter(
            has_text="Settings").first.click()
        page.wait_for_selector('.st-key-ti_dataset [role="combobox"]', timeout=60_000)
        wait_ready(page, 60_000)
        keyed(page, "ti_dataset").locator('[role="combobox"]').click()
        page.get_by_role("option", name="Your images (upload)").click(timeout=30_000)
        page.wait_for_selector('.st-key-ti_upload input[type="file"]', state="attached", timeout=60_000)
        wait_ready(page, 60_000)
        keyed(page, "ti_upload").locator('input[type="file"]').set_input_files(
            files=[{"name": "digits.zip", "mimeType": "application/zip", "buffer": eps_zip(folder)}])
        refusal = page.locator('[data-testid="stAlertContentError"]')
        refusal.first.wait_for(timeout=60_000)
        wait_ready(page, 60_000)
        shot(page, "train_images_eps_refused")
        text = refusal.first.inner_text().strip().splitlines()[-1]  # after the icon's name
        assert text == ("'0/a.png' in the zip is not a readable PNG, JPEG, BMP, GIF or WebP image: its bytes are "
                        "PostScript, which ganviz never opens."), text
        assert refusal.count() == 1 and str(folder) not in text and str(tmp) not in text
        assert_no_exception(page)
        assert page.get_by_text("Source:").count() == 0  # no dataset was made from the upload
        page.close()
    finally:
        stop_server(proc)
    assert not (folder / "GS_RAN").exists(), "the server started Ghostscript"
    assert sorted(p.name for p in folder.iterdir()) == ["KEEP"] and (folder / "KEEP").read_text() == "keep me"
