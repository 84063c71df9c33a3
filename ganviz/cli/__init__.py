"""The command line's subcommands beyond ``train``: ``evaluate`` (scores of a checkpoint) and ``vae``.
``python -m ganviz`` (``ganviz/__main__.py``) dispatches to them."""
