"""Plotly figure builders, one module per topic: data in, go.Figure out (pure, testable).
The only part of ganviz besides ganviz.ui that imports plotly."""
