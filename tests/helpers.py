"""Small builders shared by the engine tests."""
import time

import torch

from ganviz.engine.nets import MLPDiscriminator, MLPGenerator
from ganviz.engine.trainer import TrainConfig, Trainer, seed_all


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
