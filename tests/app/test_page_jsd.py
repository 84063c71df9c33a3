"""AppTest of pages/jsd.py: every number shown equals an independent reference written here (scipy quad on the
analytic densities, closed forms for uniforms) to half a unit of its last shown digit, over the sliders' lattices."""
import numpy as np
import pytest
from scipy import integrate, optimize, stats

from tests.apptest import metric_values, open_page

LOG2, LOG4 = np.log(2.0), np.log(4.0)
MUS, SIG = np.array([-2.0, 2.0]), 0.7


def half_unit(shown: str) -> float:
    """Half a unit of the last digit of a fixed-point string such as '-0.530999'."""
    return 0.5 * 10.0 ** -len(shown.split(".")[1]) if "." in shown else 0.5


def err_units(shown: str, ref: float) -> float:
    """|shown − ref| in units of the last shown digit (≤ 0.5 means the shown string is ref correctly rounded)."""
    return abs(float(shown.replace("−", "-")) - ref) / (2 * half_unit(shown))


def jsd_reference(wd, wg, shift, scale) -> float:
    """JSD(p_data ‖ p_g) = ½∫p log(2p/(p+q)) + q log(2q/(p+q)) by adaptive quadrature, breakpoints at the means."""
    def dens(x, w, mus, s):
        return w * stats.norm.pdf(x, mus[0], s) + (1 - w) * stats.norm.pdf(x, mus[1], s)

    mus_g, s_g = shift + scale * MUS, scale * SIG

    def f(x):
        p, q = dens(x, wd, MUS, SIG), dens(x, wg, mus_g, s_g)
        return 0.5 * ((p * np.log(2 * p / (p + q)) if p > 0 else 0.0) + (q * np.log(2 * q / (p + q)) if q > 0 else 0.0))

    lo, hi = min(-2 - 15 * SIG, mus_g[0] - 15 * s_g), max(2 + 15 * SIG, mus_g[1] + 15 * s_g)
    pts = sorted({-2.0, 2.0, *mus_g})
    return integrate.quad(f, lo, hi, points=pts, limit=800, epsabs=1e-13, epsrel=1e-12)[0]


def lattice(lo, hi, step):
    return np.round(np.arange(lo, hi + step / 2, step), 10)


WD, WG, SHIFT, SCALE = lattice(0.05, 0.95, 0.05), lattice(0.0, 1.0, 0.05), lattice(-10, 10, 0.1), lattice(0.1, 3, 0.05)


def theorem1_settings(n: int, seed: int) -> list[tuple]:
    """Every corner of the four sliders' ranges, then n − 16 seeded draws from their lattices."""
    corners = [(a, b, c, d) for a in (WD[0], WD[-1]) for b in (WG[0], WG[-1]) for c in (SHIFT[0], SHIFT[-1])
               for d in (SCALE[0], SCALE[-1])]
    rng = np.random.default_rng(seed)
    draws = [tuple(float(v[rng.integers(v.size)]) for v in (WD, WG, SHIFT, SCALE)) for _ in range(n - len(corners))]
    return corners + draws


def sweep_theorem1(settings) -> float:
    at = open_page("pages/jsd.py").run()
    worst = 0.0
    for wd, wg, shift, scale in settings:
        for key, v in (("jsd_wd", wd), ("jsd_wg", wg), ("jsd_shift", shift), ("jsd_scale", scale)):
            at.slider(key=f"{key}").set_value(float(v))
        at.run()
        assert not at.exception
        m = metric_values(at)
        j = jsd_reference(wd, wg, shift, scale)
        errs = [err_units(m["JSD(p_data ‖ p_g)"], j), err_units(m["V(G, D*) by integration"], 2 * j - LOG4),
                err_units(m["−log 4 + 2·JSD"], 2 * j - LOG4), err_units(m["C(G) now"], 2 * j - LOG4)]
        assert max(errs) <= 0.5 + 1e-6, (wd, wg, shift, scale, m, j)
        assert float(m["|difference|"]) < 1e-12  # Thm. 1: the two sides are equal
        # p_g's mass outside the plotted [−14, 14], as the page's note must say
        lo, hi, s_g = shift - 2 * scale, shift + 2 * scale, scale * SIG
        out = [wg * stats.norm.cdf(-14, lo, s_g) + (1 - wg) * stats.norm.cdf(-14, hi, s_g),
               wg * stats.norm.sf(14, lo, s_g) + (1 - wg) * stats.norm.sf(14, hi, s_g)]
        notes = [c.value for c in at.caption if c.value.startswith("Not in view")]
        if max(out) >= 1e-6:
            assert len(notes) == 1
            for v in out:
                if v >= 1e-6:
                    assert f"{100 * v:.2g} %" in notes[0]
        else:
            assert not notes
        worst = max(worst, *errs)
    return worst


def test_theorem1_sweep_ci_subset():
    """≥ 200 settings of section 1 (all 16 corners included) against scipy quad."""
    worst = sweep_theorem1(theorem1_settings(216, seed=14))
    print(f"section 1: 216 settings, worst error {worst:.3f} units of the last digit")


@pytest.mark.slow
@pytest.mark.sweep
def test_theorem1_sweep_full():
    worst = sweep_theorem1(theorem1_settings(2016, seed=2014))
    print(f"section 1: 2016 settings, worst error {worst:.3f} units of the last digit")


def test_theorem1_issue_case_mass_outside_the_grid():
    """wd = 0.05, wg = 0.5, scale 3, shift 10: a quarter and more of p_g lies beyond x = 14; nothing is cut off."""
    at = open_page("pages/jsd.py").run()
    for key, v in (("jsd_wd", 0.05), ("jsd_wg", 0.5), ("jsd_shift", 10.0), ("jsd_scale", 3.0)):
        at.slider(key=key).set_value(v)
    at.run()
    m = metric_values(at)
    assert m["JSD(p_data ‖ p_g)"] == "0.427647" and m["V(G, D*) by integration"] == "-0.530999"
    assert any(c.value.startswith("Not in view: p_g has 41 % of its mass right of x = 14") for c in at.caption)


def test_disjoint_supports_every_theta():
    """All 61 θ of the slider: p_data = U(−1, 1), p_g = U(θ − 1, θ + 1); overlap 2 − θ for θ < 2. Closed forms:
    JSD = ½·2·(θ/2)·log 2 = min(θ, 2)/2·log 2, C(G) = −log 4 + 2·JSD, W1 = θ, KL = ∞ unless θ = 0."""
    at = open_page("pages/jsd.py").run()
    worst = 0.0
    for theta in lattice(0.0, 6.0, 0.1):
        at.slider(key="jsd_theta").set_value(float(theta)).run()
        assert not at.exception
        m = metric_values(at)
        j = min(theta, 2.0) / 2 * LOG2
        errs = [err_units(m["JSD"], j), err_units(m["C(G) = V(G, D*)"], 2 * j - LOG4), err_units(m["W1"], theta)]
        assert max(errs) <= 0.5 + 1e-9, (theta, m)
        worst = max(worst, *errs)
        if theta == 0:
            assert m["KL(p_data ‖ p_g)"] == "0.0000"
        else:
            assert m["KL(p_data ‖ p_g)"] == "∞"
            reason = "the supports are disjoint" if theta >= 2 else f"[−1, {theta - 1:g})".replace("-", "−")
            assert any(reason in c.value for c in at.caption if c.value.startswith("∞"))
    assert m["JSD"] == "0.693147" and m["W1"] == "6.0000" and m["C(G) = V(G, D*)"] == "0.000000"
    print(f"section 2: 61 θ, worst error {worst:.3f} units of the last digit")


def mixture_pdf(w, sep):
    return lambda x: w * stats.norm.pdf(x, -sep / 2, 0.6) + (1 - w) * stats.norm.pdf(x, sep / 2, 0.6)


def kl_quad(f, g, lo=-25.0, hi=25.0):
    def integrand(x):
        a = f(x)
        return a * (np.log(a) - np.log(g(x))) if a > 0 else 0.0
    return integrate.quad(integrand, lo, hi, limit=800, epsabs=1e-12, epsrel=1e-11)[0]


@pytest.mark.parametrize("sep,w", [(0.0, 0.5), (4.0, 0.5), (6.0, 0.3), (8.0, 0.05), (8.0, 0.5), (2.5, 0.95)])
def test_forward_reverse_kl_values(sep, w):
    """Forward fit: moment matching, KL(p ‖ q) by quad. Reverse fit: KL(q ‖ p) minimised here by Nelder–Mead on
    a quad objective, started at the page's fit; the minima agree to half a unit of the 4th decimal."""
    at = open_page("pages/jsd.py").run()
    at.slider(key="jsd_sep").set_value(sep)
    at.slider(key="jsd_wmode").set_value(w)
    at.run()
    m = metric_values(at)
    p = mixture_pdf(w, sep)
    mu = -w * sep / 2 + (1 - w) * sep / 2
    sd = np.sqrt(0.36 + sep**2 / 4 - mu**2)
    assert m["forward: μ, σ"] == f"{mu:.2f}, {sd:.2f}".replace("-0.00", "0.00")
    assert err_units(m["KL(p ‖ q_fwd)"], kl_quad(p, lambda x: stats.norm.pdf(x, mu, sd))) <= 0.5
    mu_r, s_r = map(float, m["reverse: μ, σ"].split(","))

    def rev(t):
        return kl_quad(lambda x: stats.norm.pdf(x, t[0], np.exp(t[1])), p, t[0] - 12 * np.exp(t[1]),
                       t[0] + 12 * np.exp(t[1]))

    best = optimize.minimize(rev, [mu_r, np.log(s_r)], method="Nelder-Mead",
                             options={"xatol": 1e-6, "fatol": 1e-10})
    assert err_units(m["KL(q_rev ‖ p)"], best.fun) <= 0.5
    assert abs(mu_r - best.x[0]) <= 0.005 + 1e-9 and abs(s_r - np.exp(best.x[1])) <= 0.005 + 1e-9


def prop2_reference(wd, wg, shift, scale, lr, steps):
    """C(G) after each mirror step p_g ← p_g^(1−η)(p_data + p_g)^η / Z, on a 400,001-point grid (Simpson)."""
    x = np.linspace(-60, 60, 400_001)
    p = wd * stats.norm.pdf(x, -2, SIG) + (1 - wd) * stats.norm.pdf(x, 2, SIG)
    q = wg * stats.norm.pdf(x, shift - 2 * scale, SIG * scale) + (1 - wg) * stats.norm.pdf(x, shift + 2 * scale,
                                                                                          SIG * scale)
    out = []
    for t in range(steps + 1):
        if t:
            q = q ** (1 - lr) * (p + q) ** lr
            q = q / integrate.simpson(q, x=x)
        s = np.where(p + q > 0, p + q, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(p > 0, p * np.log(p / s), 0.0) + np.where(q > 0, q * np.log(q / s), 0.0)
        out.append(integrate.simpson(f, x=x))
    return np.array(out)


@pytest.mark.parametrize("setting", [(0.5, 0.5, 1.5, 1.0, 0.3), (0.5, 0.8, 3.0, 0.6, 0.3), (0.2, 0.0, -4.0, 2.0, 1.0)])
def test_prop2_c_and_gap_to_minus_log4(setting):
    wd, wg, shift, scale, lr = setting
    ref = prop2_reference(wd, wg, shift, scale, lr, 30)
    at = open_page("pages/jsd.py").run()
    for key, v in zip(("jsd_wd", "jsd_wg", "jsd_shift", "jsd_scale", "jsd_lr"), setting, strict=True):
        at.slider(key=key).set_value(v)
    at.run()
    for steps in (0, 1, 5, 30):
        at.slider(key="jsd_steps").set_value(steps).run()
        m = metric_values(at)
        assert not at.exception
        assert err_units(m["C(G) now"], ref[steps]) <= 0.5, (steps, m["C(G) now"], ref[steps])
        gap = m["gap to −log 4"]
        if ref[steps] + LOG4 > 1e-10:  # 3 significant digits
            assert gap == f"{ref[steps] + LOG4:.2e}", (steps, gap, ref[steps] + LOG4)
        else:  # p_g = p_data up to round-off (η = 1 reaches it in one step)
            assert 0 <= float(gap) < 1e-12


def test_prop2_buttons():
    at = open_page("pages/jsd.py").run()
    at.button(key="jsd_step").click().run()
    assert at.slider(key="jsd_steps").value == 1
    at.button(key="jsd_step10").click().run()
    assert at.slider(key="jsd_steps").value == 11
    at.button(key="jsd_reset").click().run()
    assert at.slider(key="jsd_steps").value == 0


def test_presets_set_their_sliders():
    at = open_page("pages/jsd.py").run()
    expect = [{"jsd_shift": 0.0, "jsd_wg": 0.5, "jsd_scale": 1.0}, {"jsd_shift": 8.0}, {"jsd_theta": 3.0},
              {"jsd_sep": 6.0, "jsd_wmode": 0.5}, {"jsd_shift": 3.0, "jsd_scale": 0.6, "jsd_steps": 30}]
    for i, want in enumerate(expect):
        at.button(key=f"jsd_preset_{i}").click().run()
        assert not at.exception
        for k, v in want.items():
            assert at.slider(key=k).value == v
    assert metric_values(at)["C(G) now"] == f"{prop2_reference(0.5, 0.8, 3.0, 0.6, 0.3, 30)[30]:.6f}"
