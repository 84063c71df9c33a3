""""VAE vs GAN, measured" in Chromium: it loads with its table, the interpolation slider changes the pictures, and
the live VAE plays, pauses and single-steps (the harness of test_pages_browser)."""
from tests.e2e.test_pages_browser import PageSpec, move_main_slider, open_page, play_and_pause

SPEC = PageSpec(slider="vae_steps", live="vae", ready="vae_toggle", figure="vae_elbo_fig", timeout=120_000)


def test_vae_page_in_chromium(page, server, shot):
    open_page(page, server, "vae.py", SPEC)
    assert page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').count()  # the measured table
    shot(page, "vae")
    move_main_slider(page, "vae.py", SPEC)
    play_and_pause(page, "vae.py", SPEC, shot)
