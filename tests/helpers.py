"""Small builders shared by the engine tests."""
import time

import torch

from ganviz.engine.device import seed_all
from ganviz.engine.nets import MLPDiscriminator, MLPGenerator
from ganviz.engine.trainer import TrainConfig, Trainer


def gaussian_2d(n, gen):
    return torch.randn(n, 2, generator=gen) * 0.5 + torch.tensor([1.0, -1.0])


def toy_trainer(pack=1, real=gaussian_2d, **cfg):
    config = TrainConfig(**{"batch_size": 32, "lr_g": 1e-3, "lr_d": 1e-3, "pack": pack, **cfg})
    seed_all(config.seed)
    G = MLPGenerator(2, 2, (16, 16))
    D = MLPDiscriminator(2, (16, 16), pack=pack)
    return Trainer(G, D, real, config, z_dim=2, fixed_n=64)


def wait_for(pred, timeout: float = 20.0) -> bool:
    """Poll ``pred`` every 10 ms until it is true (→ True) or ``timeout`` seconds pass (→ False)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return False


def validated(fig):
    """ganviz.plots builds live figures without plotly's validation (ganviz.plots.base): validate here instead."""
    import plotly.graph_objects as go
    go.Figure(fig.to_dict())  # raises ValueError on any unknown property or bad value
    return fig


def reference_is_fid(trainer, clf, reference, n: int, seed: int = 0) -> tuple[float, float]:
    """IS and FID of the trainer's G now, recomputed with scipy for checking a MetricTracker: G on n z's drawn by
    torch.randn from ``seed`` (balanced labels if conditional), the classifier's p(y|x) and features; IS =
    mean over 10 splits of a RandomState(seed) shuffle of exp(mean KL(p(y|x) ‖ p(y))) (Salimans et al. 2016,
    torch-fidelity splits), FID = ‖μ − μ_r‖² + Tr(Σ + Σ_r − 2(Σ Σ_r)^½) with scipy.linalg.sqrtm (Heusel et al.
    2017)."""
    import numpy as np
    import scipy.linalg
    import scipy.stats
    import torch

    z = torch.randn(n, int(trainer.fixed_z.shape[1]), generator=torch.Generator().manual_seed(seed))
    k = getattr(trainer, "num_classes", None)
    images = trainer.generate(z, torch.arange(n) % k if k else None)
    feats, probs = clf.extract(images)
    p = np.asarray(probs, np.float64)[np.random.RandomState(seed).permutation(n)]
    parts = [p[i * n // 10:(i + 1) * n // 10] for i in range(10)]
    is_ = np.mean([np.exp(np.mean([scipy.stats.entropy(r, q.mean(0)) for r in q])) for q in parts])
    f = np.asarray(feats, np.float64)
    mu, sigma = f.mean(0), np.cov(f, rowvar=False)
    root = scipy.linalg.sqrtm(sigma @ reference.sigma).real
    fid = float(np.sum((mu - reference.mu) ** 2) + np.trace(sigma + reference.sigma - 2 * root))
    return float(is_), fid


def mnist_is_fid(trainer, n: int) -> tuple[float, float]:
    """reference_is_fid with the shipped MNIST classifier and test-set reference (picklable, for worker runs)."""
    from ganviz.scoring import classifier
    return reference_is_fid(trainer, classifier.load_classifier("mnist"), classifier.load_reference("mnist", "test"),
                            n)
