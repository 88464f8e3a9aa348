"""The demo page in a real headless browser (Debian chromium driven by Playwright): it renders, and one click on
an example fills the outputs. Screenshots go to test-artifacts/."""

from playwright.sync_api import expect, sync_playwright

from avesformer_hf.demo import app as demo_app
from browser import ARTIFACTS, BROWSER_ARGS, chromium_path
from helpers import save_tiny_model


def test_page_renders_title_upload_and_examples_and_an_example_runs(tmp_path):
    executable = chromium_path()
    demo = demo_app.build_demo(default_model=save_tiny_model(tmp_path / "model"), examples_dir=tmp_path / "examples")
    demo_app.launch(demo, port=None, prevent_thread_lock=True, quiet=True)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(demo.local_url, timeout=60_000)

            expect(page.get_by_role("heading", name=demo_app.TITLE)).to_be_visible(timeout=60_000)
            expect(page.locator("input[type=file]").first).to_be_attached()
            expect(page.get_by_text("Video with sound").first).to_be_visible()
            expect(page.get_by_text("Examples (SynthAVS clips)")).to_be_visible()
            example_names = [path.name for path in sorted((tmp_path / "examples").glob("*.mp4"))]
            assert len(example_names) == 2
            page.screenshot(path=str(ARTIFACTS / "demo_page.png"), full_page=True)

            page.locator("table.gallery tbody tr, button.gallery-item, .gallery-item").first.click()
            expect(page.locator("text=frame 5 (4 s)").first).to_be_attached(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "demo_after_example.png"), full_page=True)
            browser.close()
    finally:
        demo.close()
    assert (ARTIFACTS / "demo_page.png").stat().st_size > 10_000
