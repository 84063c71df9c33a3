"""ganviz: an interactive visual explainer of Generative Adversarial Networks (the UI-free core)."""

__version__ = "0.1.0"
